//! What the schema accepts: every file this repository ships, and a file using every key.

use super::{BASE_ENV, EVERY_KEY, PROD_ENV, errors, load, validator, yaml};
use conform::config::environment;
use conform::config::load::check_files;
use conform::config::schema::{
    check_file_schema, claims_schema, environment_schema, schema_document,
};
use jsonschema::Validator;
use std::path::PathBuf;

/// The shipped files, found as the loader finds them.
fn shipped_check_files() -> Vec<PathBuf> {
    check_files(&repository()).expect("checks/ in the repository")
}

fn shipped_environments() -> Vec<PathBuf> {
    let dir = repository();
    environment::env_names(&dir)
        .iter()
        .filter_map(|name| environment::env_file(&dir, name))
        .collect()
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn assert_valid(schemas: &[&Validator], files: &[PathBuf]) {
    assert!(!files.is_empty(), "no files to check");
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("readable");
        let document = yaml(&text);
        for v in schemas {
            for e in errors(v, &document) {
                failures.push(format!("{}: {e}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_shipped_check_file_validates() {
    let (own, combined) = (
        validator(&check_file_schema()),
        validator(&schema_document()),
    );
    assert_valid(&[&own, &combined], &shipped_check_files());
}

#[test]
fn every_shipped_environment_validates() {
    let (own, combined) = (
        validator(&environment_schema()),
        validator(&schema_document()),
    );
    assert_valid(&[&own, &combined], &shipped_environments());
}

#[test]
fn a_file_with_every_key_loads_and_validates() {
    assert_eq!(load(EVERY_KEY, PROD_ENV), Ok(9));
    let combined = validator(&schema_document());
    let check_file = yaml(EVERY_KEY);
    assert_eq!(
        errors(&validator(&check_file_schema()), &check_file),
        [""; 0]
    );
    assert_eq!(errors(&combined, &check_file), [""; 0]);
    for env in [BASE_ENV, PROD_ENV, ""] {
        assert_eq!(
            errors(&validator(&environment_schema()), &yaml(env)),
            [""; 0]
        );
        assert_eq!(errors(&combined, &yaml(env)), [""; 0], "{env}");
    }
}

#[test]
fn the_shipped_claims_file_validates() {
    let (own, combined) = (validator(&claims_schema()), validator(&schema_document()));
    assert_valid(&[&own, &combined], &[repository().join("claims.yaml")]);
}

/// `conform init`'s starter files, as editors with the schema see them.
#[test]
fn the_starter_project_of_init_validates() {
    let dir = repository().join("src/cli/init");
    let checks = validator(&check_file_schema());
    assert_valid(&[&checks], &[dir.join("site.yaml")]);
    let env = validator(&environment_schema());
    assert_valid(&[&env], &[dir.join("prod.yaml")]);
}

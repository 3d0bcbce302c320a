//! `conform init [DIR]`: the starter project is exactly its four files, validates as is, and
//! no file that is already there is ever overwritten.

use crate::harness::*;
use std::path::Path;

/// Every file under `root`, as paths relative to it with `/`, sorted.
fn files_under(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

const STARTER: [&str; 4] = [
    ".github/workflows/conform.yml",
    "checks/site.yaml",
    "environments/prod.yaml",
    "reports/.gitignore",
];

fn created_all(dir: &str) -> String {
    format!(
        "created checks/site.yaml\n\
         created environments/prod.yaml\n\
         created .github/workflows/conform.yml\n\
         created reports/.gitignore\n\
         4 files created in {dir}, 0 skipped; the project validates: 4 checks for env prod\n\
         next: set your hosts in environments/prod.yaml, then `conform run --dir {dir}`\n"
    )
}

/// `validate` (and the CI workflow's `validate --all-envs --strict`) accept the project, and
/// `list` shows its checks.
async fn assert_valid(p: &Project) {
    let out = p.validate(&[]).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout.starts_with("env prod: 4 checks in 1 suite"),
        "{out}"
    );
    p.validate(&["--all-envs", "--strict"])
        .await
        .assert_code_quiet(0);
    let out = p.list(&[]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        "site/home-page-answers  [site,gate,nightly]  http GET https://example.com/\n\
         site/admin-path-is-not-served  [site,gate,nightly]  http GET https://example.com/admin\n\
         site/certificate-has-three-weeks-left  [site,nightly]  tls example.com:443 sni example.com\n\
         site/name-resolves  [site,nightly]  dns example.com. A\n\
         4 checks for env prod\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn init_writes_the_starter_project_which_validates_as_is() {
    let p = Project::new();
    // DIR need not exist yet.
    let dir = p.shown("new");
    let out = conform(&["init", &dir], &[], None).await;
    out.assert_code_quiet(0);
    assert_eq!(out.stdout, created_all(&dir));
    assert_eq!(files_under(&p.path().join("new")), STARTER);
    let project = Project::new();
    conform(&["init", &project.dir_arg()], &[], None)
        .await
        .assert_code_quiet(0);
    assert_valid(&project).await;
    assert_eq!(
        project.read("reports/.gitignore"),
        "# What `conform run` writes (junit.xml, report.json): results, not sources.\n*\n!.gitignore\n"
    );

    // Without DIR: the current folder, and the next step needs no --dir.
    let here = Project::new();
    let out = conform(&["init"], &[], Some(here.path().to_path_buf())).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout.ends_with(
            "4 files created in ., 0 skipped; the project validates: 4 checks for env prod\n\
             next: set your hosts in environments/prod.yaml, then `conform run`\n"
        ),
        "{out}"
    );
    assert_eq!(files_under(here.path()), STARTER);
}

#[tokio::test(flavor = "multi_thread")]
async fn init_again_overwrites_nothing() {
    let p = Project::new();
    let dir = p.dir_arg();
    conform(&["init", &dir], &[], None)
        .await
        .assert_code_quiet(0);
    // An edit of the user's own, which a second init must keep.
    let env = "vars:\n  site_host: www.example.org\n";
    p.write("environments/prod.yaml", env);
    let before: Vec<String> = STARTER.iter().map(|f| p.read(f)).collect();

    let out = conform(&["init", &dir], &[], None).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "skipped checks/site.yaml: it exists; init never overwrites a file\n\
             skipped environments/prod.yaml: it exists; init never overwrites a file\n\
             skipped .github/workflows/conform.yml: it exists; init never overwrites a file\n\
             skipped reports/.gitignore: it exists; init never overwrites a file\n\
             0 files created in {dir}, 4 skipped; the project validates: 4 checks for env prod\n\
             next: set your hosts in environments/prod.yaml, then `conform run --dir {dir}`\n"
        )
    );
    let after: Vec<String> = STARTER.iter().map(|f| p.read(f)).collect();
    assert_eq!(after, before);
    assert_eq!(p.read("environments/prod.yaml"), env);
    assert_eq!(files_under(p.path()), STARTER);
}

#[tokio::test(flavor = "multi_thread")]
async fn init_skips_the_one_file_that_exists_and_writes_the_others() {
    let p = Project::new();
    let dir = p.dir_arg();
    let ignore = "junit.xml\n";
    p.write("reports/.gitignore", ignore);
    let out = conform(&["init", &dir], &[], None).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "created checks/site.yaml\n\
             created environments/prod.yaml\n\
             created .github/workflows/conform.yml\n\
             skipped reports/.gitignore: it exists; init never overwrites a file\n\
             3 files created in {dir}, 1 skipped; the project validates: 4 checks for env prod\n\
             next: set your hosts in environments/prod.yaml, then `conform run --dir {dir}`\n"
        )
    );
    assert_eq!(p.read("reports/.gitignore"), ignore);
    assert_eq!(files_under(p.path()), STARTER);
    assert_valid(&p).await;

    // A folder where a file goes is kept too, and said to be one.
    let q = Project::new();
    std::fs::create_dir_all(q.path().join(".github/workflows/conform.yml")).expect("mkdir");
    let out = conform(&["init", &q.dir_arg()], &[], None).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout.contains(
            "skipped .github/workflows/conform.yml: it exists (a folder); init never \
             overwrites a file\n"
        ),
        "{out}"
    );
}

/// A file kept from before that does not fit the starter (an environment without its
/// variable) is named, and init says the project does not validate: exit 2.
#[tokio::test(flavor = "multi_thread")]
async fn init_says_when_the_files_it_kept_keep_the_project_from_validating() {
    let p = Project::new();
    let dir = p.dir_arg();
    p.write("environments/prod.yaml", "vars: { other: x }\n");
    let out = conform(&["init", &dir], &[], None).await;
    out.assert_code(2);
    assert_eq!(
        out.stdout,
        format!(
            "created checks/site.yaml\n\
             skipped environments/prod.yaml: it exists; init never overwrites a file\n\
             created .github/workflows/conform.yml\n\
             created reports/.gitignore\n\
             3 files created in {dir}, 1 skipped\n"
        )
    );
    let site = p.shown("checks/site.yaml");
    let unknown = "unknown variable `${site_host}`; the environment's vars are: other";
    assert_eq!(
        out.stderr,
        format!(
            "error: {site}:9:18: {unknown}\n\
             error: {site}:17:18: {unknown}\n\
             error: {site}:22:18: {unknown}\n\
             error: {site}:30:18: {unknown}\n\
             4 errors found: the project does not validate for env prod with the files it \
             already had; fix them, then `conform validate --dir {dir}`\n"
        )
    );
    assert_eq!(p.read("environments/prod.yaml"), "vars: { other: x }\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn init_into_a_file_is_refused() {
    let p = Project::new();
    p.write("notes.txt", "mine\n");
    let target = p.shown("notes.txt");
    let out = conform(&["init", &target], &[], None).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "error: `{target}` is not a folder; expected a folder to write the project in, or \
             a path where one can be made\n"
        )
    );
    assert_eq!(p.read("notes.txt"), "mine\n");
}

/// A check file of the user's own where the starter's goes is kept, and the count is theirs.
#[tokio::test(flavor = "multi_thread")]
async fn init_counts_the_checks_of_a_check_file_it_kept() {
    let p = Project::new();
    let dir = p.dir_arg();
    let mine = "checks:\n  - name: one\n    tcp: { host: \"${site_host}\", port: 22 }\n    expect: { connect: refused }\n";
    p.write("checks/site.yaml", mine);
    let out = conform(&["init", &dir], &[], None).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout
            .contains("skipped checks/site.yaml: it exists; init never overwrites a file\n"),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!(
            "3 files created in {dir}, 1 skipped; the project validates: 1 check for env prod\n"
        )),
        "{out}"
    );
    assert_eq!(p.read("checks/site.yaml"), mine);
}

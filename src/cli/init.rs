//! `conform init [DIR]`: a starter project (a check file, `environments/prod.yaml`, a CI
//! workflow for the gate and the nightly run, `reports/.gitignore`) that validates as is.
//! A file that is already there is kept as it is, never overwritten: each file is created
//! with `create_new`, so not even a file that appears meanwhile is replaced.

use super::{Exit, InitArgs, getenv, say};
use crate::config::load::load_plan;
use std::io::Write;
use std::path::Path;

/// The environment the starter project's checks are validated in: `--env`'s default.
const ENV: &str = "prod";

/// Every file of the starter project: its path under DIR, and its text.
pub const STARTER_FILES: &[(&str, &str)] = &[
    ("checks/site.yaml", include_str!("init/site.yaml")),
    ("environments/prod.yaml", include_str!("init/prod.yaml")),
    (
        ".github/workflows/conform.yml",
        include_str!("init/workflow.yml"),
    ),
    ("reports/.gitignore", include_str!("init/reports.gitignore")),
];

/// What became of one file.
enum Written {
    Created,
    /// Something is there already: kept, with what it is when it is not a file.
    Kept(Option<&'static str>),
}

pub fn cmd_init(args: InitArgs) -> Exit {
    let dir = args.dir.as_path();
    if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
        eprintln!(
            "error: `{}` is not a folder; expected a folder to write the project in, or a \
             path where one can be made",
            dir.display()
        );
        return Exit::Usage;
    }
    let mut created = 0;
    let mut kept = 0;
    for (rel, text) in STARTER_FILES {
        match write_new(&dir.join(rel), text) {
            Ok(Written::Created) => {
                created += 1;
                say(&format!("created {rel}\n"));
            }
            Ok(Written::Kept(what)) => {
                kept += 1;
                let what = what.map(|w| format!(" ({w})")).unwrap_or_default();
                say(&format!(
                    "skipped {rel}: it exists{what}; init never overwrites a file\n"
                ));
            }
            Err(e) => {
                eprintln!(
                    "error: cannot write {}: {e}; expected a folder conform can write to \
                     (files written so far are kept)",
                    dir.join(rel).display()
                );
                return Exit::Usage;
            }
        }
    }
    let summary = format!(
        "{created} file{} created in {}, {kept} skipped",
        if created == 1 { "" } else { "s" },
        dir.display()
    );
    let dir_arg = if dir == Path::new(".") {
        String::new()
    } else {
        format!(" --dir {}", shell_word(&dir.display().to_string()))
    };
    match load_plan(dir, ENV, &getenv) {
        Ok(plan) => {
            let n = plan.checks.len();
            say(&format!(
                "{summary}; the project validates: {n} check{} for env {ENV}\n\
                 next: set your hosts in environments/prod.yaml, then `conform run{dir_arg}`\n",
                if n == 1 { "" } else { "s" }
            ));
            Exit::Pass
        }
        Err(errors) => {
            say(&format!("{summary}\n"));
            let mut err = std::io::stderr().lock();
            for d in &errors {
                let _ = writeln!(err, "error: {d}");
            }
            let n = errors.len();
            let _ = writeln!(
                err,
                "{n} error{} found: the project does not validate for env {ENV} with the files \
                 it already had; fix them, then `conform validate{dir_arg}`",
                if n == 1 { "" } else { "s" }
            );
            Exit::Usage
        }
    }
}

/// Creates `path` (and its folders) with `text`, unless something is there already.
fn write_new(path: &Path, text: &str) -> std::io::Result<Written> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match file {
        Ok(mut file) => match file.write_all(text.as_bytes()) {
            Ok(()) => Ok(Written::Created),
            Err(e) => {
                // The file is this run's own: a half-written one is not left behind.
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let what = std::fs::symlink_metadata(path).ok().and_then(|m| {
                let t = m.file_type();
                if t.is_dir() {
                    Some("a folder")
                } else if t.is_symlink() {
                    Some("a symbolic link")
                } else if t.is_file() {
                    None
                } else {
                    Some("not a regular file")
                }
            });
            Ok(Written::Kept(what))
        }
        Err(e) => Err(e),
    }
}

/// `text` as one shell word: as is when it is plain, else in single quotes.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_one_shell_word() {
        assert_eq!(shell_word("/tmp/a-b_c.d"), "/tmp/a-b_c.d");
        assert_eq!(shell_word("my dir"), "'my dir'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn every_starter_file_ends_with_a_newline() {
        for (rel, text) in STARTER_FILES {
            assert!(text.ends_with('\n'), "{rel}");
        }
    }
}

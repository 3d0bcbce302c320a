//! The process's exit: what clap prints itself (`--help`, `--version`, a command line that
//! does not parse) ends with the README's codes, like every command.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread")]
async fn help_and_version_pass_a_bad_command_line_is_exit_2() {
    let out = conform(&["--version"], &[], None).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!("conform {}\n", env!("CARGO_PKG_VERSION")),
        "{out}"
    );
    let out = conform(&["run", "--help"], &[], None).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout
            .starts_with("Probe every selected check and report\n"),
        "{out}"
    );
    assert!(out.stdout.contains("\n      --color <WHEN>"), "{out}");
    let out = conform(&[], &[], None).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        out.stderr
            .starts_with("Checks that live infrastructure matches its declared state.\n"),
        "{out}"
    );
    let out = conform(&["bogus"], &[], None).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    out.assert_stderr_starts_with("error: unrecognized subcommand 'bogus'\n");
}

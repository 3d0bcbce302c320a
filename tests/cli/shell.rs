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

/// Every command's own help opens with the line `conform --help` gives it: no flattened set
/// of flags brings its own description in its place.
#[tokio::test(flavor = "multi_thread")]
async fn every_commands_help_opens_with_its_own_description() {
    let out = conform(&["--help"], &[], None).await;
    out.assert_code_quiet(0);
    let listed: Vec<(String, String)> = out
        .stdout
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_else(|| panic!("no command list: {out}"))
        .lines()
        .filter_map(|line| {
            let (name, about) = line.trim_start().split_once(' ')?;
            Some((name.to_string(), about.trim_start().to_string()))
        })
        .filter(|(name, _)| name != "help")
        .collect();
    assert_eq!(listed.len(), 11, "{out}");
    for (name, about) in listed {
        let out = conform(&[&name, "-h"], &[], None).await;
        out.assert_code_quiet(0);
        assert!(
            out.stdout
                .starts_with(&format!("{about}\n\nUsage: conform {name} ")),
            "`conform {name} -h` opens with another description than `{about}`:\n{out}"
        );
    }
}

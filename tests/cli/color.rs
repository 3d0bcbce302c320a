//! `--color auto|always|never`: colour on a terminal unless the environment says otherwise
//! (`NO_COLOR`, `CLICOLOR_FORCE`, `TERM=dumb`), never through a pipe unless asked, always when
//! asked. A terminal here is a real pseudo-terminal on the binary's stdout.

use crate::harness::*;
use crate::support::*;
use regex::Regex;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::{AsRawFd, FromRawFd};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHECKS: &str = r#"checks:
  - name: up
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
  - name: missing
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 404 }
"#;

/// A project with one passing and one failing check, and the server they probe.
async fn project() -> (TestServer, Project) {
    let (server, p) = http_project(TestResponse::ok("hello")).await;
    p.write("checks/web.yaml", CHECKS);
    (server, p)
}

/// The lines colour marks: the labels green and red, the ids bold, the closing line red.
const COLOURED: [&str; 3] = [
    r"(?m)^\x1b\[32mPASS\x1b\[0m    \x1b\[1mweb/up\x1b\[0m  up +\d+\.\d\ds$",
    r"(?m)^\x1b\[31mFAIL\x1b\[0m    \x1b\[1mweb/missing\x1b\[0m  missing +\d+\.\d\ds$",
    r"(?m)^\x1b\[31m1 passed, 1 failed, 0 errors, 0 pending in \d+\.\d\ds\x1b\[0m$",
];

/// The same lines without colour.
const PLAIN: [&str; 3] = [
    r"(?m)^PASS    web/up  up +\d+\.\d\ds$",
    r"(?m)^FAIL    web/missing  missing +\d+\.\d\ds$",
    r"(?m)^1 passed, 1 failed, 0 errors, 0 pending in \d+\.\d\ds$",
];

#[track_caller]
fn assert_coloured(stdout: &str) {
    for pattern in COLOURED {
        assert!(
            Regex::new(pattern).unwrap().is_match(stdout),
            "{pattern} in:\n{stdout:?}"
        );
    }
    // Those three lines, and nothing else, carry escapes: four each, two on the last.
    assert_eq!(stdout.matches('\x1b').count(), 10, "{stdout:?}");
}

#[track_caller]
fn assert_plain(stdout: &str) {
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    for pattern in PLAIN {
        assert!(
            Regex::new(pattern).unwrap().is_match(stdout),
            "{pattern} in:\n{stdout}"
        );
    }
}

/// `conform [before...] run --dir <p> [after...]` with only `env` in its environment, stdout a
/// pipe.
async fn through_a_pipe(
    p: &Project,
    before: &[&str],
    after: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let args = arguments(p, before, after);
    let env = owned(env);
    tokio::task::spawn_blocking(move || {
        let mut command = crate::harness::conform_command();
        command.args(&args).env_clear().envs(env);
        run_bounded(command, &args)
    })
    .await
    .expect("the runner thread")
}

fn arguments(p: &Project, before: &[&str], after: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = before.iter().map(|a| a.to_string()).collect();
    args.extend(["run".to_string(), "--dir".to_string(), p.dir_arg()]);
    args.extend(after.iter().map(|a| a.to_string()));
    args
}

fn owned(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn always_colours_through_a_pipe_even_with_no_color() {
    let (_server, p) = project().await;
    // The harness sets NO_COLOR=1: an explicit --color always wins over it.
    let out = p.run(&["--color", "always"]).await;
    out.assert_code(1);
    assert_coloured(&out.stdout);
    assert_eq!(out.stderr, "", "{out}");
    // A global flag: before the command too.
    let out = through_a_pipe(&p, &["--color", "always"], &[], &[]).await;
    out.assert_code(1);
    assert_coloured(&out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn never_and_the_default_through_a_pipe_are_plain() {
    let (_server, p) = project().await;
    let out = through_a_pipe(&p, &[], &["--color", "never"], &[("CLICOLOR_FORCE", "1")]).await;
    out.assert_code(1);
    assert_plain(&out.stdout);
    for default in [&[][..], &["--color", "auto"][..]] {
        let out = through_a_pipe(&p, &[], default, &[("TERM", "xterm-256color")]).await;
        out.assert_code(1);
        assert_plain(&out.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_color_wins_over_clicolor_force_which_colours_a_pipe() {
    let (_server, p) = project().await;
    let out = through_a_pipe(&p, &[], &[], &[("NO_COLOR", "1")]).await;
    out.assert_code(1);
    assert_plain(&out.stdout);
    let out = through_a_pipe(&p, &[], &[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]).await;
    out.assert_code(1);
    assert_plain(&out.stdout);
    let out = through_a_pipe(&p, &[], &[], &[("CLICOLOR_FORCE", "1")]).await;
    out.assert_code(1);
    assert_coloured(&out.stdout);
}

/// Flags, the environment, and whether the report is coloured.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], bool);

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_is_coloured_unless_no_color_or_a_dumb_terminal() {
    let (_server, p) = project().await;
    let xterm = ("TERM", "xterm-256color");
    let cases: [Case; 5] = [
        (&[], &[xterm], true),
        (&[], &[xterm, ("NO_COLOR", "")], true),
        (&[], &[xterm, ("NO_COLOR", "1")], false),
        (&[], &[("TERM", "dumb")], false),
        (&["--color", "never"], &[xterm], false),
    ];
    for (flags, env, coloured) in cases {
        let args = arguments(&p, &[], flags);
        let env = owned(env);
        let (code, shown) = tokio::task::spawn_blocking(move || on_a_terminal(&args, &env))
            .await
            .expect("the runner thread");
        assert_eq!(code, 1, "{flags:?} {shown}");
        if coloured {
            assert_coloured(&shown);
        } else {
            assert_plain(&shown);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_choice_is_a_usage_error() {
    let (_server, p) = project().await;
    let out = p.run(&["--color", "x"]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(
        out.stderr.lines().next(),
        Some("error: invalid value 'x' for '--color <WHEN>'"),
        "{out}"
    );
    out.assert_stderr_contains("[possible values: auto, always, never]");
    assert!(
        !p.path().join("reports").exists(),
        "a command line that does not parse writes nothing"
    );
}

/// Runs conform with `args` and only `env`, its stdout a new pseudo-terminal in raw mode (no
/// line-end translation) and stderr a pipe; returns its exit code and what the terminal got.
fn on_a_terminal(args: &[String], env: &[(String, String)]) -> (i32, String) {
    let (master, terminal) = pseudo_terminal();
    let mut child = crate::harness::conform_command()
        .args(args)
        .env_clear()
        .envs(env.iter().cloned())
        .stdin(Stdio::null())
        .stdout(Stdio::from(terminal))
        .stderr(Stdio::null())
        .spawn()
        .expect("start conform");
    // Once the child has exited, no one holds the terminal: reading it ends (EIO on Linux).
    let reader = std::thread::spawn(move || {
        let mut master = master;
        let mut shown = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => shown.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&shown).into_owned()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for conform") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("conform {args:?} did not finish on a terminal");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let shown = reader.join().expect("the terminal reader");
    (status.code().expect("conform exited by a signal"), shown)
}

/// A new pseudo-terminal: its master (to read) and its terminal end, in raw mode.
fn pseudo_terminal() -> (File, File) {
    // SAFETY: plain libc calls on a descriptor this function owns; the name buffer is large
    // enough and NUL-terminated by ptsname_r.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(master), 0, "grantpt");
        assert_eq!(libc::unlockpt(master), 0, "unlockpt");
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(
            libc::ptsname_r(master, name.as_mut_ptr(), name.len()),
            0,
            "ptsname_r"
        );
        let path = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_string_lossy()
            .into_owned();
        let master = File::from_raw_fd(master);
        let terminal = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&path)
            .expect("open the terminal end");
        let mut mode: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(terminal.as_raw_fd(), &mut mode), 0);
        libc::cfmakeraw(&mut mode);
        assert_eq!(
            libc::tcsetattr(terminal.as_raw_fd(), libc::TCSANOW, &mode),
            0
        );
        (master, terminal)
    }
}

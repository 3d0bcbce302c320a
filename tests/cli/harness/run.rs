//! The binary run with a hang limit, and its output taken apart into check lines and detail
//! blocks, and asserted.

use regex::Regex;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A binary that has not finished after this long is killed and the test fails.
const HANG_LIMIT: Duration = Duration::from_secs(30);

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

impl Output {
    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "exit code; output:\n{self}");
    }

    /// Asserts the exit code, and that nothing was written to stderr.
    #[track_caller]
    pub(crate) fn assert_code_quiet(&self, code: i32) {
        self.assert_code(code);
        assert_eq!(self.stderr, "", "stderr; output:\n{self}");
    }

    /// The per-check lines: (label, id, the rest of the line).
    pub(crate) fn checks(&self) -> Vec<(String, String, String)> {
        self.stdout
            .lines()
            .filter(|l| LABELS.iter().any(|label| l.starts_with(label)))
            .map(|l| {
                let (label, rest) = l.split_at(8);
                let (id, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                (label.trim().to_string(), id.to_string(), rest.to_string())
            })
            .collect()
    }

    /// (label, id) of every check line, sorted by id.
    pub(crate) fn outcomes(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> =
            self.checks().into_iter().map(|(l, i, _)| (l, i)).collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    }

    /// The line of check `id`, whole.
    #[track_caller]
    pub(crate) fn line_of(&self, id: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| {
                LABELS.iter().any(|label| l.starts_with(label))
                    && l[8..].split(' ').next() == Some(id)
            })
            .unwrap_or_else(|| panic!("no line for {id} in:\n{self}"))
    }

    /// The indented detail block under check `id`, indentation removed.
    pub(crate) fn details_of(&self, id: &str) -> Vec<String> {
        let head = self.line_of(id);
        self.stdout
            .lines()
            .skip_while(|l| *l != head)
            .skip(1)
            .take_while(|l| l.starts_with("    "))
            .map(|l| l[4..].to_string())
            .collect()
    }

    /// Asserts the closing line: its format, then its counts exactly (the part before " in ").
    #[track_caller]
    pub(crate) fn assert_summary(&self, counts: &str) {
        let last = self
            .stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        let re = Regex::new(r"^\d+ passed, \d+ failed, \d+ errors?, \d+ pending.* in \d+\.\d\ds$")
            .unwrap();
        assert!(re.is_match(last), "closing line {last:?} in:\n{self}");
        let (shown, _) = last.rsplit_once(" in ").unwrap();
        assert_eq!(shown, counts, "closing line; output:\n{self}");
    }

    /// Asserts the line of check `id`, whole: `^<LABEL> <id>  <name> <seconds>s$`.
    #[track_caller]
    pub(crate) fn assert_line(&self, label: &str, id: &str, name: &str) {
        let pattern = format!(
            r"^{label:<8}{}  {} +\d+\.\d\ds$",
            regex::escape(id),
            regex::escape(name)
        );
        assert_matches(&pattern, self.line_of(id), self);
    }

    /// Asserts (label, id) of every check line, sorted by id: see [`Output::outcomes`].
    #[track_caller]
    pub(crate) fn assert_outcomes(&self, expected: &[(&str, &str)]) {
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(label, id)| (label.to_string(), id.to_string()))
            .collect();
        assert_eq!(self.outcomes(), expected, "{self}");
    }

    /// The `reproduce: ` line of check `id`'s detail block.
    #[track_caller]
    pub(crate) fn reproduce(&self, id: &str) -> String {
        self.details_of(id)
            .into_iter()
            .find(|l| l.starts_with("reproduce: "))
            .unwrap_or_else(|| panic!("no reproduce line for {id}\n{self}"))
    }

    #[track_caller]
    pub(crate) fn assert_stderr_starts_with(&self, prefix: &str) {
        assert!(self.stderr.starts_with(prefix), "{prefix:?}: {self}");
    }

    #[track_caller]
    pub(crate) fn assert_stderr_contains(&self, part: &str) {
        assert!(self.stderr.contains(part), "{part:?}: {self}");
    }

    /// Asserts that the run took less than `limit`.
    #[track_caller]
    pub(crate) fn assert_within(&self, limit: Duration) {
        assert!(
            self.elapsed < limit,
            "took {:?}, more than {limit:?}: {self}",
            self.elapsed
        );
    }

    /// Asserts that the run took `least` or more.
    #[track_caller]
    pub(crate) fn assert_took_at_least(&self, least: Duration) {
        assert!(
            self.elapsed >= least,
            "took {:?}, less than {least:?}: {self}",
            self.elapsed
        );
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- exit {} after {:?}\n--- stdout\n{}--- stderr\n{}---",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// The proxy variables conform reads, in both cases: no test inherits them.
pub(crate) const PROXY_VARIABLES: &[&str] = conform::config::model::PROXY_VARIABLES.as_flattened();

/// The binary, without the machine's proxy variables: a proxy of the machine's would stand
/// between the tests and their loopback servers.
pub(crate) fn conform_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
    for name in PROXY_VARIABLES {
        command.env_remove(name);
    }
    command
}

/// Runs the binary with `args` (NO_COLOR=1, no TEST_* variables inherited, plus `env`).
pub(crate) async fn conform(args: &[&str], env: &[(&str, &str)], cwd: Option<PathBuf>) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || run_blocking(&args, &env, cwd))
        .await
        .expect("the runner thread")
}

fn run_blocking(args: &[String], env: &[(String, String)], cwd: Option<PathBuf>) -> Output {
    let mut command = conform_command();
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TEST_TOKEN")
        .env_remove("CONFORM_TEST_UNSET");
    for (k, v) in env {
        command.env(k, v);
    }
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    run_bounded(command, args)
}

/// Runs `command` (the binary with `args`) with no stdin, reading its output, and kills it and
/// fails the test if it has not finished within [`HANG_LIMIT`].
pub(crate) fn run_bounded(mut command: Command, args: &[String]) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("start conform");
    let out_reader = read_all(child.stdout.take().expect("stdout"));
    let err_reader = read_all(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for conform") {
            break status;
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("conform {args:?} did not finish within {HANG_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    Output {
        code: status.code().expect("conform exited by a signal"),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
        elapsed,
    }
}

/// Reads a pipe to its end on a thread of its own.
fn read_all(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

const LABELS: [&str; 6] = ["PASS", "FAIL", "ERROR", "PENDING", "FIXED", "NOT RUN"];

#[track_caller]
pub(crate) fn assert_matches(pattern: &str, text: &str, out: &Output) {
    let re = Regex::new(pattern).expect("regex");
    assert!(
        re.is_match(text),
        "{text:?} does not match {pattern}\n{out}"
    );
}

/// A mismatch as the detail block shows it: the field, expected and actual (and the note,
/// when there is one), once (no one-line message repeats it).
pub(crate) fn mismatch(
    field: &str,
    expected: &str,
    actual: &str,
    note: Option<&str>,
) -> Vec<String> {
    let mut v = vec![
        field.to_string(),
        format!("  expected: {expected}"),
        format!("  actual:   {actual}"),
    ];
    if let Some(note) = note {
        v.push(format!("  note:     {note}"));
    }
    v
}

/// Neither `secret` nor any run of 6 of its characters is in `text`.
#[track_caller]
pub(crate) fn assert_no_secret(text: &str, secret: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(6) {
        let part: String = w.iter().collect();
        assert!(
            !text.contains(&part),
            "{what} shows {part:?} of the secret:\n{text}"
        );
    }
}

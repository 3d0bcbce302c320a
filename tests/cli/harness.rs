//! The harness every end-to-end test shares: a project folder and the files tests write in it,
//! the binary run with a hang limit, its output taken apart into check lines and detail blocks
//! (and asserted), JUnit helpers, certificate times, and the loopback servers most tests start.

use crate::support::*;
use regex::Regex;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::macros::format_description;

/// A binary that has not finished after this long is killed and the test fails.
const HANG_LIMIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Harness: a project folder, the binary, its output.

pub(crate) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A new project with `environments/prod.yaml` as [`Project::prod_env`] writes it.
    pub(crate) fn with_prod_env(port: u16, pki: Option<&Pki>, extra: &str) -> Project {
        let p = Project::new();
        p.prod_env(port, pki, extra);
        p
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The `--dir` argument.
    pub(crate) fn dir_arg(&self) -> String {
        self.path().display().to_string()
    }

    /// Writes `text` to `rel` under the project, creating folders.
    pub(crate) fn write(&self, rel: &str, text: &str) -> &Project {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        self
    }

    /// `environments/prod.yaml`: `port` as a var, `chat.test` resolved to 127.0.0.1, and (when
    /// given) the test CA as a trust root; `extra` is appended as more top-level keys.
    pub(crate) fn prod_env(&self, port: u16, pki: Option<&Pki>, extra: &str) -> &Project {
        self.prod_env_vars(&[("port", port)], pki, extra)
    }

    /// Like `prod_env`, with several port variables.
    pub(crate) fn prod_env_vars(
        &self,
        vars: &[(&str, u16)],
        pki: Option<&Pki>,
        extra: &str,
    ) -> &Project {
        let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}: \"{v}\"")).collect();
        let text = format!(
            "vars: {{ {} }}\nresolve: {{ chat.test: 127.0.0.1 }}\n",
            vars.join(", ")
        );
        self.env(&text, pki, extra)
    }

    /// `environments/prod.yaml`: `head`, then (when given) the test CA as a trust root (written
    /// to `environments/ca.pem`), then `tail`.
    pub(crate) fn env(&self, head: &str, pki: Option<&Pki>, tail: &str) -> &Project {
        let mut text = head.to_string();
        if let Some(pki) = pki {
            self.write("environments/ca.pem", &pki.ca_pem());
            text.push_str("tls: { ca_file: ca.pem }\n");
        }
        text.push_str(tail);
        self.write("environments/prod.yaml", &text)
    }

    /// `checks/<suite>.yaml` with one http check: `name`, a GET of `url`, and `expect` (a flow
    /// mapping such as `{ status: 200 }`). The check starts on line 2.
    pub(crate) fn http_check(&self, suite: &str, name: &str, url: &str, expect: &str) -> &Project {
        self.write(
            &format!("checks/{suite}.yaml"),
            &format!(
                "checks:\n  - name: {name}\n    http: {{ url: \"{url}\" }}\n    expect: {expect}\n"
            ),
        )
    }

    /// A client identity as `pki/client.pem` and `pki/client.key`, the files
    /// `client_cert: ../pki/client.pem` and `client_key: ../pki/client.key` of a check name.
    pub(crate) fn client_identity(&self, chain: &str, key: &str) -> &Project {
        self.write("pki/client.pem", chain);
        self.write("pki/client.key", key)
    }

    /// `at <file>:<line>`, the first detail line of a check, for the file `rel` names.
    pub(crate) fn at(&self, rel: &str, line: usize) -> String {
        format!("at {}:{line}", self.shown(rel))
    }

    /// The file a check file names, as the binary reports it (`--dir` joined).
    pub(crate) fn shown(&self, rel: &str) -> String {
        self.path().join(rel).display().to_string()
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub(crate) fn junit(&self) -> String {
        self.read("reports/junit.xml")
    }

    /// (tests, failures, errors, skipped) of testsuite `name` in `reports/junit.xml`.
    pub(crate) fn junit_counts(&self, name: &str) -> [String; 4] {
        let xml = self.junit();
        let doc = parse(&xml);
        counts(suite(&doc, name)).map(String::from)
    }

    /// Whether testcase `name` in `reports/junit.xml` has a `<tag>` child.
    pub(crate) fn junit_case_has(&self, name: &str, tag: &str) -> bool {
        let xml = self.junit();
        let doc = parse(&xml);
        has_child(case(&doc, name), tag)
    }

    /// The `<tag>` (`failure`, `error`, `skipped`...) of testcase `name` in `reports/junit.xml`.
    #[track_caller]
    pub(crate) fn verdict(&self, name: &str, tag: &str) -> Verdict {
        let xml = self.junit();
        let (kind, message, text) = {
            let doc = parse(&xml);
            let node = child(case(&doc, name), tag);
            (
                node.attribute("type").map(String::from),
                node.attribute("message").map(String::from),
                node.text().unwrap_or_default().to_string(),
            )
        };
        Verdict {
            kind,
            message,
            text,
            xml,
        }
    }

    /// `conform run --dir <project> <args>`.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[]).await
    }

    pub(crate) async fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command("run", args, env).await
    }

    /// `conform list --dir <project> <args>`.
    pub(crate) async fn list(&self, args: &[&str]) -> Output {
        self.command("list", args, &[]).await
    }

    /// `conform validate --dir <project> <args>`.
    pub(crate) async fn validate(&self, args: &[&str]) -> Output {
        self.command("validate", args, &[]).await
    }

    /// `conform <command> --dir <project> <args>`, with `env` set.
    pub(crate) async fn command(
        &self,
        command: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        let dir = self.dir_arg();
        let mut all = vec![command, "--dir", dir.as_str()];
        all.extend_from_slice(args);
        conform(&all, env, None).await
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
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
    let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
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
        let re = Regex::new(r"^\d+ passed, \d+ failed, \d+ errors, \d+ pending.* in \d+\.\d\ds$")
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

#[track_caller]
pub(crate) fn assert_matches(pattern: &str, text: &str, out: &Output) {
    let re = Regex::new(pattern).expect("regex");
    assert!(
        re.is_match(text),
        "{text:?} does not match {pattern}\n{out}"
    );
}

/// A mismatch as the detail block shows it: the one-line message, the field, expected and
/// actual (and the note, when there is one).
pub(crate) fn mismatch(
    field: &str,
    expected: &str,
    actual: &str,
    note: Option<&str>,
) -> Vec<String> {
    let mut v = vec![
        format!("{field}: expected {expected}, got {actual}"),
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

// ---------------------------------------------------------------------------------------------
// Certificate times.

/// The whole second before `t`: what a certificate made with `t` as a bound says.
pub(crate) fn whole_second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).expect("nanosecond 0")
}

/// `2026-12-07 10:00:00 UTC`, as the judge shows a certificate's notAfter.
pub(crate) fn utc_text(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
    ))
    .expect("format")
}

// ---------------------------------------------------------------------------------------------
// JUnit helpers.

pub(crate) fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid JUnit XML: {e}\n{xml}"))
}

pub(crate) fn suite<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testsuite {name}"))
}

pub(crate) fn case<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testcase {name}"))
}

pub(crate) fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .unwrap_or_else(|| panic!("no <{tag}> in <{}>", node.tag_name().name()))
}

pub(crate) fn has_child(node: roxmltree::Node<'_, '_>, tag: &str) -> bool {
    node.children().any(|n| n.has_tag_name(tag))
}

/// One child of a JUnit testcase (`<failure>`, `<error>`, `<skipped>`...): its attributes and
/// text, and the whole report for the messages of failed assertions.
pub(crate) struct Verdict {
    pub(crate) kind: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) text: String,
    pub(crate) xml: String,
}

impl Verdict {
    /// Asserts its `type` and its `message`, exactly.
    #[track_caller]
    pub(crate) fn assert_is(&self, kind: &str, message: &str) {
        assert_eq!(self.kind.as_deref(), Some(kind), "{}", self.xml);
        assert_eq!(self.message.as_deref(), Some(message), "{}", self.xml);
    }

    /// Asserts that its `message` starts with `prefix`.
    #[track_caller]
    pub(crate) fn assert_message_starts_with(&self, prefix: &str) {
        let message = self.message.as_deref().expect("a message");
        assert!(message.starts_with(prefix), "{}", self.xml);
    }
}

/// (tests, failures, errors, skipped) of a testsuite.
pub(crate) fn counts<'a>(node: roxmltree::Node<'a, 'a>) -> [&'a str; 4] {
    ["tests", "failures", "errors", "skipped"].map(|k| node.attribute(k).unwrap_or("-"))
}

// ---------------------------------------------------------------------------------------------
// Servers.

/// An HTTPS server for `chat.test` signed by `pki`'s CA.
pub(crate) async fn https(
    pki: &Pki,
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServer {
    TestServer::start(https_config(pki, &["chat.test"], handler)).await
}

/// The configuration of an HTTPS server for `names` signed by `pki`'s CA.
pub(crate) fn https_config(
    pki: &Pki,
    names: &[&str],
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServerConfig {
    let (chain, key) = pki.valid_server_cert(names);
    TestServerConfig::https(&chain, &key, handler)
}

pub(crate) async fn http(
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServer {
    TestServer::start(TestServerConfig::http(handler)).await
}

/// An HTTP server that answers every request with `response`, and a project whose environment
/// routes `chat.test:${port}` to it (see [`Project::prod_env`]).
pub(crate) async fn http_project(response: TestResponse) -> (TestServer, Project) {
    let server = http(move |_| response.clone()).await;
    let p = Project::with_prod_env(server.port(), None, "");
    (server, p)
}

pub(crate) fn json_app() -> TestResponse {
    TestResponse::ok(r#"{"status":"ok","items":[{"name":"a"},{"name":"b"}],"count":2}"#)
        .header("content-type", "application/json")
        .header("x-app", "conform-test")
}

pub(crate) fn paths(server: &TestServer) -> Vec<String> {
    let mut v: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    v.sort();
    v
}

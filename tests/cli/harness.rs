//! The harness every end-to-end test shares: a project folder, the binary run with a hang
//! limit, its output taken apart into check lines and detail blocks, JUnit helpers, and the
//! loopback servers most tests start.

use crate::support::*;
use regex::Regex;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
        let mut text = format!(
            "vars: {{ {} }}\nresolve: {{ chat.test: 127.0.0.1 }}\n",
            vars.join(", ")
        );
        if let Some(pki) = pki {
            self.write("environments/ca.pem", &pki.ca_pem());
            text.push_str("tls: { ca_file: ca.pem }\n");
        }
        text.push_str(extra);
        self.write("environments/prod.yaml", &text)
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

    /// `conform run --dir <project> <args>`.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[]).await
    }

    pub(crate) async fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let dir = self.dir_arg();
        let mut all = vec!["run", "--dir", dir.as_str()];
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

pub(crate) fn run_blocking(
    args: &[String],
    env: &[(String, String)],
    cwd: Option<PathBuf>,
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TEST_TOKEN")
        .env_remove("CONFORM_TEST_UNSET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("start conform");
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
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
    let stdout = String::from_utf8_lossy(&out_reader.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    Output {
        code: status.code().expect("conform exited by a signal"),
        stdout,
        stderr,
        elapsed,
    }
}

const LABELS: [&str; 6] = ["PASS", "FAIL", "ERROR", "PENDING", "FIXED", "NOT RUN"];

impl Output {
    #[track_caller]
    pub(crate) fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "exit code; output:\n{self}");
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
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    TestServer::start(TestServerConfig::https(&chain, &key, handler)).await
}

pub(crate) async fn http(
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServer {
    TestServer::start(TestServerConfig::http(handler)).await
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

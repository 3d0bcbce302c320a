//! `conform probe TARGET`: one probe from the command line against loopback servers, for each
//! target kind; what it shows without `--expect`, the detail of a failing `--expect`, the http
//! options, `--env`, and the errors of a bad target or expectation (exit 2).

use crate::harness::*;
use crate::support::*;

mod kinds;
mod record;
mod vars;

/// `conform probe ARGS` in `cwd` (a project's folder, for `cert:` paths and `--dir .`).
pub(crate) async fn probe(args: &[&str], cwd: &Project) -> Output {
    let mut all = vec!["probe"];
    all.extend_from_slice(args);
    conform(&all, &[], Some(cwd.path().to_path_buf())).await
}

/// The lines of stdout, with the times a loaded machine varies made fixed: `answered in
/// 0.01s` as `in N.NNs`, `refused after 0.001s` as `after N.NNNs`.
pub(crate) fn shown(out: &Output) -> Vec<String> {
    let answered = regex::Regex::new(r"in \d+\.\d\ds").expect("regex");
    let after = regex::Regex::new(r"after \d+\.\d\d\ds").expect("regex");
    out.stdout
        .lines()
        .map(|l| answered.replace(l, "in N.NNs").to_string())
        .map(|l| after.replace(&l, "after N.NNNs").to_string())
        .collect()
}

/// Without `--expect` an http probe shows the exchange and the curl command, judges nothing,
/// and exits 0: a 404 is an answer.
#[tokio::test(flavor = "multi_thread")]
async fn http_without_expect_shows_what_it_saw() {
    let server = http(|_| {
        let mut r = TestResponse::status(404).header("x-app", "admin");
        r.body = b"not here".to_vec();
        r
    })
    .await;
    let p = Project::new();
    let url = server.url("/admin");
    let out = probe(&[&url], &p).await;
    out.assert_code_quiet(0);
    let lines = shown(&out);
    assert_eq!(lines[0], format!("{url}  answered in N.NNs"), "{out}");
    assert_eq!(lines[1], format!("    > GET {url}"), "{out}");
    assert_eq!(lines[2], "    < HTTP/1.1 404", "{out}");
    assert!(lines.contains(&"    < x-app: admin".to_string()), "{out}");
    assert!(
        lines.contains(
            &"    body: 8 B (8 bytes), sha256 \
              c815ed5057d3fe949d1862ce4677e62b4c9eae84d9029b43a6f86f64ca85238d"
                .to_string()
        ),
        "{out}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some(format!("    reproduce: curl -sS -i --max-time 10 {url}").as_str()),
        "{out}"
    );
}

/// With `--expect`, a probe that does not meet it is a failing check: exit 1, the mismatch,
/// where the expectation came from, the reproduce line and the summary.
#[tokio::test(flavor = "multi_thread")]
async fn http_expect_that_fails_shows_the_detail_of_a_failing_check() {
    let server = http(|_| TestResponse::status(200)).await;
    let p = Project::new();
    let url = server.url("/admin");
    let out = probe(&[&url, "--expect", "status: 404"], &p).await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "probe", &url);
    assert_eq!(
        out.details_of("probe"),
        vec![
            "at --expect:1".to_string(),
            "status".to_string(),
            "  expected: 404".to_string(),
            "  actual:   200".to_string(),
            format!("reproduce: curl -sS -i --max-time 10 {url}"),
        ],
        "{out}"
    );
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
}

/// `--expect` is repeatable and merged; `--method`, `--header`, `--json` make the request.
#[tokio::test(flavor = "multi_thread")]
async fn http_options_and_merged_expects_pass() {
    let server = http(|_| TestResponse::status(201).header("content-type", "text/plain")).await;
    let p = Project::new();
    let url = server.url("/items");
    let out = probe(
        &[
            &url,
            "--method",
            "POST",
            "--header",
            "x-trace: abc",
            "--json",
            r#"{"a": 1}"#,
            "--expect",
            "status: 201",
            "--expect",
            "headers: { content-type: text/plain }",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "probe", &url);
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("x-trace"), Some("abc"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, br#"{"a":1}"#);
}

/// A bad expectation is exit 2, located in the `--expect` argument, with "did you mean";
/// nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_expect_is_a_usage_error_at_its_argument() {
    let server = http(|_| TestResponse::status(200)).await;
    let p = Project::new();
    let url = server.url("/");
    let out = probe(&[&url, "--expect", "stauts: 404"], &p).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(
        out.stderr,
        "error: --expect:1:1: unknown key `stauts` in the expect; did you mean `status`? \
         expected one of: status, headers, body, cert, time\n1 error found; nothing was probed\n",
        "{out}"
    );
    let two = probe(
        &[
            &url,
            "--expect",
            "status: 200",
            "--expect",
            "time: { lt: fast }",
        ],
        &p,
    )
    .await;
    two.assert_code(2);
    assert!(two.stderr.starts_with("error: --expect #2:1:13: "), "{two}");
    let list = probe(&[&url, "--expect", "[200]"], &p).await;
    list.assert_code(2);
    assert_eq!(
        list.stderr,
        "error: --expect:1:1: `--expect` is a list; expected a YAML mapping in the check's \
         `expect:` language, such as 'status: 404' or '{ handshake: accepted, version: \"1.3\" }'\n\
         1 error found; nothing was probed\n",
        "{list}"
    );
    assert!(server.requests().is_empty(), "nothing is probed");
}

/// A target of no known form, and http options on another kind, are exit 2 with the forms.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_target_is_a_usage_error() {
    let p = Project::new();
    let out = probe(&["ftp://example.test/"], &p).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: `ftp://example.test/`: unknown scheme `ftp`; expected http://…, https://…, \
         tls://HOST[:PORT][?sni=NAME&starttls=P], tcp://HOST:PORT, \
         dns://[SERVER[:PORT]/]NAME[?type=T] or cert:PATH\n",
        "{out}"
    );
    let out = probe(&["tcp://127.0.0.1:22", "--method", "POST"], &p).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: --method, --header, --data, --json and --follow are for http:// and https:// \
         targets\n",
        "{out}"
    );
}

/// A secret in a header is sent, and never printed: not in the exchange, not in the
/// reproduce command, not in a recording (which keeps the reference `${secret:TOKEN}`).
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_is_sent_and_never_printed() {
    let server = http(|r| {
        let echo = r.header("authorization").unwrap_or("none").to_string();
        TestResponse::redirect(302, &format!("https://app.test/?{echo}"))
    })
    .await;
    let p = Project::new();
    let url = server.url("/");
    let secret = "s3cr3t-probe-value";
    let env = [("TOKEN", secret)];
    let header = "authorization: Bearer ${secret:TOKEN}";
    let cwd = Some(p.path().to_path_buf());
    let seen = conform(&["probe", &url, "-H", header], &env, cwd.clone()).await;
    seen.assert_code_quiet(0);
    let record = conform(&["probe", &url, "-H", header, "--record"], &env, cwd).await;
    record.assert_code_quiet(0);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {secret}").as_str())
    );
    for out in [&seen, &record] {
        assert_no_secret(&out.stdout, secret, "stdout");
        assert_no_secret(&out.stderr, secret, "stderr");
    }
    assert!(
        record
            .stdout
            .contains(r#""headers":{"authorization":"Bearer ${secret:TOKEN}"}"#),
        "{record}"
    );
    assert!(seen.stdout.contains("[redacted:TOKEN]"), "{seen}");
}

/// `--format json` prints the run's JSON report; `--timeout` bounds the probe: a server that
/// never answers is an error (exit 3) within it.
#[tokio::test(flavor = "multi_thread")]
async fn json_format_and_timeout() {
    let silent = silent_server().await;
    let p = Project::new();
    let url = silent.url("/");
    let out = probe(
        &[
            &url,
            "--expect",
            "status: 200",
            "--timeout",
            "1s",
            "--format",
            "json",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(3);
    out.assert_within(std::time::Duration::from_secs(5));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON report");
    assert_eq!(json["summary"]["exit_code"], 3, "{out}");
    assert_eq!(json["checks"][0]["outcome"], "error", "{out}");
    assert_eq!(json["checks"][0]["name"], url.as_str(), "{out}");
}

/// An http `--expect` without `status` warns as a check file does, at the argument.
#[tokio::test(flavor = "multi_thread")]
async fn an_expect_without_status_warns_at_its_argument() {
    let server = http(|_| TestResponse::status(500)).await;
    let p = Project::new();
    let url = server.url("/");
    let out = probe(&[&url, "--expect", "time: { lt: 5s }"], &p).await;
    out.assert_code(0);
    assert_eq!(
        out.stderr,
        "warning: --expect:1:1: the http check has no `status` expectation: any status passes, \
         a 500 included; add e.g. status: 200 (or status: 2xx)\n",
        "{out}"
    );
}

/// A cert: file that cannot be read is a load error at the target, its path the current
/// folder's.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_cert_file_is_a_usage_error_at_the_target() {
    let p = Project::new();
    let out = probe(&["cert:pki/none.pem"], &p).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: TARGET:1:1: cannot read `file` `pki/none.pem`: No such file or directory (os \
         error 2); expected a readable PEM file; relative paths start at the current folder\n\
         1 error found; nothing was probed\n",
        "{out}"
    );
}

/// `--data` sends a raw body; `-L` follows a redirect to the answer it leads to.
#[tokio::test(flavor = "multi_thread")]
async fn data_and_follow() {
    let server = http(|r| match r.path.as_str() {
        "/old" => TestResponse::redirect(302, "/new"),
        _ => TestResponse::status(200),
    })
    .await;
    let p = Project::new();
    let new = server.url("/new");
    let out = probe(&[&new, "--method", "PUT", "--data", "a=1&b=2"], &p).await;
    out.assert_code_quiet(0);
    let old = server.url("/old");
    let out = probe(&[&old, "-L", "--expect", "status: 200"], &p).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "probe", &old);
    let requests = server.requests();
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(requests[0].body, b"a=1&b=2");
    assert_eq!(paths(&server), vec!["/new", "/new", "/old"]);
}

//! The on-call and scaling commands: `explain`, `--shard`, `completions`.

use crate::harness::{Project, conform, http_project};
use crate::support::TestResponse;

fn shard_project(port: u16) -> Project {
    let p = Project::with_prod_env(port, None, "");
    let mut checks = String::from("checks:\n");
    for i in 0..11 {
        checks.push_str(&format!(
            "  - name: check {i:02}\n    http: {{ url: \"http://chat.test:${{port}}/{i}\", headers: {{ authorization: \"Bearer ${{secret:TEST_TOKEN}}\" }} }}\n    expect: {{ status: 200 }}\n"
        ));
    }
    p.write("checks/many.yaml", &checks);
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_split_the_selection_exactly_once() {
    let server = crate::harness::http(|_| TestResponse::ok("ok")).await;
    let p = shard_project(server.port());
    let env = [("TEST_TOKEN", "tok-123")];
    let mut seen = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = p.command("list", &["--shard", &shard], &env).await;
        out.assert_code(0);
        let ids: Vec<String> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("many/"))
            .map(|l| l.split("  ").next().unwrap_or_default().to_string())
            .collect();
        assert!(ids.len() == 3 || ids.len() == 4, "{out}");
        // The same split when run.
        let out = p.run_with_env(&["--shard", &shard], &env).await;
        out.assert_code(0);
        let mut ran: Vec<String> = out.outcomes().into_iter().map(|(_, id)| id).collect();
        ran.sort();
        let mut listed = ids.clone();
        listed.sort();
        assert_eq!(ran, listed);
        seen.extend(ids);
    }
    seen.sort();
    let all: Vec<String> = (0..11).map(|i| format!("many/check-{i:02}")).collect();
    assert_eq!(seen, all);
    assert_eq!(
        server.requests().len(),
        11,
        "every check probed once over the shards"
    );
    let out = p.command("list", &["--shard", "4/3"], &env).await;
    out.assert_code(2);
    out.assert_stderr_contains("`4/3` is not a shard; expected K/N with 1 <= K <= N");
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_shows_the_resolved_check_with_secrets_redacted() {
    let p = shard_project(8080);
    let env = [("TEST_TOKEN", "tok-123")];
    let out = p.command("explain", &["many/check-03"], &env).await;
    out.assert_code(0);
    assert!(!out.stdout.contains("tok-123"), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "many/check-03  (check 03)");
    assert!(
        out.stdout
            .contains("\n  http GET http://chat.test:8080/3\n"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("\n  header authorization: Bearer [redacted:TEST_TOKEN]\n"),
        "{out}"
    );
    assert!(out.stdout.contains("\nexpect\n  status: 200\n"), "{out}");
    assert!(
        out.stdout.contains("\nreproduce\n  curl -sS -i -H 'authorization: Bearer '\"${TEST_TOKEN}\" --resolve chat.test:8080:127.0.0.1 --max-time 10 http://chat.test:8080/3\n"),
        "{out}"
    );
    let out = p.command("explain", &["many/check-3"], &env).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(
        "error: no check `many/check-3` in env `prod`; did you mean `many/check-",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = conform(&["completions", shell], &[], None).await;
        out.assert_code(0);
        assert!(out.stdout.contains("conform"), "{shell}: {out}");
        assert!(out.stdout.contains("validate"), "{shell}: {out}");
    }
    let out = conform(&["completions", "tcsh"], &[], None).await;
    out.assert_code(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_prints_one_json_schema_document() {
    let out = conform(&["schema"], &[], None).await;
    out.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        doc["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(doc["$defs"].as_object().is_some_and(|d| !d.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portable_junit_flavor_drops_file_and_line() {
    let (_server, p) = http_project(TestResponse::ok("ok")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let out = p.run(&["--junit-flavor", "portable"]).await;
    out.assert_code(0);
    let xml = p.junit();
    assert!(
        xml.contains("<testcase name=\"up\" classname=\"prod.web\""),
        "{xml}"
    );
    assert!(!xml.contains(" file=\""), "{xml}");
    let out = p.run(&[]).await;
    out.assert_code(0);
    let xml = p.junit();
    assert!(
        xml.contains(" file=\"checks/web.yaml\"") || xml.contains("web.yaml\" line=\"2\""),
        "{xml}"
    );
    let out = p.run(&["--junit-flavor", "jenkins"]).await;
    out.assert_code(2);
}

/// An interrupted run stops probing, reports what finished and marks the rest not run, and
/// exits non-zero (130 for SIGINT).
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_run_writes_its_reports_and_exits_130() {
    let server = crate::harness::http(|r| {
        if r.path == "/fast" {
            TestResponse::ok("ok")
        } else {
            TestResponse::ok("slow").delay(std::time::Duration::from_secs(20))
        }
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        "checks:\n  - name: fast\n    http: { url: \"http://chat.test:${port}/fast\" }\n    expect: { status: 200 }\n  - name: slow\n    timeout: 30s\n    http: { url: \"http://chat.test:${port}/slow\" }\n    expect: { status: 200 }\n",
    );
    let child = crate::harness::conform_command()
        .args(["run", "--dir", &p.dir_arg()])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    // Wait until the slow check is being probed, then interrupt.
    let started = std::time::Instant::now();
    while server.requests().len() < 2 && started.elapsed() < std::time::Duration::from_secs(10) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("the run ends soon after SIGINT")
    .expect("join")
    .expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(stdout.contains("PASS    web/fast"), "{stdout}");
    assert!(stdout.contains("NOT RUN web/slow"), "{stdout}");
    assert!(
        stdout.contains("1 passed, 0 failed, 0 errors, 0 pending, 1 not run in "),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "interrupted by SIGINT: 1 check not run; the reports say so\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report");
    assert_eq!(json["interrupted"], "SIGINT");
    assert_eq!(json["summary"]["not_run"], 1);
    let junit = p.junit();
    assert!(
        junit.contains("not run: the run was interrupted (SIGINT)"),
        "{junit}"
    );
}

/// `host_rate` spaces the probes of one host evenly, so a run never trips an edge rate limit.
#[tokio::test(flavor = "multi_thread")]
async fn host_rate_spaces_the_probes_of_a_host() {
    let server = crate::harness::http(|_| TestResponse::ok("ok")).await;
    let p = Project::with_prod_env(server.port(), None, "host_rate: 5/s\n");
    let mut checks = String::from("checks:\n");
    for i in 0..5 {
        checks.push_str(&format!(
            "  - name: c{i}\n    http: {{ url: \"http://chat.test:${{port}}/{i}\" }}\n    expect: {{ status: 200 }}\n"
        ));
    }
    p.write("checks/paced.yaml", &checks);
    let started = std::time::Instant::now();
    let out = p.run(&[]).await;
    let elapsed = started.elapsed();
    out.assert_code(0);
    out.assert_summary("5 passed, 0 failed, 0 errors, 0 pending");
    // Five probes 200 ms apart: the last starts 800 ms after the first.
    assert!(
        elapsed >= std::time::Duration::from_millis(780),
        "{elapsed:?}"
    );
    assert!(elapsed < std::time::Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(server.requests().len(), 5);

    p.prod_env(server.port(), None, "host_rate: fast\n");
    let out = p.run(&[]).await;
    out.assert_code(2);
    out.assert_stderr_contains(
        "`host_rate` `fast` is not a rate; expected requests per period, e.g. 10/s, 15/10s or \
         100/1m",
    );
}

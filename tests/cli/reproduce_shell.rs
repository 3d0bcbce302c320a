//! Reproduce commands run as printed: executed by a real shell (`sh -c`) with the secret in
//! the environment, curl gets the same status as the probe, and the secret is not in the
//! printed line (it is a reference to its variable, `"${NAME}"`).

use crate::harness::*;
use crate::support::*;
use std::process::Command;

const SECRET: &str = "s3cr3t-value-123";

/// Answers 204 to the right bearer token and 401 to any other.
fn token_gate(r: &RecordedRequest) -> TestResponse {
    if r.header("authorization") == Some(&format!("Bearer {SECRET}")) {
        TestResponse::status(204)
    } else {
        TestResponse::status(401)
    }
}

/// The check `api/t` on `url` with the secret as a bearer token, expecting 200.
fn token_check(url: &str) -> String {
    format!(
        "checks:\n  - name: t\n    http:\n      url: \"{url}\"\n      headers: {{ authorization: \"Bearer ${{secret:TEST_TOKEN}}\" }}\n    expect: {{ status: 200 }}\n"
    )
}

/// The status line curl prints when `reproduce` (the line after `reproduce: `) is run by
/// `sh -c` with `TEST_TOKEN` set to `token`.
async fn shell_status(reproduce: &str, token: &str, dir: &std::path::Path) -> String {
    let command = reproduce
        .strip_prefix("reproduce: ")
        .unwrap_or_else(|| panic!("not a reproduce line: {reproduce}"))
        .to_string();
    let (token, dir) = (token.to_string(), dir.to_path_buf());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("sh")
            .arg("-c")
            .arg(&command)
            .env("TEST_TOKEN", token)
            .current_dir(dir)
            .output()
            .expect("sh runs (curl must be installed)")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the command failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_reproduce_command_run_by_a_shell_gets_the_same_status() {
    let pki = Pki::new();
    let server = http(token_gate).await;
    // The environment trusts a CA: an http:// URL still gets no TLS options.
    let p = Project::with_prod_env(server.port(), Some(&pki), "");
    p.write("checks/api.yaml", &token_check("http://chat.test:${port}/"));
    let out = p.run_with_env(&[], &[("TEST_TOKEN", SECRET)]).await;
    out.assert_code(1);
    let reproduce = out.reproduce("api/t");
    assert_eq!(
        out.details_of("api/t")[1..],
        [
            "status",
            "  expected: 200",
            "  actual:   204",
            reproduce.as_str()
        ]
    );
    assert_eq!(
        reproduce,
        format!(
            "reproduce: curl -sS -i -H 'authorization: Bearer '\"${{TEST_TOKEN}}\" \
             --resolve chat.test:{port}:127.0.0.1 --max-time 10 http://chat.test:{port}/",
            port = server.port()
        )
    );
    assert_no_secret(&out.stdout, SECRET, "stdout");
    assert_no_secret(&p.junit(), SECRET, "junit.xml");
    assert_eq!(
        shell_status(&reproduce, SECRET, p.path()).await,
        "HTTP/1.1 204 No Content"
    );
    // The variable is what the shell sends: without the secret, the server says no.
    assert_eq!(
        shell_status(&reproduce, "wrong", p.path()).await,
        "HTTP/1.1 401 Unauthorized"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_reproduce_command_run_by_a_shell_gets_the_same_status() {
    let pki = Pki::new();
    let server = https(&pki, token_gate).await;
    let p = Project::with_prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/api.yaml",
        &token_check("https://chat.test:${port}/"),
    );
    let out = p.run_with_env(&[], &[("TEST_TOKEN", SECRET)]).await;
    out.assert_code(1);
    let reproduce = out.reproduce("api/t");
    assert!(
        reproduce.contains(" -H 'authorization: Bearer '\"${TEST_TOKEN}\" ")
            && reproduce.contains(" --cacert "),
        "{reproduce}"
    );
    assert_no_secret(&out.stdout, SECRET, "stdout");
    let status = shell_status(&reproduce, SECRET, p.path()).await;
    assert!(status.ends_with(" 204"), "{status}");
}

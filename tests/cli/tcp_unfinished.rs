//! A tcp answer that stops before the `read_until` text the check waits for: the server
//! closed, reset, or `read_limit` was reached first. The answer is unfinished, and an
//! expectation judged on it could pass on what the server never said: an error.

use crate::harness::*;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Sends `bytes` on each connection, then closes it.
async fn says_and_closes(bytes: &'static [u8]) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(bytes).await;
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_stops_before_read_until_is_an_error() {
    let greets = says_and_closes(b"220 hi\r\n").await;
    let silent = says_and_closes(b"").await;
    let long = says_and_closes(&[b'x'; 100]).await;
    let p = Project::new();
    p.env(
        &format!("vars: {{ greets: \"{greets}\", silent: \"{silent}\", long: \"{long}\" }}\n"),
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: closed early
    tcp: { host: 127.0.0.1, port: "${greets}", read_until: "250 " }
    expect: { received: { starts_with: "220" } }
  - name: closed at once
    tcp: { host: 127.0.0.1, port: "${silent}", read_until: "\r\n" }
    expect: { received: { not: { contains: ERR } } }
  - name: limit first
    tcp: { host: 127.0.0.1, port: "${long}", read_until: "\r\n", read_limit: 10 }
    expect: { received: { starts_with: "x" } }
  - name: a banner that closes
    tcp: { host: 127.0.0.1, port: "${greets}" }
    expect: { received: "220 hi\r\n" }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_within(Duration::from_millis(2500));
    let errors = [
        (
            "mail/closed-early",
            format!(
                "error (protocol): 127.0.0.1:{greets} closed the connection before sending \
                 \"250 \"; received: \"220 hi\\r\\n\" (8 B)"
            ),
        ),
        (
            "mail/closed-at-once",
            format!(
                "error (protocol): 127.0.0.1:{silent} closed the connection before sending \
                 \"\\r\\n\"; received: nothing"
            ),
        ),
        (
            "mail/limit-first",
            format!(
                "error (protocol): 127.0.0.1:{long} sent 10 B (the read_limit) without \
                 \"\\r\\n\"; received: \"xxxxxxxxxx\" (10 B)"
            ),
        ),
    ];
    for (id, message) in errors {
        assert_eq!(out.details_of(id)[1], message, "{out}");
    }
    // Without `read_until`, a banner's end is the first line's, or the server's closing.
    out.assert_line("PASS", "mail/a-banner-that-closes", "a banner that closes");
    out.assert_summary("1 passed, 0 failed, 3 errors, 0 pending");
}

/// A secret with a backslash or a control character in a dialogue's text would be decoded as
/// an escape, or split by the reproduce command, and shown as no form of itself: a load
/// error that does not quote it, nothing sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_the_dialogue_would_change_is_a_load_error() {
    let port = says_and_closes(b"235 ok\r\n").await;
    let p = Project::new();
    p.env(&format!("vars: {{ port: \"{port}\" }}\n"), None, "");
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: escapes
    tcp: { host: 127.0.0.1, port: "${port}", send: "AUTH ${secret:ESCAPED}\r\n" }
    expect: { received: { starts_with: "235" } }
  - name: a tab
    tcp: { host: 127.0.0.1, port: "${port}", send: "AUTH ${secret:TABBED}\r\n", read_until: "${secret:TABBED}" }
    expect: { received: { starts_with: "235" } }
"#,
    );
    let secrets = [
        ("ESCAPED", r"Zq8w\tLp3mVx7\x41k"),
        ("TABBED", "Mn4c\tRt7yUi0p"),
    ];
    let out = p.run_with_env(&[], &secrets).await;
    out.assert_code(2);
    let f = p.shown("checks/mail.yaml");
    let error = |line: usize, column: usize, name: &str, key: &str| {
        format!(
            "error: {f}:{line}:{column}: the value of `${{secret:{name}}}` holds a backslash or \
             a control character: `{key}` would read it as an escape or split it, and part of \
             the secret would be sent or shown as another text; keep such characters out of \
             the secret and write them as escapes around it (\\r\\n after it, say)\n"
        )
    };
    assert_eq!(
        out.stderr,
        format!(
            "{}{}{}3 errors found; nothing was probed\n",
            error(3, 52, "ESCAPED", "send"),
            error(6, 52, "TABBED", "send"),
            error(6, 93, "TABBED", "read_until"),
        ),
        "{out}"
    );
    for (_, value) in secrets {
        assert_no_secret(&out.stderr, value, "stderr");
    }
}

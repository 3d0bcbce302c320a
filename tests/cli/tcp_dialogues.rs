//! tcp dialogues: a banner read, a command sent and its reply matched, `read_until` ending the
//! reading early, `read_limit` capping an endless sender, a silent server running into the
//! check's timeout, and a bad escape refused at load.

use crate::harness::*;
use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const BANNER: &[u8] = b"220 mail.test ESMTP ready\r\n";
const EHLO_REPLY: &[u8] = b"250-mail.test\r\n250 SIZE 1000\r\n";

/// A project whose environment names `port`, with `checks` in checks/mail.yaml.
fn project(checks: &str, port: u16) -> Project {
    let p = Project::new();
    p.env(&format!("vars: {{ port: \"{port}\" }}\n"), None, "");
    p.write("checks/mail.yaml", checks);
    p
}

/// The details' lines after the reproduce line, with the connect time made fixed.
fn exchange(out: &Output, id: &str) -> Vec<String> {
    let details = out.details_of(id);
    let from = details
        .iter()
        .position(|l| l.starts_with("> connect"))
        .unwrap_or_else(|| panic!("no exchange for {id}:\n{out}"));
    details[from..]
        .iter()
        .map(|l| match l.strip_prefix("< accepted after ") {
            Some(_) => "< accepted after T".to_string(),
            None => l.clone(),
        })
        .collect()
}

/// Without `send:`, `received` is what the server sends first: its banner, read to the end of
/// its first line. A banner that differs fails (exit 1) and shows what was received, escaped.
#[tokio::test(flavor = "multi_thread")]
async fn a_banner_is_matched() {
    let server = line_server(BANNER, EHLO_REPLY).await;
    let port = server.port();
    let p = project(
        r#"checks:
  - name: banner
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { received: { starts_with: "220 mail.test" } }
  - name: wrong banner
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { received: { contains: "ESMTP Postfix" } }
"#,
        port,
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code_quiet(1);
    out.assert_line("PASS", "mail/banner", "banner");
    out.assert_line("FAIL", "mail/wrong-banner", "wrong banner");
    let banner_exchange = [
        format!("> connect 127.0.0.1:{port}"),
        "< accepted after T".to_string(),
        r#"< "220 mail.test ESMTP ready\r\n""#.to_string(),
        "< 27 B received; stopped: the awaited text arrived".to_string(),
    ];
    assert_eq!(exchange(&out, "mail/banner"), banner_exchange, "{out}");
    assert_eq!(
        exchange(&out, "mail/wrong-banner"),
        banner_exchange,
        "{out}"
    );
    let details = out.details_of("mail/wrong-banner");
    assert_eq!(
        details[..5],
        [
            p.at("checks/mail.yaml", 5),
            "received".to_string(),
            r#"  expected: contains "ESMTP Postfix""#.to_string(),
            r#"  actual:   "220 mail.test ESMTP ready\r\n""#.to_string(),
            format!("reproduce: nc -w 10 127.0.0.1 {port} </dev/null"),
        ],
        "{out}"
    );
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    // Nothing was sent: the server saw no line.
    assert!(server.received().is_empty(), "{:?}", server.received());
}

/// `send:` is sent once connected (escapes decoded), and the reply is read until
/// `read_until`; the banner before it is part of what was received. The reproduce command
/// pipes the same bytes into nc.
#[tokio::test(flavor = "multi_thread")]
async fn a_dialogue_sends_and_matches_the_reply() {
    let server = line_server(BANNER, EHLO_REPLY).await;
    let port = server.port();
    let p = project(
        r#"checks:
  - name: ehlo
    tcp:
      host: 127.0.0.1
      port: "${port}"
      send: "EHLO conform\r\n"
      read_until: '250 SIZE 1000\r\n'
    expect: { received: { contains: "250-mail.test" } }
  - name: ehlo size
    tags: [wrong]
    tcp:
      host: 127.0.0.1
      port: "${port}"
      send: 'EHLO conform\r\n'
      read_until: "250 "
    expect: { received: { matches: "SIZE 2000" } }
"#,
        port,
    );
    let out = p.run(&["-vv", "--skip-tag", "wrong"]).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "mail/ehlo", "ehlo");
    let details = out.details_of("mail/ehlo");
    assert!(
        details.contains(&format!(
            r"reproduce: printf '%s\r\n' 'EHLO conform' | nc -w 10 127.0.0.1 {port}"
        )),
        "{out}"
    );
    assert_eq!(
        exchange(&out, "mail/ehlo"),
        [
            format!("> connect 127.0.0.1:{port}"),
            "< accepted after T".to_string(),
            r#"> "EHLO conform\r\n""#.to_string(),
            r#"< "220 mail.test ESMTP ready\r\n250-mail.test\r\n250 SIZE 1000\r\n""#.to_string(),
            "< 57 B received; stopped: the awaited text arrived".to_string(),
        ],
        "{out}"
    );
    assert_eq!(server.received(), [b"EHLO conform\r\n".to_vec()]);

    let explained = p.command("explain", &["mail/ehlo"], &[]).await;
    explained.assert_code_quiet(0);
    let lines: Vec<&str> = explained.stdout.lines().collect();
    let probe = lines
        .iter()
        .position(|l| *l == "probe")
        .expect("a probe section");
    assert_eq!(
        lines[probe..],
        [
            "probe".to_string(),
            format!("  tcp 127.0.0.1:{port}"),
            r#"  send "EHLO conform\r\n""#.to_string(),
            r#"  read until "250 SIZE 1000\r\n", at most 64 KiB"#.to_string(),
            "expect".to_string(),
            "  connect: accepted".to_string(),
            r#"  received: contains "250-mail.test""#.to_string(),
            "reproduce".to_string(),
            format!(r"  printf '%s\r\n' 'EHLO conform' | nc -w 10 127.0.0.1 {port}"),
        ],
        "{explained}"
    );

    let out = p.run(&["--tag", "wrong"]).await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "mail/ehlo-size", "ehlo size");
    assert_eq!(
        out.details_of("mail/ehlo-size")[1..],
        [
            "received".to_string(),
            r#"  expected: matches /SIZE 2000/"#.to_string(),
            r#"  actual:   "220 mail.test ESMTP ready\r\n250-mail.test\r\n250 SIZE 1000\r\n""#
                .to_string(),
            format!(r"reproduce: printf '%s\r\n' 'EHLO conform' | nc -w 10 127.0.0.1 {port}"),
        ],
        "{out}"
    );
}

/// The server holds the connection open after its banner: reading stops as soon as
/// `read_until` (or, by default, the end of the first line) has arrived, far within the
/// check's 10 s timeout.
#[tokio::test(flavor = "multi_thread")]
async fn read_until_stops_early() {
    let server = line_server(b"220 ready\r\n", b"").await;
    let p = project(
        r#"checks:
  - name: until ready
    timeout: 10s
    tcp: { host: 127.0.0.1, port: "${port}", read_until: ready }
    expect: { received: "220 ready\r\n" }
  - name: first line
    timeout: 10s
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { received: "220 ready\r\n" }
"#,
        server.port(),
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code_quiet(0);
    out.assert_within(Duration::from_millis(2500));
    for id in ["mail/until-ready", "mail/first-line"] {
        assert_eq!(
            exchange(&out, id)[2..],
            [
                r#"< "220 ready\r\n""#,
                "< 11 B received; stopped: the awaited text arrived"
            ],
            "{out}"
        );
    }
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
}

/// A server that sends without end and never a newline: reading stops at `read_limit`
/// (4 KiB here), at once, and the check is judged on those bytes.
#[tokio::test(flavor = "multi_thread")]
async fn read_limit_caps_an_endless_sender() {
    let sent = Arc::new(AtomicU64::new(0));
    let server = endless_server(Arc::clone(&sent)).await;
    let port = server.port();
    let p = project(
        r#"checks:
  - name: endless
    timeout: 10s
    tcp: { host: 127.0.0.1, port: "${port}", read_limit: 4KiB }
    expect: { received: { starts_with: "220" } }
"#,
        port,
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code_quiet(1);
    out.assert_within(Duration::from_millis(2500));
    out.assert_line("FAIL", "mail/endless", "endless");
    let xs = "x".repeat(300);
    assert_eq!(
        exchange(&out, "mail/endless")[2..],
        [
            format!("< \"{xs}\"… (4096 characters)"),
            "< 4 KiB received; stopped: the read limit was reached".to_string(),
        ],
        "{out}"
    );
    let details = out.details_of("mail/endless");
    assert_eq!(
        details[1..3],
        ["received", r#"  expected: starts with "220""#]
    );
    assert_eq!(
        details[4],
        format!("reproduce: nc -w 10 127.0.0.1 {port} </dev/null"),
        "{out}"
    );
    // The server was cut off: it sent more than was read.
    assert!(sent.load(Ordering::Relaxed) >= 16 << 10);
}

/// A server that never sends the awaited text ends in an error at the check's timeout, saying
/// what it awaited and what was received so far.
#[tokio::test(flavor = "multi_thread")]
async fn a_silent_server_runs_into_the_timeout() {
    let partial = line_server(b"220 partial", b"").await;
    let silent = silent_server().await;
    // What it sent so far would print a line of conform's own if printed as it is.
    let forging = line_server(b"220 ready\r\nPASS    mail/forged  forged\r\n\x1b[2J", b"").await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ partial: \"{}\", silent: \"{}\", forging: \"{}\" }}\n",
            partial.port(),
            silent.port(),
            forging.port()
        ),
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: partial
    timeout: 1s
    tcp: { host: 127.0.0.1, port: "${partial}" }
    expect: { received: { starts_with: "220" } }
  - name: silent
    timeout: 1s
    tcp: { host: 127.0.0.1, port: "${silent}", send: "QUIT\r\n", read_until: "221 " }
    expect: { received: { starts_with: "221" } }
  - name: forging
    timeout: 1s
    tcp: { host: 127.0.0.1, port: "${forging}", read_until: "221 " }
    expect: { received: { starts_with: "221" } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_within(Duration::from_millis(2500));
    out.assert_line("ERROR", "mail/partial", "partial");
    out.assert_line("ERROR", "mail/silent", "silent");
    let (a, b) = (partial.port(), silent.port());
    assert_eq!(
        out.details_of("mail/partial"),
        [
            p.at("checks/mail.yaml", 2),
            format!(
                "error (timeout): 127.0.0.1:{a} did not send the end of a line within 1s \
                 (timeout); received so far: \"220 partial\" (11 B)"
            ),
            format!("reproduce: nc -w 1 127.0.0.1 {a} </dev/null"),
        ],
        "{out}"
    );
    assert_eq!(
        out.details_of("mail/silent"),
        [
            p.at("checks/mail.yaml", 6),
            format!(
                "error (timeout): 127.0.0.1:{b} did not send \"221 \" within 1s (timeout); \
                 received so far: nothing"
            ),
            format!(r"reproduce: printf '%s\r\n' QUIT | nc -w 1 127.0.0.1 {b}"),
        ],
        "{out}"
    );
    let c = forging.port();
    assert_eq!(
        out.details_of("mail/forging")[1],
        format!(
            r#"error (timeout): 127.0.0.1:{c} did not send "221 " within 1s (timeout); received so far: "220 ready\r\nPASS    mail/forged  forged\r\n\x1b[2J" (44 B)"#
        ),
        "{out}"
    );
    assert!(!out.stdout.contains("\nPASS"), "{out}");
    out.assert_summary("0 passed, 0 failed, 3 errors, 0 pending");
}

/// An escape other than `\r \n \t \\ \xNN` is a load error at the text: nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_escape_is_a_load_error() {
    let server = line_server(BANNER, EHLO_REPLY).await;
    let p = project(
        r#"checks:
  - name: bad
    tcp: { host: 127.0.0.1, port: "${port}", send: 'EHLO conform\q' }
    expect: { received: { starts_with: "250" } }
  - name: short hex
    tcp:
      host: 127.0.0.1
      port: "${port}"
      read_until: '\x4'
    expect: { received: { starts_with: "250" } }
"#,
        server.port(),
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    let file = p.shown("checks/mail.yaml");
    let expected =
        r"expected the escapes \r, \n, \t, \\ or \xNN (two hex digits); write \\ for a backslash";
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:52: `send` has a backslash that starts no known escape; {expected}\n\
             error: {file}:9:19: `read_until` has `\\x` without two hex digits after it; \
             {expected}\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
    assert!(server.received().is_empty());
}

/// A `${secret:..}` in `send:` is sent as it is (`%` and a quote included), and no output
/// shows it: the reproduce command names its variable.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_sent_is_never_shown() {
    const SECRET: &str = "s3cr3t%value'q";
    // The server repeats the credential after 192 characters: the 200 shown of its answer
    // end inside it.
    let echo = format!("{}{SECRET}", "x".repeat(192));
    let server = line_server(b"", echo.as_bytes()).await;
    let p = Project::new();
    p.env(
        &format!("vars: {{ quiet: \"{}\" }}\n", server.port()),
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: auth
    timeout: 1s
    tcp:
      host: 127.0.0.1
      port: "${quiet}"
      send: "AUTH ${secret:MAIL_TOKEN}\r\n"
      read_until: "235 "
    expect: { received: { starts_with: "235" } }
"#,
    );
    let out = p.run_with_env(&["-vv"], &[("MAIL_TOKEN", SECRET)]).await;
    out.assert_code_quiet(3);
    assert_eq!(
        server.received(),
        [format!("AUTH {SECRET}\r\n").into_bytes()]
    );
    let port = server.port();
    assert_eq!(
        out.details_of("mail/auth")[1..],
        [
            format!(
                "error (timeout): 127.0.0.1:{port} did not send \"235 \" within 1s (timeout); \
                 received so far: \"{}[redacted:MAIL_TOKEN]\"… (206 B)",
                "x".repeat(192)
            ),
            format!(
                r#"reproduce: printf '%s\r\n' 'AUTH '"${{MAIL_TOKEN}}" | nc -w 1 127.0.0.1 {port}"#
            ),
        ],
        "{out}"
    );
    assert!(!out.stdout.contains("s3cr3t"), "{out}");
}

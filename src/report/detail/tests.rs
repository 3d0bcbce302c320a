use super::fixtures::*;
use super::*;
use crate::probe::ProbeErrorKind;

#[test]
fn detail_block_of_a_retried_failure() {
    let mut m = mismatch("status", "302", "200");
    m.note = Some("no redirect".into());
    let mut r = result(
        check("chat", "chat/root", "root"),
        Outcome::Fail,
        vec![
            errored(ProbeErrorKind::Timeout, "no answer within 5s"),
            failed(vec![m, mismatch("body", "contains \"x\"", "a\nb")]),
        ],
    );
    r.message = "status: expected 302, got 200".into();
    assert_eq!(
        detail_lines(&r, &Secrets::default()),
        [
            "at checks/chat.yaml:3",
            "status",
            "  expected: 302",
            "  actual:   200",
            "  note:     no redirect",
            "body",
            "  expected: contains \"x\"",
            "  actual:   a",
            "            b",
            "attempt 1: error (timeout: no answer within 5s)",
            "reproduce: curl -sS -i https://chat.example/",
        ]
    );
}

#[test]
fn secrets_are_redacted_before_the_body_is_cut() {
    let secrets = secrets();
    let mut body = "x".repeat(BODY_SHOWN - 4).into_bytes();
    body.extend_from_slice(b"s3cr3t-t0ken and more");
    let mut o = observation(200, &body);
    o.request_headers = vec![("authorization".into(), "Bearer s3cr3t-t0ken".into())];
    let text = exchange_lines(&Observation::Http(o), &secrets).join("\n");
    assert!(!text.contains("s3cr"), "{text}");
    assert!(
        text.contains("> authorization: Bearer [redacted:TOKEN]"),
        "{text}"
    );
    assert!(text.contains("more bytes"), "{text}");
}

#[test]
fn exchange_shows_redirect_hops_and_an_empty_body() {
    let mut o = observation(200, b"");
    o.redirects = vec![crate::probe::http::RedirectHop {
        url: "https://chat.example/".into(),
        status: 301,
        location: "https://app.example/".into(),
        proxy: None,
    }];
    o.final_url = "https://app.example/".into();
    assert_eq!(
        exchange_lines(&Observation::Http(o), &Secrets::default()),
        [
            "> GET https://chat.example/",
            "< redirect: 301 https://chat.example/ -> https://app.example/",
            "< HTTP/1.1 200 (https://app.example/)",
            "< content-type: text/plain",
            "body: empty",
        ]
    );
}

#[test]
fn a_released_body_shows_its_size_and_digest_or_its_kept_start() {
    // A passing check keeps no body: its size and SHA-256 are shown.
    let mut passed = observation(200, b"hello");
    passed.release_body(0);
    let lines = exchange_lines(&Observation::Http(passed), &Secrets::default());
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            "body: 5 B (5 bytes), sha256 \
             2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824; \
             not kept, the check passed"
        )
    );
    // One that did not pass keeps the start of its body; the count covers what was let go.
    let mut failed = observation(500, &"y".repeat(10_000).into_bytes());
    failed.release_body(4096);
    let lines = exchange_lines(&Observation::Http(failed), &Secrets::default());
    assert!(
        lines.contains(&"body (10000 bytes):".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&format!("  … {} more bytes", 10_000 - BODY_SHOWN)),
        "{lines:?}"
    );
    // An empty body stays "empty".
    let mut empty = observation(204, b"");
    empty.release_body(0);
    let lines = exchange_lines(&Observation::Http(empty), &Secrets::default());
    assert_eq!(lines.last().map(String::as_str), Some("body: empty"));
}

#[test]
fn a_kept_excerpt_is_redacted_before_it_is_shown() {
    let secrets = secrets();
    let mut body = b"s3cr3t-t0ken ".repeat(400);
    body.extend_from_slice(&b"z".repeat(100_000));
    let mut o = observation(500, &body);
    o.release_body(crate::run::BODY_EXCERPT);
    let text = exchange_lines(&Observation::Http(o), &secrets).join("\n");
    assert!(!text.contains("s3cr"), "{text}");
    assert!(text.contains("[redacted:TOKEN]"), "{text}");
}

#[test]
fn an_excerpt_is_cut_after_redaction_and_never_inside_a_marker() {
    let secrets = secrets();
    // The secret starts 5 characters before the cut: cut first, its first 5 characters
    // would be shown.
    let text = format!("{}s3cr3t-t0ken and more", "x".repeat(EXCERPT - 5));
    let shown = excerpt(&secrets, &text);
    assert_eq!(
        shown,
        format!(
            "{}[redacted:TOKEN]… ({} characters)",
            "x".repeat(EXCERPT - 5),
            EXCERPT - 5 + "[redacted:TOKEN] and more".len()
        )
    );
    assert_eq!(
        excerpt(&secrets, "short s3cr3t-t0ken"),
        "short [redacted:TOKEN]"
    );
}

#[test]
fn a_message_adds_only_what_its_mismatches_do_not_say() {
    let first = ("status", "403", "200");
    assert_eq!(
        beyond_mismatches("status: expected 403, got 200", first, 1),
        ""
    );
    assert_eq!(
        beyond_mismatches("status: expected 403, got 200 (+2 more)", first, 3),
        ""
    );
    assert_eq!(
        beyond_mismatches(
            "status: expected 403, got 200 (pending expired on 2020-01-01: was due in 2019)",
            first,
            1
        ),
        "pending expired on 2020-01-01: was due in 2019"
    );
    assert_eq!(
        beyond_mismatches("something else", first, 1),
        "something else"
    );
}

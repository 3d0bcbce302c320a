use super::fixtures::*;
use super::*;
use crate::probe::ProbeErrorKind;

#[test]
fn detail_block_of_a_retried_failure() {
    let mut m = mismatch("status", "302", "200");
    m.note = "no redirect".into();
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
            "status: expected 302, got 200",
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

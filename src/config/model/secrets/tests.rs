use super::*;
use base64::Engine as _;

fn secrets(pairs: &[(&str, &str)]) -> Secrets {
    let mut s = Secrets::default();
    for (name, value) in pairs {
        s.insert(name, value);
    }
    s
}

#[test]
fn every_form_of_a_secret_is_redacted() {
    let s = secrets(&[("PW", "p@ss \"wörd\"/+=")]);
    for text in [
        "p@ss \"wörd\"/+=",
        "P@SS \"WöRD\"/+=",
        "p%40ss%20%22w%C3%B6rd%22%2F%2B%3D",
        "p%40ss+%22w%c3%b6rd%22%2f%2b%3d",
        r#"p@ss \"wörd\"/+="#,
        r#"p@ss \\\"w\u00f6rd\\\"\/+="#,
        r"p@ss \u{22}w\u{f6}rd\x22/+=",
        "p@ss &quot;w&#246;rd&#x22;/+=",
    ] {
        assert_eq!(
            s.redact(&format!("a {text} b")),
            "a [redacted:PW] b",
            "{text}"
        );
    }
}

#[test]
fn shell_quoted_and_base64_forms_are_redacted() {
    let s = secrets(&[("PW", "it's-a-secret")]);
    assert_eq!(
        s.redact("curl -H 'x: it'\\''s-a-secret'"),
        "curl -H 'x: [redacted:PW]'"
    );
    let engine = base64::engine::general_purpose::STANDARD;
    for prefix in ["", "u", "us", "user:"] {
        let basic = engine.encode(format!("{prefix}it's-a-secret and more"));
        let out = s.redact(&format!("authorization: Basic {basic}"));
        assert_eq!(
            out, "authorization: Basic [redacted:PW]",
            "{prefix}: {basic}"
        );
    }
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = url_safe.encode("??it's-a-secret??");
    assert!(!s.redact(&token).contains(&token[4..12]), "{token}");
}

#[test]
fn short_secrets_are_redacted_as_tokens_and_where_substituted() {
    let mut s = secrets(&[("K", "ab")]);
    assert_eq!(s.redact("Bearer ab"), "Bearer [redacted:K]");
    assert_eq!(s.redact("?k=ab&about=1"), "?k=[redacted:K]&about=1");
    assert_eq!(s.redact("table"), "table");
    s.note_substitution("K", "tokenab-x", 5, 7);
    assert_eq!(s.redact("x: tokenab-x"), "x: token[redacted:K]-x");
    let basic = base64::engine::general_purpose::STANDARD.encode("user:ab");
    assert_eq!(s.redact(&format!("Basic {basic}")), "Basic [redacted:K]");
}

#[test]
fn a_long_secret_of_mostly_punctuation_or_newlines_does_not_blank_the_output() {
    let s = secrets(&[("A", "%%q%%"), ("B", "\n\nx\n\n")]);
    assert_eq!(s.redact("quick fix, %%q%%"), "quick fix, [redacted:A]");
    assert_eq!(s.redact("box x\n"), "box [redacted:B]");
}

#[test]
fn a_one_character_secret_does_not_blank_the_output() {
    let s = secrets(&[("K", "7")]);
    let text = "GET /api/v1/users/1234567 took 7 ms; x-request-id: 9f86d081884c7d65 build7";
    assert_eq!(
        s.redact(text),
        "GET /api/v1/users/1234567 took [redacted:K] ms; x-request-id: 9f86d081884c7d65 build7"
    );
}

#[test]
fn longer_secrets_go_first() {
    let s = secrets(&[("A", "secret"), ("B", "secret-and-more")]);
    assert_eq!(
        s.redact("x secret-and-more y secret"),
        "x [redacted:B] y [redacted:A]"
    );
}

#[test]
fn a_large_multi_line_secret_is_redacted_whole() {
    // A private key in PEM is a realistic secret: 3,200 characters in lines of 64.
    let pem: String = (0..3200)
        .map(|i| {
            if i % 65 == 64 {
                '\n'
            } else {
                (b'A' + (i % 26) as u8) as char
            }
        })
        .collect();
    let s = secrets(&[("KEY", &pem)]);
    let escaped = serde_json::to_string(&pem).unwrap_or_default();
    assert_eq!(
        s.redact(&format!("body {pem} json {escaped} end")),
        "body [redacted:KEY] json \"[redacted:KEY]\" end"
    );
}

#[test]
fn a_value_captured_on_one_clone_is_redacted_by_every_clone_from_then_on() {
    let mut loaded = Secrets::default();
    loaded.insert("PASSWORD", "hunter2-password");
    let reports = loaded.clone();
    assert_eq!(reports.redact("token tQ7vXk2LmZp9"), "token tQ7vXk2LmZp9");
    loaded.add_captured("CAPTURE_AUTH_TOKEN", "tQ7vXk2LmZp9");
    assert_eq!(
        reports.redact("token tQ7vXk2LmZp9, hunter2-password"),
        "token [redacted:CAPTURE_AUTH_TOKEN], [redacted:PASSWORD]"
    );
    // Encoded forms too: base64 of "Bearer:tQ7vXk2LmZp9".
    let b64 = "QmVhcmVyOnRRN3ZYazJMbVpwOQ==";
    assert!(!reports.redact(b64).contains(b64));
    assert_eq!(
        reports.all_values(),
        [
            ("PASSWORD".to_string(), "hunter2-password".to_string()),
            ("CAPTURE_AUTH_TOKEN".to_string(), "tQ7vXk2LmZp9".to_string()),
        ]
    );
    // An empty value is no secret.
    reports.add_captured("CAPTURE_EMPTY", "");
    assert_eq!(reports.captured_values().len(), 1);
    // Captured again (a later round): the earlier value stays a secret too.
    loaded.add_captured("CAPTURE_AUTH_TOKEN", "zW3nPq8TsVb1");
    assert_eq!(
        reports.redact("tQ7vXk2LmZp9 zW3nPq8TsVb1"),
        "[redacted:CAPTURE_AUTH_TOKEN] [redacted:CAPTURE_AUTH_TOKEN]"
    );
}

#[test]
fn a_secrets_start_left_at_a_cut_is_redacted() {
    let s = secrets(&[("P", "pr0xy-s3cret-pw")]);
    // Cut by a probe before the reports redact: `"…"`, `...`, the end of a line.
    assert_eq!(
        s.redact("received so far: \"AUTH pr0xy-s3c\"… (300 B)"),
        "received so far: \"AUTH [redacted:P]\"… (300 B)"
    );
    assert_eq!(
        s.redact("the greeting is \"220 pr0xy-s3cr...\" where"),
        "the greeting is \"220 [redacted:P]...\" where"
    );
    assert_eq!(s.redact("< 250 pr0xy-s3cret…"), "< 250 [redacted:P]…");
    // Fewer than 6 characters, or a start not at a cut (the end of a text is none), are
    // left as they are.
    assert_eq!(s.redact("ends with pr0xy…"), "ends with pr0xy…");
    assert_eq!(s.redact("ends with pr0xy-s3"), "ends with pr0xy-s3");
    assert_eq!(s.redact("pr0xy-s3cr and more"), "pr0xy-s3cr and more");
    // The whole value, anywhere, as always.
    assert_eq!(s.redact("x pr0xy-s3cret-pw…"), "x [redacted:P]…");
    // Characters of several bytes, in the secret and around the cut.
    let wide = secrets(&[("W", "ésecret-valüe-ß")]);
    assert_eq!(wide.redact("ü ésecret-va…"), "ü [redacted:W]…");
    assert_eq!(wide.redact("ééééééééééééééééé…"), "ééééééééééééééééé…");
}

#[test]
fn a_secret_in_hex_is_redacted() {
    let s = secrets(&[("T", "Zq8wLp3m")]);
    assert_eq!(s.redact("HEX 5a7138774c70336d ok"), "HEX [redacted:T] ok");
    assert_eq!(s.redact("HEX 5A7138774C70336D"), "HEX [redacted:T]");
    // Inside a longer dump: "AUTH " and the value.
    assert_eq!(
        s.redact("41555448205a7138774c70336d0d0a"),
        "4155544820[redacted:T]0d0a"
    );
}

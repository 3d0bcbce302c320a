//! No password of the test accounts, and no token they got (ID, access, refresh, Matrix), in
//! any output of a run of the auth checks, in any format.

use super::accounts::{MATRIX_TOKEN, MEMBER_PASSWORD, OUTSIDER_PASSWORD};
use super::standins::stand_ins;
use super::{Drift, StandIns, phenom_project, run_standin, run_standin_with};
use crate::harness::*;
use crate::support::issuer::REFRESH_TOKEN;

/// The output without its `::add-mask::` lines: masks are the one place the runner must be
/// told a value.
fn without_masks(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every secret of the runs so far: the passwords, the tokens handed out, and every ID token
/// a sign-in handed out or a resource server was shown. A token may be shown by its first 10
/// characters, the start of the header every token of the pool shares: the rest must be
/// nowhere.
fn secrets(s: &StandIns) -> Vec<String> {
    let mut v: Vec<String> = [MEMBER_PASSWORD, OUTSIDER_PASSWORD, MATRIX_TOKEN]
        .map(String::from)
        .into();
    let mut tokens = s.issuer.issued();
    tokens.push(REFRESH_TOKEN.to_string());
    for r in s.edge.requests() {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let bearer = r
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "));
        tokens.extend(bearer.or(body["token"].as_str()).map(String::from));
    }
    for token in tokens {
        let past_header = token.char_indices().nth(10).map_or(0, |(i, _)| i);
        v.push(token[past_header..].to_string());
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn no_password_or_token_in_any_output() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let json = p.path().join("run.json").display().to_string();
    let out = run_standin(&p, &["--tag", "auth", "-vv", "--json", &json]).await;
    out.assert_code(0);
    out.assert_summary("8 passed, 0 failed, 0 errors, 0 pending");
    // The exchanges were shown, with the token as its capture's name.
    assert!(
        out.stdout
            .contains("> authorization: Bearer [redacted:CAPTURE_AUTH_MEMBER_SIGNS_IN_ID_TOKEN]"),
        "{out}"
    );
    let secrets = secrets(&s);
    // Two ID tokens handed out, shown to the resource servers 4 times, and the Matrix
    // session's, twice.
    assert_eq!(secrets.len(), 4 + 2 + 6, "{secrets:?}");
    for secret in &secrets {
        for (text, what) in [
            (&out.stdout, "stdout"),
            (&out.stderr, "stderr"),
            (&p.junit(), "junit.xml"),
            (&p.read("run.json"), "run.json"),
        ] {
            assert_no_secret(text, secret, what);
        }
    }
    for format in ["github", "json", "tap"] {
        let out = run_standin(&p, &["--tag", "auth", "-vv", "--format", format]).await;
        out.assert_code(0);
        for secret in &self::secrets(&s) {
            assert_no_secret(&without_masks(&out.stdout), secret, format);
            assert_no_secret(&out.stderr, secret, format);
        }
    }
}

/// A sign-in that fails after Cognito answered (the member lost nest-access): nothing is
/// captured, and the answer shown holds the tokens; none of them is in any output.
#[tokio::test(flavor = "multi_thread")]
async fn no_token_in_any_output_when_a_sign_in_fails_after_cognito_answered() {
    let s = stand_ins(Drift::default()).await;
    let analyst = "analyst@standin.test";
    s.issuer.add_user(analyst, MEMBER_PASSWORD, &["analysts"]);
    let p = phenom_project(&s);
    let json = p.path().join("run.json").display().to_string();
    let accounts = [("PHENOM_TEST_USERNAME", Some(analyst))];
    let args = ["--tag", "auth", "-vv", "--json", &json];
    let out = run_standin_with(&p, &args, &accounts).await;
    out.assert_code(1);
    out.assert_summary("2 passed, 1 failed, 5 errors, 0 pending");
    assert_eq!(s.issuer.issued().len(), 2);
    for secret in &secrets(&s) {
        for (text, what) in [
            (&out.stdout, "stdout"),
            (&out.stderr, "stderr"),
            (&p.junit(), "junit.xml"),
            (&p.read("run.json"), "run.json"),
        ] {
            assert_no_secret(text, secret, what);
        }
    }
}

//! No password of the test accounts, and no token they got (ID, access, refresh, Matrix), in
//! any output of a run of the auth checks, in any format.

use super::accounts::{MATRIX_TOKEN, MEMBER_PASSWORD, OUTSIDER_PASSWORD};
use super::standins::stand_ins;
use super::{Drift, StandIns, phenom_project, run_standin};
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
/// a resource server was shown.
fn secrets(s: &StandIns) -> Vec<String> {
    let mut v: Vec<String> = [
        MEMBER_PASSWORD,
        OUTSIDER_PASSWORD,
        MATRIX_TOKEN,
        REFRESH_TOKEN,
    ]
    .map(String::from)
    .into();
    for r in s.edge.requests() {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let bearer = r
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "));
        v.extend(bearer.or(body["token"].as_str()).map(String::from));
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
    out.assert_summary("7 passed, 0 failed, 0 errors, 0 pending");
    // The exchanges were shown, with the token as its capture's name.
    assert!(
        out.stdout
            .contains("> authorization: Bearer [redacted:CAPTURE_AUTH_MEMBER_SIGNS_IN_ID_TOKEN]"),
        "{out}"
    );
    let secrets = secrets(&s);
    // Two ID tokens, each shown to its resource servers, and the Matrix session's.
    assert_eq!(secrets.len(), 4 + 5, "{secrets:?}");
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

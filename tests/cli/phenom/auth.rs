//! The signed-in checks of checks/auth.yaml against the stand-ins: the member and the outsider
//! both pass every check (the Worker refuses the outsider), and each way a sign-in can go
//! wrong fails the sign-in and leaves its dependents as errors, never probed.

use super::accounts::{ACCOUNT_VALUES, MATRIX_TOKEN, MEMBER, MEMBER_PASSWORD, OUTSIDER};
use super::drifted::outcomes_of;
use super::standins::stand_ins;
use super::{Drift, StandIns, WAF, listed, phenom_project, run_standin, run_standin_with};
use crate::harness::*;
use crate::support::*;

pub(super) const MEMBER_SIGNS_IN: &str = "auth/member-signs-in";
pub(super) const OUTSIDER_SIGNS_IN: &str = "auth/outsider-signs-in";
pub(super) const CHAT_LOGIN: &str = "auth/chat-accepts-the-member-token";
pub(super) const CHAT_LOGOUT: &str = "auth/chat-logs-the-member-out";
pub(super) const CHAT_WHOAMI: &str = "auth/chat-names-the-member-on-chat";
const HASURA_ROW: &str = "auth/hasura-shows-the-member-only-its-own-row";
const NEST_MEMBER: &str = "auth/nest-api-answers-the-member";
pub(super) const NEST_OUTSIDER: &str = "auth/nest-api-refuses-the-outsider";

/// Every check tagged `auth`, sorted.
pub(super) const AUTH: [&str; 8] = [
    CHAT_LOGIN,
    CHAT_LOGOUT,
    CHAT_WHOAMI,
    HASURA_ROW,
    MEMBER_SIGNS_IN,
    NEST_MEMBER,
    NEST_OUTSIDER,
    OUTSIDER_SIGNS_IN,
];

/// The checks that need chat's login.
const CHAT_CHAIN: [&str; 2] = [CHAT_WHOAMI, CHAT_LOGOUT];

/// The member's dependents.
const MEMBER_DEPENDENTS: [&str; 3] = [CHAT_LOGIN, HASURA_ROW, NEST_MEMBER];

/// The requests of signed-in flows the edge got, sorted: (method, host, path, who), who
/// being the user a sign-in names or whose ID token the request bears.
pub(super) fn signed_in_requests(s: &StandIns) -> Vec<(String, String, String, String)> {
    let mut v: Vec<(String, String, String, String)> = s
        .edge
        .requests()
        .into_iter()
        .filter(|r| {
            r.header("authorization").is_some()
                || r.path.starts_with("/_matrix/client/v3/log")
                || r.header("x-amz-target").is_some()
        })
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let token = r
                .header("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
                .or(body["token"].as_str());
            let who = match token {
                Some(MATRIX_TOKEN) => "matrix session".to_string(),
                Some(token) => match s.issuer.verifier().verify(token) {
                    Ok(claims) => claims["cognito:username"].as_str().unwrap_or("?").into(),
                    Err(why) => format!("refused: {why}"),
                },
                None => body["AuthParameters"]["USERNAME"]
                    .as_str()
                    .unwrap_or("-")
                    .into(),
            };
            let host = r.host.clone().unwrap_or_default();
            (r.method.clone(), host, r.path.clone(), who)
        })
        // The anonymous checks: the client-existence probes and the malformed bearer.
        .filter(|(_, _, _, who)| !["-", PROBE_USER, "refused: no payload"].contains(&who.as_str()))
        .collect();
    v.sort();
    v
}

/// The user the cognito checks ask about to learn whether a client exists.
const PROBE_USER: &str = "conform-probe@invalid.example";

/// `(method, host, path, who)`s, sorted.
pub(super) fn requests(list: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(m, h, p, w)| (m.to_string(), h.to_string(), p.to_string(), w.to_string()))
        .collect();
    v.sort();
    v
}

pub(super) const IDP: &str = "cognito-idp.us-east-1.amazonaws.com";
const NEST: &str = "nest.thephenom.app";
pub(super) const CHAT: &str = "chat.thephenom.app";

/// What a run where both sign-ins pass asks of the stand-ins.
fn every_request() -> Vec<(String, String, String, String)> {
    requests(&[
        ("POST", IDP, "/", MEMBER),
        ("POST", IDP, "/", OUTSIDER),
        ("GET", NEST, "/api/events", MEMBER),
        ("GET", NEST, "/api/events", OUTSIDER),
        ("POST", "api.thephenom.app", "/v1/graphql", MEMBER),
        ("POST", CHAT, "/_matrix/client/v3/login", MEMBER),
        (
            "GET",
            CHAT,
            "/_matrix/client/v3/account/whoami",
            "matrix session",
        ),
        ("POST", CHAT, "/_matrix/client/v3/logout", "matrix session"),
    ])
}

/// The auth checks under `--tag auth`, with these account values changed.
async fn auth_run(s: &StandIns, accounts: &[(&str, Option<&str>)]) -> Output {
    let p = phenom_project(s);
    run_standin_with(&p, &["--tag", "auth"], accounts).await
}

/// Both sign-ins fail with `field` as their first mismatch (its expected text and a pattern
/// of its actual one given for each), every dependent is an error naming its need, and no dependent was probed.
#[track_caller]
fn assert_both_sign_ins_fail(
    s: &StandIns,
    out: &Output,
    field: &str,
    member: (&str, &str),
    outsider: (&str, &str),
) {
    out.assert_code(1);
    let failed = [(MEMBER_SIGNS_IN, "FAIL"), (OUTSIDER_SIGNS_IN, "FAIL")];
    let errors = [
        CHAT_LOGIN,
        CHAT_LOGOUT,
        CHAT_WHOAMI,
        HASURA_ROW,
        NEST_MEMBER,
        NEST_OUTSIDER,
    ]
    .map(|id| (id, "ERROR"));
    let plan: Vec<String> = AUTH.iter().map(|id| id.to_string()).collect();
    let not_passing: Vec<(&str, &str)> = failed.into_iter().chain(errors).collect();
    assert_eq!(out.outcomes(), outcomes_of(&plan, &not_passing), "{out}");
    out.assert_summary("0 passed, 2 failed, 6 errors, 0 pending");
    for (id, (expected, actual)) in [(MEMBER_SIGNS_IN, member), (OUTSIDER_SIGNS_IN, outsider)] {
        let d = out.details_of(id);
        assert_eq!(
            d[1..3],
            [
                format!("body json $.AuthenticationResult.IdToken jwt {field}"),
                format!("  expected: {expected}"),
            ],
            "{id}:\n{out}"
        );
        assert_matches(&format!("^  actual:   {actual}$"), &d[3], out);
    }
    assert_dependents_not_run(out, &MEMBER_DEPENDENTS, MEMBER_SIGNS_IN, "failed");
    assert_dependents_not_run(out, &[NEST_OUTSIDER], OUTSIDER_SIGNS_IN, "failed");
    assert_eq!(
        signed_in_requests(s),
        requests(&[("POST", IDP, "/", MEMBER), ("POST", IDP, "/", OUTSIDER)]),
        "no dependent was probed"
    );
}

/// Each of `ids` is an error that names `need`, which `how` (failed, errored); the checks
/// that need chat's login name it, which errored.
#[track_caller]
fn assert_dependents_not_run(out: &Output, ids: &[&str], need: &str, how: &str) {
    for id in ids {
        assert_eq!(
            out.details_of(id)[1],
            format!("error (needed check did not pass): not run: needs {need}, which {how}"),
            "{out}"
        );
    }
    if ids.contains(&CHAT_LOGIN) {
        for id in CHAT_CHAIN {
            assert_eq!(
                out.details_of(id)[1],
                format!(
                    "error (needed check did not pass): not run: needs {CHAT_LOGIN}, which errored"
                ),
                "{id}:\n{out}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_member_and_the_outsider_pass_every_auth_check() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let plan = listed(&p.dir_arg(), &["--tag", "auth"]).await;
    let mut sorted = plan.clone();
    sorted.sort();
    assert_eq!(sorted, AUTH, "{plan:?}");

    let out = run_standin(&p, &["--tag", "auth"]).await;
    out.assert_code(0);
    assert_eq!(out.stderr, "", "{out}");
    assert_eq!(out.outcomes(), outcomes_of(&plan, &[]), "{out}");
    out.assert_summary("8 passed, 0 failed, 0 errors, 0 pending");
    // The outsider's token is valid: the Worker refused it for the group alone.
    assert_eq!(signed_in_requests(&s), every_request());
    // The pool's key set was fetched once for both sign-ins.
    let jwks = s
        .edge
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/jwks.json"))
        .count();
    assert_eq!(jwks, 1);
}

/// A wrong password: the member's sign-in fails, its dependents are errors naming it and are
/// never probed; the outsider's checks go on and pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_fails_the_sign_in_and_no_dependent_is_probed() {
    let s = stand_ins(Drift::default()).await;
    let out = auth_run(
        &s,
        &[("PHENOM_TEST_PASSWORD", Some("not-the-password-1A!"))],
    )
    .await;
    out.assert_code(1);
    let plan: Vec<String> = AUTH.iter().map(|id| id.to_string()).collect();
    let mut not_passing = vec![(MEMBER_SIGNS_IN, "FAIL")];
    not_passing.extend(CHAT_CHAIN.map(|id| (id, "ERROR")));
    not_passing.extend(MEMBER_DEPENDENTS.map(|id| (id, "ERROR")));
    assert_eq!(out.outcomes(), outcomes_of(&plan, &not_passing), "{out}");
    out.assert_summary("2 passed, 1 failed, 5 errors, 0 pending");
    assert_eq!(
        out.details_of(MEMBER_SIGNS_IN)[1..4],
        ["status", "  expected: 200", "  actual:   400"],
        "{out}"
    );
    assert_dependents_not_run(&out, &MEMBER_DEPENDENTS, MEMBER_SIGNS_IN, "failed");
    assert_eq!(
        signed_in_requests(&s),
        requests(&[
            ("POST", IDP, "/", MEMBER),
            ("POST", IDP, "/", OUTSIDER),
            ("GET", NEST, "/api/events", OUTSIDER),
        ])
    );
}

/// The pool's key set no longer holds the key its tokens name (a rotation gone wrong).
#[tokio::test(flavor = "multi_thread")]
async fn a_key_set_without_the_signing_key_fails_both_sign_ins() {
    let s = stand_ins(Drift::default()).await;
    s.issuer
        .publish_only(vec![SigningKey::new(Alg::Rs256, "prod-rs256-2")]);
    let out = auth_run(&s, &[]).await;
    let jwks = format!("https://{IDP}/us-east-1_knEL7cqS3/.well-known/jwks.json");
    let expected = format!("a key \"prod-rs256-1\" in the JWKS at {jwks}");
    let actual = regex::escape("kids [\"prod-rs256-2\"]");
    let why = (expected.as_str(), actual.as_str());
    assert_both_sign_ins_fail(&s, &out, "signature", why, why);
}

/// Tokens that are already expired when they are handed out.
#[tokio::test(flavor = "multi_thread")]
async fn expired_tokens_fail_both_sign_ins() {
    let s = stand_ins(Drift::default()).await;
    s.issuer.sign_lasting(-120);
    let out = auth_run(&s, &[]).await;
    let expired = r"-2m( [1-9]s)?";
    assert_both_sign_ins_fail(&s, &out, "expires_in", ("> 5m", expired), ("> 5m", expired));
}

/// Tokens minted for another audience (seed 004's client id).
#[tokio::test(flavor = "multi_thread")]
async fn tokens_for_another_audience_fail_both_sign_ins() {
    let s = stand_ins(Drift::default()).await;
    s.issuer.sign_for_audience("8uun49ru7f3fdvmlc12vqig3a");
    let out = auth_run(&s, &[]).await;
    let aud = (
        "\"5vlgjrab90897c45ls9jkf9s2p\"",
        "\"8uun49ru7f3fdvmlc12vqig3a\"",
    );
    let aud = (aud.0, regex::escape(aud.1));
    let aud = (aud.0, aud.1.as_str());
    assert_both_sign_ins_fail(&s, &out, "claims.aud", aud, aud);
}

/// The member's account lost nest-access (another group left): its sign-in fails naming the
/// claim, and nothing it would have unlocked is asked.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_without_nest_access_fails_its_sign_in() {
    let s = stand_ins(Drift::default()).await;
    let analyst = "analyst@standin.test";
    s.issuer.add_user(analyst, MEMBER_PASSWORD, &["analysts"]);
    let out = auth_run(&s, &[("PHENOM_TEST_USERNAME", Some(analyst))]).await;
    out.assert_code(1);
    let plan: Vec<String> = AUTH.iter().map(|id| id.to_string()).collect();
    let mut not_passing = vec![(MEMBER_SIGNS_IN, "FAIL")];
    not_passing.extend(CHAT_CHAIN.map(|id| (id, "ERROR")));
    not_passing.extend(MEMBER_DEPENDENTS.map(|id| (id, "ERROR")));
    assert_eq!(out.outcomes(), outcomes_of(&plan, &not_passing), "{out}");
    out.assert_summary("2 passed, 1 failed, 5 errors, 0 pending");
    assert_eq!(
        out.details_of(MEMBER_SIGNS_IN)[1..4],
        [
            "body json $.AuthenticationResult.IdToken jwt claims.cognito:groups",
            "  expected: contains \"nest-access\"",
            "  actual:   [\"analysts\"]",
        ],
        "{out}"
    );
    assert_dependents_not_run(&out, &MEMBER_DEPENDENTS, MEMBER_SIGNS_IN, "failed");
    assert_eq!(
        signed_in_requests(&s),
        requests(&[
            ("POST", IDP, "/", analyst),
            ("POST", IDP, "/", OUTSIDER),
            ("GET", NEST, "/api/events", OUTSIDER),
        ])
    );
}

/// Without the accounts' variables the auth checks are errors naming the variable, never
/// probed, and the rest of the suite runs and passes.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_accounts_the_auth_checks_are_errors_naming_the_variable() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let plan = listed(&p.dir_arg(), &[]).await;
    let unset = ACCOUNT_VALUES.map(|(name, _)| (name, None));
    let out = run_standin_with(&p, &[], &unset).await;
    out.assert_code(3);
    let mut not_passing: Vec<(&str, &str)> = AUTH.iter().map(|id| (*id, "ERROR")).collect();
    not_passing.push((WAF, "PENDING"));
    assert_eq!(out.outcomes(), outcomes_of(&plan, &not_passing), "{out}");
    out.assert_summary(&format!(
        "{} passed, 0 failed, 8 errors, 1 pending",
        plan.len() - 9
    ));
    let unset = |variable: &str| {
        format!("error (unset value): not run: environment variable `{variable}` is not set")
    };
    for (id, variable) in [
        (MEMBER_SIGNS_IN, "PHENOM_TEST_USERNAME"),
        (OUTSIDER_SIGNS_IN, "PHENOM_OUTSIDER_USERNAME"),
        (HASURA_ROW, "PHENOM_TEST_USERNAME"),
    ] {
        let d = out.details_of(id);
        assert!(d[1].starts_with(&unset(variable)), "{id}:\n{out}");
    }
    assert_dependents_not_run(&out, &[NEST_MEMBER, CHAT_LOGIN], MEMBER_SIGNS_IN, "errored");
    assert_dependents_not_run(&out, &[NEST_OUTSIDER], OUTSIDER_SIGNS_IN, "errored");
    assert_eq!(signed_in_requests(&s), requests(&[]));

    // The password alone: the sign-in names it, the outsider's checks run and pass.
    let out = auth_run(&s, &[("PHENOM_TEST_PASSWORD", None)]).await;
    out.assert_code(3);
    out.assert_summary("2 passed, 0 failed, 6 errors, 0 pending");
    let d = out.details_of(MEMBER_SIGNS_IN);
    assert!(
        d[1].starts_with("error (unset value): not run: secret `PHENOM_TEST_PASSWORD` is not set"),
        "{out}"
    );
    assert_eq!(
        signed_in_requests(&s),
        requests(&[
            ("POST", IDP, "/", OUTSIDER),
            ("GET", NEST, "/api/events", OUTSIDER)
        ])
    );
}

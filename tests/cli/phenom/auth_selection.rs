//! Selecting signed-in checks of the shipped suite brings their sign-ins along, and shards
//! keep each sign-in with the checks that need it.

use super::accounts::MEMBER;
use super::auth::{
    AUTH, CHAT, CHAT_LOGIN, CHAT_LOGOUT, CHAT_WHOAMI, IDP, MEMBER_SIGNS_IN, NEST_OUTSIDER,
    OUTSIDER_SIGNS_IN, requests, signed_in_requests,
};
use super::standins::stand_ins;
use super::{Drift, listed, phenom_project, run_standin};

/// `--only` chat's logout: whoami, the login and the member's sign-in run too, marked as
/// needed, and
/// nothing else of the suite is asked.
#[tokio::test(flavor = "multi_thread")]
async fn only_chat_s_logout_brings_its_chain_along() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let out = run_standin(&p, &["--only", CHAT_LOGOUT]).await;
    out.assert_code(0);
    out.assert_outcomes(&[
        ("PASS", CHAT_LOGIN),
        ("PASS", CHAT_LOGOUT),
        ("PASS", CHAT_WHOAMI),
        ("PASS", MEMBER_SIGNS_IN),
    ]);
    out.assert_summary("4 passed, 0 failed, 0 errors, 0 pending");
    assert!(
        out.line_of(MEMBER_SIGNS_IN)
            .contains(&format!("(needed by {CHAT_LOGOUT})")),
        "{out}"
    );
    assert_eq!(
        signed_in_requests(&s),
        requests(&[
            ("POST", IDP, "/", MEMBER),
            ("POST", CHAT, "/_matrix/client/v3/login", MEMBER),
            (
                "GET",
                CHAT,
                "/_matrix/client/v3/account/whoami",
                "matrix session"
            ),
            ("POST", CHAT, "/_matrix/client/v3/logout", "matrix session"),
        ])
    );
    assert_eq!(
        s.edge.requests().len(),
        5,
        "the four checks and the key set"
    );
}

/// In three shards, each sign-in falls in the same shard as every check that needs it, and
/// every auth check is in exactly one shard.
#[tokio::test(flavor = "multi_thread")]
async fn shards_keep_each_sign_in_with_its_dependents() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let dir = p.dir_arg();
    let mut seen = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let ids = listed(&dir, &["--shard", shard]).await;
        let auth: Vec<String> = ids
            .into_iter()
            .filter(|id| id.starts_with("auth/"))
            .collect();
        let has = |id: &str| auth.iter().any(|a| a == id);
        if has(MEMBER_SIGNS_IN) || has(CHAT_LOGOUT) {
            for id in AUTH.iter().filter(|id| !id.contains("outsider")) {
                assert!(
                    has(id),
                    "{id} not with the member's sign-in in {shard}: {auth:?}"
                );
            }
        }
        if has(OUTSIDER_SIGNS_IN) || has(NEST_OUTSIDER) {
            assert!(
                has(OUTSIDER_SIGNS_IN) && has(NEST_OUTSIDER),
                "{shard}: {auth:?}"
            );
        }
        seen.extend(auth);
    }
    seen.sort();
    assert_eq!(seen, AUTH);
}

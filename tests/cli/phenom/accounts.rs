//! The signed-in side of the stand-ins: the prod pool's test accounts (a member of
//! nest-access and an outsider in no group), signed in by the test issuer answering as the
//! prod pool, and the resource servers that check their ID tokens with the issuer's
//! [`Verifier`]: chat's JWT login (and logout), Hasura's row-level security, the nest-api
//! Worker's group gate.

use super::{API, CHAT, COGNITO, Drift, NEST, PROD_POOL};
use crate::support::*;
use serde_json::{Value, json};

/// The SPA client as seeds 000 and 001 give it: the audience Synapse, Hasura and the Worker
/// accept.
pub(super) const SPA_CLIENT: &str = "5vlgjrab90897c45ls9jkf9s2p";

/// The member of nest-access, and the outsider (a valid user in no group).
pub(super) const MEMBER: &str = "member@standin.test";
pub(super) const MEMBER_PASSWORD: &str = "Mb7#qLx9-wTz4pR2";
pub(super) const OUTSIDER: &str = "outsider@standin.test";
pub(super) const OUTSIDER_PASSWORD: &str = "Ou3$kVn8-yHs6jD1";

/// The variables checks/auth.yaml reads, as every run here sets them (unless a test says
/// otherwise).
pub(super) const ACCOUNT_VALUES: [(&str, &str); 4] = [
    ("PHENOM_TEST_USERNAME", MEMBER),
    ("PHENOM_TEST_PASSWORD", MEMBER_PASSWORD),
    ("PHENOM_OUTSIDER_USERNAME", OUTSIDER),
    ("PHENOM_OUTSIDER_PASSWORD", OUTSIDER_PASSWORD),
];

/// The Matrix access token chat's login hands out: distinctive, so that any 6 characters of
/// it in an output are a leak.
pub(super) const MATRIX_TOKEN: &str = "syt_bWVtYmVy_Hk4vQz8Lp2Xw_0aB1cD";

/// The rows of Hasura's `users` table: (the Cognito `sub`, the email, `nest_access` as the
/// Lambda mirrors it).
const USERS: [(&str, &str, bool); 3] = [
    ("sub-member@standin.test", MEMBER, true),
    ("sub-outsider@standin.test", OUTSIDER, false),
    ("sub-staff@standin.test", "staff@standin.test", true),
];

/// The group the Worker lets through (seed 002).
const NEST_ACCESS: &str = "nest-access";

/// The prod pool: the test issuer signing as `https://cognito-idp.../us-east-1_knEL7cqS3`
/// for the SPA client, with the member and the outsider.
pub(super) async fn prod_pool() -> Issuer {
    let issuer = Issuer::start(SPA_CLIENT, SigningKey::new(Alg::Rs256, "prod-rs256-1")).await;
    issuer.sign_as(&format!("https://{COGNITO}/{PROD_POOL}"));
    issuer.add_user(MEMBER, MEMBER_PASSWORD, &[NEST_ACCESS]);
    issuer.add_user(OUTSIDER, OUTSIDER_PASSWORD, &[]);
    issuer
}

/// What the edge's handler keeps of the issuer.
#[derive(Clone)]
pub(super) struct Pool {
    pub(super) responder: Responder,
    verifier: Verifier,
}

impl Pool {
    pub(super) fn of(issuer: &Issuer) -> Pool {
        Pool {
            responder: issuer.responder(),
            verifier: issuer.verifier(),
        }
    }

    /// The claims of the request's bearer token as a resource server configured for the SPA
    /// client checks it: signature, issuer, expiry, then `aud` and `token_use`.
    fn bearer(&self, r: &RecordedRequest) -> Result<Value, String> {
        let claims = self.verifier.bearer(r)?;
        self.audience(claims)
    }

    fn audience(&self, claims: Value) -> Result<Value, String> {
        if claims["aud"] != SPA_CLIENT {
            return Err(format!("audience {} not accepted", claims["aud"]));
        }
        if claims["token_use"] != "id" {
            return Err("not an ID token".into());
        }
        Ok(claims)
    }
}

fn json_response(status: u16, body: Value) -> TestResponse {
    TestResponse::status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
}

/// The edge's answer to a request of a signed-in caller (or one trying to sign in to chat),
/// or `None` for the anonymous handlers to answer.
pub(super) fn answer(
    drift: Drift,
    pool: &Pool,
    host: &str,
    r: &RecordedRequest,
) -> Option<TestResponse> {
    let path = r.path.split('?').next().unwrap_or("/");
    let bearer = r.header("authorization").is_some();
    match (host, r.method.as_str(), path) {
        (CHAT, "POST", "/_matrix/client/v3/login") => chat_login(drift, pool, r),
        (CHAT, "POST", "/_matrix/client/v3/logout") => Some(chat_logout(r)),
        (CHAT, "GET", "/_matrix/client/v3/account/whoami") if bearer => Some(chat_whoami(r)),
        (CHAT | API, "POST", "/v1/graphql") if bearer => Some(hasura(drift, pool, r)),
        (NEST, _, p) if p.starts_with("/api/") && bearer => Some(nest_api(drift, pool, r)),
        _ => None,
    }
}

/// Synapse's `org.matrix.login.jwt`: the token verified against the prod pool, its `aud`
/// one of `jwt_audiences` (seed 000); the user named by `sub` on chat.thephenom.app.
fn chat_login(drift: Drift, pool: &Pool, r: &RecordedRequest) -> Option<TestResponse> {
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    if body["type"] != "org.matrix.login.jwt" {
        return None;
    }
    if drift.login_without_jwt {
        return Some(json_response(
            400,
            json!({ "errcode": "M_UNKNOWN", "error": "Unknown login type org.matrix.login.jwt" }),
        ));
    }
    let token = body["token"].as_str().unwrap_or_default();
    let claims = pool.verifier.verify(token).and_then(|c| pool.audience(c));
    Some(match claims {
        Ok(claims) => {
            let sub = claims["sub"]
                .as_str()
                .unwrap_or_default()
                .replace('@', "=40");
            json_response(
                200,
                json!({ "user_id": format!("@{sub}:{CHAT}"), "access_token": MATRIX_TOKEN,
                        "device_id": "CONFORMDEV", "home_server": CHAT }),
            )
        }
        Err(why) => json_response(
            403,
            json!({ "errcode": "M_FORBIDDEN", "error": format!("JWT validation failed: {why}") }),
        ),
    })
}

/// The member's session, as whoami names it.
fn chat_whoami(r: &RecordedRequest) -> TestResponse {
    if r.header("authorization") == Some(&format!("Bearer {MATRIX_TOKEN}")) {
        let user_id = format!("@sub-member=40standin.test:{CHAT}");
        json_response(
            200,
            json!({ "user_id": user_id, "device_id": "CONFORMDEV" }),
        )
    } else {
        json_response(
            401,
            json!({ "errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed." }),
        )
    }
}

fn chat_logout(r: &RecordedRequest) -> TestResponse {
    if r.header("authorization") == Some(&format!("Bearer {MATRIX_TOKEN}")) {
        json_response(200, json!({}))
    } else {
        json_response(
            401,
            json!({ "errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed." }),
        )
    }
}

/// Hasura with a bearer: the token checked against the pool's JWKS, then `users` as the
/// row-level permission of the `user` role lets it be seen: only the row of the token's `sub`
/// (and of those, with `where: { nest_access: { _eq: true } }`, the members').
fn hasura(drift: Drift, pool: &Pool, r: &RecordedRequest) -> TestResponse {
    let claims = match pool.bearer(r) {
        Ok(claims) => claims,
        Err(why) => {
            return json_response(
                200,
                json!({ "errors": [{ "extensions": { "code": "invalid-jwt", "path": "$" },
                                     "message": format!("Could not verify JWT: {why}") }] }),
            );
        }
    };
    let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let query = body["query"].as_str().unwrap_or_default();
    if !query.contains("users") {
        return json_response(200, json!({ "data": {} }));
    }
    let members_only = query.contains("nest_access: { _eq: true }");
    let rows: Vec<Value> = USERS
        .iter()
        .filter(|(sub, _, _)| drift.hasura_rows_unfiltered || claims["sub"] == *sub)
        .filter(|(_, _, member)| *member || !members_only)
        .map(|(_, email, member)| json!({ "email": email, "nest_access": member }))
        .collect();
    json_response(200, json!({ "data": { "users": rows } }))
}

/// The nest-api Worker (seed 002): a verified token, and `nest-access` in its groups, or 401.
fn nest_api(drift: Drift, pool: &Pool, r: &RecordedRequest) -> TestResponse {
    if drift.nest_api_open {
        return json_response(200, json!({ "events": [] }));
    }
    let member = pool.bearer(r).is_ok_and(|claims| {
        let groups = claims["cognito:groups"].as_array();
        drift.nest_gate_ignores_groups || groups.is_some_and(|g| g.iter().any(|g| g == NEST_ACCESS))
    });
    if member {
        json_response(200, json!({ "events": [] }))
    } else {
        json_response(401, json!({ "error": "Unauthorized" }))
    }
}

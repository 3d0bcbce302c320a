//! The stand-ins: the HTTPS edge (chat, nest, api, nest-firebase, Cognito), the origin load
//! balancer and the authoritative zone, each answering as the seeds say unless a [`Drift`] says otherwise.

use super::accounts::{self, Pool, SPA_CLIENT};
use super::{
    ALB, API, CHAT, COGNITO, DRIFTED_INTERNAL, Drift, NEST, NEST_FIREBASE, PROD_POOL, STAGING_POOL,
    StandIns, TRY_URL,
};
use crate::harness::*;
use crate::support::dns_server::{self, rr};
use crate::support::*;
use serde_json::{Value, json};

/// Retired on 2026-05-16 (seed 004): its name must not resolve.
const RETIRED_NEST: &str = "nest-prod.thephenom.app";

const ZONE: &str = "thephenom.app.";

/// The SPA client as seed 004 gives it.
const SPA_CLIENT_SEED_004: &str = "8uun49ru7f3fdvmlc12vqig3a";
/// Seed 001's rooms: legacy alias -> room ID (the aliases do not match the room names).
const ROOMS: [(&str, &str); 4] = [
    ("the-red-room", "!jFXGFANpXTXXgNkdNi"),
    ("internal", "!WXBotwMKlVifIuEeBL"),
    ("partners", "!NvNAXrFhqFBZXUtEkU"),
    ("community", "!dhlPzWDEjiJBhrqORG"),
];

const CF_RAY: &str = "8f1a2b3c4d5e6f70-IAD";

// ---- responses ------------------------------------------------------------------------------

fn json_response(status: u16, body: Value) -> TestResponse {
    TestResponse::status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
}

fn html(status: u16, title: &str) -> TestResponse {
    TestResponse::status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html><head><title>{title}</title></head>\
             <body><div id=\"root\"></div></body></html>"
        ))
}

/// What Cloudflare's proxy adds to every answer it passes on.
pub(super) fn proxied(response: TestResponse) -> TestResponse {
    response
        .header("server", "cloudflare")
        .header("cf-ray", CF_RAY)
}

/// `%23internal%3Achat.thephenom.app` -> `#internal:chat.thephenom.app`.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The request's path without its query.
fn path_of(r: &RecordedRequest) -> &str {
    r.path.split('?').next().unwrap_or("/")
}

fn body_json(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// The edge: one HTTPS server for every proxied host and Cognito, routed on `Host`.
pub(super) fn edge(drift: Drift, pool: &Pool, r: &RecordedRequest) -> TestResponse {
    let host = r.host.as_deref().unwrap_or_default();
    let host = host
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if let Some(response) = accounts::answer(drift, pool, &host, r) {
        let unproxied = host == CHAT && drift.chat_unproxied;
        return if unproxied {
            response
        } else {
            proxied(response)
        };
    }
    match host.as_str() {
        CHAT => chat(drift, r),
        API => proxied(api(drift, r)),
        NEST => proxied(nest(drift, r)),
        NEST_FIREBASE => proxied(nest_firebase(drift)),
        COGNITO => cognito(drift, pool, r),
        _ => TestResponse::status(421).body(format!("no stand-in for host {host:?}")),
    }
}

/// `/_matrix/client/versions`, as Synapse 1.105 answers it.
pub(super) fn versions() -> Value {
    json!({
        "versions": ["r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8",
                     "v1.9", "v1.10"],
        "unstable_features": { "org.matrix.msc3916.stable": true }
    })
}

/// chat.thephenom.app (seed 001): Synapse and Hasura behind Cloudflare; root and non-client
/// paths 302 to the app download, the admin UI gone, client paths served.
pub(super) fn chat(drift: Drift, r: &RecordedRequest) -> TestResponse {
    let path = path_of(r);
    let method = r.method.as_str();
    if method == "POST" && path == "/v1/metadata" && drift.waf_blocks {
        // Blocked at the edge: Cloudflare's own page, whatever the origin would say.
        return proxied(html(403, "Attention Required! | Cloudflare"));
    }
    let response = match (method, path) {
        (_, "/_matrix/client/versions") if drift.versions_redirected => {
            TestResponse::redirect(302, TRY_URL)
        }
        (_, "/_matrix/client/versions") => json_response(200, versions()),
        ("GET", "/_matrix/client/v3/login") => {
            let mut flows = vec![
                json!({ "type": "m.login.sso", "identity_providers": [
                    { "id": "oidc-cognito", "name": "Phenom" } ] }),
                json!({ "type": "m.login.token" }),
            ];
            if !drift.login_without_jwt {
                flows.insert(0, json!({ "type": "org.matrix.login.jwt" }));
            }
            json_response(200, json!({ "flows": flows }))
        }
        ("POST", "/_matrix/client/v3/register") if drift.registration_open => json_response(
            200,
            json!({ "user_id": "@drifter:chat.thephenom.app", "access_token": "syt_x",
                    "device_id": "ABCDEFGH" }),
        ),
        ("POST", "/_matrix/client/v3/register") => json_response(
            403,
            json!({ "errcode": "M_FORBIDDEN", "error": "Registration has been disabled" }),
        ),
        (_, "/_matrix/client/v3/account/whoami") if drift.whoami_open => json_response(
            200,
            json!({ "user_id": "@guest:chat.thephenom.app", "is_guest": true }),
        ),
        (_, "/_matrix/client/v3/account/whoami") => json_response(
            401,
            json!({ "errcode": "M_MISSING_TOKEN", "error": "Missing access token" }),
        ),
        ("GET", p) if p.starts_with("/_matrix/client/v3/directory/room/") => {
            let alias = percent_decode(&p["/_matrix/client/v3/directory/room/".len()..]);
            room(drift, &alias)
        }
        (_, p) if p.starts_with("/_matrix/") => json_response(
            404,
            json!({ "errcode": "M_UNRECOGNIZED", "error": "Unrecognized request" }),
        ),
        ("POST", "/v1/graphql") => hasura(drift, r),
        // The WAF only counts: Hasura itself refuses an anonymous metadata call.
        ("POST", "/v1/metadata") => json_response(
            400,
            json!({ "code": "access-denied", "error": "restricted access", "path": "$" }),
        ),
        (_, p) if p.starts_with("/v1/") => json_response(
            404,
            json!({ "code": "not-found", "error": "resource does not exist", "path": "$" }),
        ),
        (_, p) if p == "/_synapse/admin" || p.starts_with("/_synapse/admin/") => {
            if drift.admin_served {
                html(200, "Synapse Admin")
            } else {
                TestResponse::status(404).body("Not Found")
            }
        }
        (_, p) if p.starts_with("/_synapse/client/oidc/callback") => json_response(
            400,
            json!({ "errcode": "M_MISSING_PARAM", "error": "Missing session cookie" }),
        ),
        (_, p) if p.starts_with("/_synapse/client/") => json_response(
            404,
            json!({ "errcode": "M_UNRECOGNIZED", "error": "Unrecognized request" }),
        ),
        (_, p) if p == "/mcp" || p.starts_with("/mcp/") => {
            json_response(401, json!({ "error": "unauthorized" }))
        }
        _ if drift.root_open => html(200, "Phenom Chat"),
        _ => TestResponse::redirect(302, TRY_URL),
    };
    if drift.chat_unproxied {
        response
    } else {
        proxied(response)
    }
}

/// A room alias of chat's server, looked up in the room directory.
pub(super) fn room(drift: Drift, alias: &str) -> TestResponse {
    let found = alias
        .strip_prefix('#')
        .and_then(|a| a.strip_suffix(":chat.thephenom.app"))
        .and_then(|local| ROOMS.iter().find(|(name, _)| *name == local));
    match found {
        Some((name, id)) => {
            let id = if *name == "internal" && drift.internal_alias_moved {
                DRIFTED_INTERNAL
            } else {
                id
            };
            json_response(
                200,
                json!({ "room_id": format!("{id}:chat.thephenom.app"),
                        "servers": ["chat.thephenom.app"] }),
            )
        }
        None => json_response(
            404,
            json!({ "errcode": "M_NOT_FOUND", "error": format!("Room alias {alias} not found") }),
        ),
    }
}

/// Hasura as an anonymous caller sees it (seeds 000, 001, 003): no queries at all.
pub(super) fn hasura(drift: Drift, r: &RecordedRequest) -> TestResponse {
    let query = body_json(r)["query"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if query.contains("__schema") {
        let fields = if drift.hasura_leaks_users {
            json!([{ "name": "users" }, { "name": "users_by_pk" }])
        } else {
            json!([{ "name": "no_queries_available" }])
        };
        return json_response(
            200,
            json!({ "data": { "__schema": { "queryType": { "fields": fields } } } }),
        );
    }
    if query.contains("users") && drift.table_query_answers {
        return json_response(200, json!({ "data": { "users": [{ "id": "1" }] } }));
    }
    json_response(
        200,
        json!({ "errors": [{
            "extensions": { "code": "validation-failed", "path": "$.selectionSet.users" },
            "message": "field 'users' not found in type: 'query_root'"
        }] }),
    )
}

/// api.thephenom.app: the prod Hasura behind Cloudflare.
pub(super) fn api(drift: Drift, r: &RecordedRequest) -> TestResponse {
    match (r.method.as_str(), path_of(r)) {
        ("POST", "/v1/graphql") => hasura(drift, r),
        _ => json_response(
            404,
            json!({ "code": "not-found", "error": "resource does not exist" }),
        ),
    }
}

/// The Cloudflare Access login a protected host redirects to.
pub(super) fn access_login(host: &str) -> String {
    format!(
        "https://phenom.cloudflareaccess.com/cdn-cgi/access/login/{host}\
         ?kid=5b03335e886150d8&redirect_url=%2F&meta=eyJ0eXAiOiJKV1QifQ"
    )
}

/// nest.thephenom.app (seeds 002, 003, 004): the Worker serves /health and /api/* (401
/// without a valid bearer), Pages serves the SPA; no Access in front.
pub(super) fn nest(drift: Drift, r: &RecordedRequest) -> TestResponse {
    let path = path_of(r);
    if path == "/health" {
        return json_response(200, json!({ "status": "ok" }));
    }
    if path.starts_with("/api/") {
        return if drift.nest_api_open {
            json_response(200, json!({ "events": [] }))
        } else {
            json_response(401, json!({ "error": "Unauthorized" }))
        };
    }
    if drift.nest_behind_access {
        return TestResponse::redirect(302, &access_login(NEST));
    }
    html(200, "N.E.S.T.")
}

/// nest-firebase.thephenom.app (seed 004): the frozen snapshot behind Cloudflare Access.
fn nest_firebase(drift: Drift) -> TestResponse {
    if drift.nest_firebase_open {
        html(200, "N.E.S.T. (firebase-main)")
    } else {
        TestResponse::redirect(302, &access_login(NEST_FIREBASE))
    }
}

/// Cognito's endpoints for the prod pool (seeds 000, 002, 003, 004).
pub(super) fn cognito(drift: Drift, pool: &Pool, r: &RecordedRequest) -> TestResponse {
    let idp = format!("https://{COGNITO}");
    let path = path_of(r);
    let pool_path = |tail: &str| format!("/{PROD_POOL}/.well-known/{tail}");
    if r.method == "GET" && path == pool_path("openid-configuration") {
        let issuer_pool = if drift.cognito_wrong_issuer {
            STAGING_POOL
        } else {
            PROD_POOL
        };
        return json_response(
            200,
            json!({
                "issuer": format!("{idp}/{issuer_pool}"),
                "jwks_uri": format!("{idp}/{PROD_POOL}/.well-known/jwks.json"),
                "authorization_endpoint": "https://auth.thephenom.app/oauth2/authorize",
                "response_types_supported": ["code", "token"],
                "id_token_signing_alg_values_supported": ["RS256"]
            }),
        );
    }
    if r.method == "GET" && path == pool_path("jwks.json") {
        if drift.jwks_empty {
            return json_response(200, json!({ "keys": [] }));
        }
        return TestResponse::ok(pool.responder.jwks()).header("content-type", "application/json");
    }
    let target = r.header("x-amz-target").unwrap_or_default();
    if r.method == "POST" && path == "/" && target.ends_with(".InitiateAuth") {
        let client = body_json(r)["ClientId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if client == SPA_CLIENT {
            // The prod pool itself: the test issuer signs the accounts in (and refuses others),
            // the token in the body only, as Cognito answers it.
            let mut response = pool.responder.answer(r);
            response.headers.retain(|(name, _)| name != "x-id-token");
            return response;
        }
        let exists = client == SPA_CLIENT_SEED_004 && !drift.seed_004_client_missing;
        let body = if exists {
            json!({ "__type": "UserNotFoundException", "message": "User does not exist." })
        } else {
            json!({ "__type": "ResourceNotFoundException",
                    "message": format!("User pool client {client} does not exist.") })
        };
        return TestResponse::status(400)
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string());
    }
    json_response(404, json!({ "message": "Not Found" }))
}

/// The raw origin behind its mTLS lock: Synapse's client paths.
pub(super) fn origin(r: &RecordedRequest) -> TestResponse {
    match path_of(r) {
        "/_matrix/client/versions" => json_response(200, versions()),
        _ => TestResponse::status(404).body("Not Found"),
    }
}

/// The addresses of a name in the zone: Cloudflare's ranges, as the seeds' proxied names.
fn zone_records(drift: Drift) -> Vec<hickory_proto::rr::Record> {
    let owner = |host: &str| format!("{host}.");
    let mut records = vec![
        rr(&owner(CHAT), 300, "AAAA", "2606:4700:3030::6815:2001"),
        rr(&owner(CHAT), 300, "AAAA", "2606:4700:3036::ac43:8c01"),
        rr(&owner(NEST), 300, "A", "104.21.48.10"),
        rr(&owner(NEST), 300, "AAAA", "2606:4700:3031::6815:300a"),
        rr(&owner(API), 300, "A", "172.67.150.20"),
        rr(&owner(NEST_FIREBASE), 300, "A", "104.16.1.1"),
    ];
    if drift.chat_a_private {
        records.push(rr(&owner(CHAT), 300, "A", "10.0.4.17"));
    } else {
        records.push(rr(&owner(CHAT), 300, "A", "104.21.32.1"));
        records.push(rr(&owner(CHAT), 300, "A", "172.67.140.1"));
    }
    if drift.retired_name_back {
        records.push(rr(&owner(RETIRED_NEST), 300, "A", "104.21.80.1"));
    }
    records
}

pub(super) async fn stand_ins(drift: Drift) -> StandIns {
    let issuer = accounts::prod_pool().await;
    let pool = Pool::of(&issuer);
    let pki = Pki::new();
    let names = [CHAT, NEST, API, NEST_FIREBASE, COGNITO];
    let days_left = if drift.short_cert { 5 } else { 90 };
    let edge_cert_end = whole_second(days_from_now(days_left) + time::Duration::minutes(30));
    let (chain, key) = pki.server_cert(&names, days_from_now(-1), edge_cert_end);
    let edge = TestServer::start(TestServerConfig::https(&chain, &key, move |r| {
        edge(drift, &pool, r)
    }))
    .await;

    let (chain, key) = pki.valid_server_cert(&[ALB, CHAT]);
    let alb = TestServerConfig::https(&chain, &key, origin);
    let alb = if drift.alb_anonymous_accepted {
        alb.optional_client_cert(&pki.client_ca_pem())
    } else {
        alb.require_client_cert(&pki.client_ca_pem())
    };
    let alb_tls = TestServer::start(alb).await;
    let alb_http = TestServer::start(TestServerConfig::http(move |_| {
        if drift.alb_plaintext_served {
            html(200, "phenom-prod-alb")
        } else {
            TestResponse::redirect(301, &format!("https://{ALB}:443/"))
        }
    }))
    .await;

    let dns = dns_server::start_with(ZONE, zone_records(drift)).await;
    // The AOP leaf the edge presents to the origin: clientAuth, 60 days left.
    let origin_cert = pki.client_cert("phenom-aop-origin", days_from_now(-1), days_from_now(60));
    StandIns {
        edge,
        alb_tls,
        alb_http,
        dns,
        ca_pem: pki.ca_pem(),
        origin_cert,
        edge_cert_end,
        issuer,
    }
}

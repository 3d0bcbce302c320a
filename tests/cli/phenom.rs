//! The Phenom team's real checks (checks/*.yaml) and environments (environments/*.yaml) of this
//! repository, run whole against in-process stand-ins on loopback that behave as the seeds say:
//! one HTTPS edge for chat, nest, api, nest-firebase and Cognito (routed on the Host header),
//! the raw origin load balancer (mTLS on its TLS port, a redirect on its plain one), and an
//! authoritative DNS server for `thephenom.app.`. Then the same stand-ins drifted in every
//! claim at once, and exactly the drifted checks fail, each with its own first mismatch.
//!
//! The YAML is read from the repository at test time (never copied into this file) into a
//! temporary project, with one more environment, `standin`: named `prod` (so that
//! `envs: [prod]` checks run), extending prod, and routing every name to 127.0.0.1 (`resolve:`
//! for http and tls, the test DNS server as the only resolver). No real name is resolved by
//! the system and nothing leaves the machine.

use crate::harness::*;
use crate::support::dns_server::{self, DnsServer, rr};
use crate::support::*;
use regex::Regex;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use time::OffsetDateTime;

// ---- what the seeds say ---------------------------------------------------------------------

const CHAT: &str = "chat.thephenom.app";
const NEST: &str = "nest.thephenom.app";
const API: &str = "api.thephenom.app";
const NEST_FIREBASE: &str = "nest-firebase.thephenom.app";
const COGNITO: &str = "cognito-idp.us-east-1.amazonaws.com";
/// Retired on 2026-05-16 (seed 004): its name must not resolve.
const RETIRED_NEST: &str = "nest-prod.thephenom.app";
/// The raw origin load balancer: not in the seeds, so the environment names it.
const ALB: &str = "alb.standin.test";
const ZONE: &str = "thephenom.app.";

/// Where the chat root and non-client paths send visitors (seed 001).
const TRY_URL: &str = "https://try.thephenom.app";
/// The prod and staging Cognito pools (seeds 000, 002, 003).
const PROD_POOL: &str = "us-east-1_knEL7cqS3";
const STAGING_POOL: &str = "us-east-1_n8gO6SbP6";
/// The SPA client as seeds 000 and 001 give it, and as seed 004 gives it.
const SPA_CLIENT: &str = "5vlgjrab90897c45ls9jkf9s2p";
const SPA_CLIENT_SEED_004: &str = "8uun49ru7f3fdvmlc12vqig3a";
/// Seed 001's rooms: legacy alias -> room ID (the aliases do not match the room names).
const ROOMS: [(&str, &str); 4] = [
    ("the-red-room", "!jFXGFANpXTXXgNkdNi"),
    ("internal", "!WXBotwMKlVifIuEeBL"),
    ("partners", "!NvNAXrFhqFBZXUtEkU"),
    ("community", "!dhlPzWDEjiJBhrqORG"),
];
/// The ID `#internal` points at once it drifts: the Analysts room's.
const DRIFTED_INTERNAL: &str = "!NvNAXrFhqFBZXUtEkU";
const CF_RAY: &str = "8f1a2b3c4d5e6f70-IAD";

/// The values prod takes from the process environment: removed from every run here, so that
/// the shell running the tests cannot change what they see.
const PROD_VALUES: [&str; 3] = [
    "PHENOM_PROD_ALB_HOST",
    "PHENOM_ORIGIN_CLIENT_CERT",
    "PHENOM_ORIGIN_CLIENT_KEY",
];

/// The check the whole suite leaves pending: the WAF is still in COUNT mode (seed 001).
const WAF: &str = "chat/the-waf-blocks-anonymous-hasura-admin-paths";

/// Checks of checks/*.yaml found wrong against the seeds (id, its one-line message): the
/// tests expect them to fail until they are fixed. None today.
const WRONG_AGAINST_THE_SEEDS: &[(&str, &str)] = &[];

// ---- drift ----------------------------------------------------------------------------------

/// Which claims the stand-ins break. Each switch breaks one claim of the seeds, and each
/// breaks checks of its own, none of another's (`each_drift_alone_breaks_only_its_own_checks`),
/// so that all on at once every drifted claim is seen.
#[derive(Clone, Copy, Debug, Default)]
struct Drift {
    /// The chat root and non-client paths answer 200 instead of redirecting to the app.
    root_open: bool,
    /// `/_synapse/admin` and below are served (200).
    admin_served: bool,
    /// `/_matrix/client/versions` is redirected (302) like a non-client path.
    versions_redirected: bool,
    /// Chat answers without Cloudflare's `server` and `cf-ray` headers.
    chat_unproxied: bool,
    /// The chat certificate has five days left (another server certificate).
    short_cert: bool,
    /// Login offers SSO and token flows, no `org.matrix.login.jwt`.
    login_without_jwt: bool,
    /// Registration answers 200 with a new user.
    registration_open: bool,
    /// whoami answers 200 without a token.
    whoami_open: bool,
    /// Anonymous introspection of Hasura (chat's `/v1/graphql` and api's) shows `users`.
    hasura_leaks_users: bool,
    /// An anonymous `{ users { id } }` returns data.
    table_query_answers: bool,
    /// The N.E.S.T. SPA (`/`, `/sign-in`) is behind Cloudflare Access again.
    nest_behind_access: bool,
    /// `/api/*` answers 200 without a bearer.
    nest_api_open: bool,
    /// nest-firebase serves its snapshot to anyone (no Access).
    nest_firebase_open: bool,
    /// The prod pool's discovery document names the staging pool as issuer.
    cognito_wrong_issuer: bool,
    /// The prod pool publishes no signing keys.
    jwks_empty: bool,
    /// Seed 004's SPA client does not exist in the prod pool.
    seed_004_client_missing: bool,
    /// `#internal` points at the Analysts room.
    internal_alias_moved: bool,
    /// The raw origin accepts a client without a certificate.
    alb_anonymous_accepted: bool,
    /// The raw origin's port 80 serves a page (200) instead of redirecting.
    alb_plaintext_served: bool,
    /// chat's A record is a private address (10.0.0.0/8): DNS-only, not proxied.
    chat_a_private: bool,
    /// The retired nest-prod name resolves again.
    retired_name_back: bool,
    /// The WAF rule on Hasura admin paths blocks (403 from Cloudflare): the pending check
    /// now passes.
    waf_blocks: bool,
}

/// A switch of [`Drift`]: its name, and how it is turned on.
type Switch = (&'static str, fn(&mut Drift));

/// Every switch of [`Drift`].
const SWITCHES: [Switch; 22] = [
    ("root_open", |d| d.root_open = true),
    ("admin_served", |d| d.admin_served = true),
    ("versions_redirected", |d| d.versions_redirected = true),
    ("chat_unproxied", |d| d.chat_unproxied = true),
    ("short_cert", |d| d.short_cert = true),
    ("login_without_jwt", |d| d.login_without_jwt = true),
    ("registration_open", |d| d.registration_open = true),
    ("whoami_open", |d| d.whoami_open = true),
    ("hasura_leaks_users", |d| d.hasura_leaks_users = true),
    ("table_query_answers", |d| d.table_query_answers = true),
    ("nest_behind_access", |d| d.nest_behind_access = true),
    ("nest_api_open", |d| d.nest_api_open = true),
    ("nest_firebase_open", |d| d.nest_firebase_open = true),
    ("cognito_wrong_issuer", |d| d.cognito_wrong_issuer = true),
    ("jwks_empty", |d| d.jwks_empty = true),
    ("seed_004_client_missing", |d| {
        d.seed_004_client_missing = true
    }),
    ("internal_alias_moved", |d| d.internal_alias_moved = true),
    ("alb_anonymous_accepted", |d| {
        d.alb_anonymous_accepted = true
    }),
    ("alb_plaintext_served", |d| d.alb_plaintext_served = true),
    ("chat_a_private", |d| d.chat_a_private = true),
    ("retired_name_back", |d| d.retired_name_back = true),
    ("waf_blocks", |d| d.waf_blocks = true),
];

impl Drift {
    /// Every claim wrong at once.
    fn all() -> Drift {
        let mut drift = Drift::default();
        for (_, turn_on) in SWITCHES {
            turn_on(&mut drift);
        }
        drift
    }

    /// Only the switch named `name`.
    fn only(name: &str) -> Drift {
        let (_, turn_on) = SWITCHES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no switch {name}"));
        let mut drift = Drift::default();
        turn_on(&mut drift);
        drift
    }
}

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
fn proxied(response: TestResponse) -> TestResponse {
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
fn edge(drift: Drift, r: &RecordedRequest) -> TestResponse {
    let host = r.host.as_deref().unwrap_or_default();
    let host = host
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match host.as_str() {
        CHAT => chat(drift, r),
        API => proxied(api(drift, r)),
        NEST => proxied(nest(drift, r)),
        NEST_FIREBASE => proxied(nest_firebase(drift)),
        COGNITO => cognito(drift, r),
        _ => TestResponse::status(421).body(format!("no stand-in for host {host:?}")),
    }
}

/// `/_matrix/client/versions`, as Synapse 1.105 answers it.
fn versions() -> Value {
    json!({
        "versions": ["r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8",
                     "v1.9", "v1.10"],
        "unstable_features": { "org.matrix.msc3916.stable": true }
    })
}

/// chat.thephenom.app (seed 001): Synapse and Hasura behind Cloudflare; root and non-client
/// paths 302 to the app download, the admin UI gone, client paths served.
fn chat(drift: Drift, r: &RecordedRequest) -> TestResponse {
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
fn room(drift: Drift, alias: &str) -> TestResponse {
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
fn hasura(drift: Drift, r: &RecordedRequest) -> TestResponse {
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
fn api(drift: Drift, r: &RecordedRequest) -> TestResponse {
    match (r.method.as_str(), path_of(r)) {
        ("POST", "/v1/graphql") => hasura(drift, r),
        _ => json_response(
            404,
            json!({ "code": "not-found", "error": "resource does not exist" }),
        ),
    }
}

/// The Cloudflare Access login a protected host redirects to.
fn access_login(host: &str) -> String {
    format!(
        "https://phenom.cloudflareaccess.com/cdn-cgi/access/login/{host}\
         ?kid=5b03335e886150d8&redirect_url=%2F&meta=eyJ0eXAiOiJKV1QifQ"
    )
}

/// nest.thephenom.app (seeds 002, 003, 004): the Worker serves /health and /api/* (401
/// without a valid bearer), Pages serves the SPA; no Access in front.
fn nest(drift: Drift, r: &RecordedRequest) -> TestResponse {
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
fn cognito(drift: Drift, r: &RecordedRequest) -> TestResponse {
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
        let keys = if drift.jwks_empty {
            json!([])
        } else {
            json!([
                { "alg": "RS256", "e": "AQAB", "kid": "k1", "kty": "RSA", "n": "x1", "use": "sig" },
                { "alg": "RS256", "e": "AQAB", "kid": "k2", "kty": "RSA", "n": "x2", "use": "sig" }
            ])
        };
        return json_response(200, json!({ "keys": keys }));
    }
    let target = r.header("x-amz-target").unwrap_or_default();
    if r.method == "POST" && path == "/" && target.ends_with(".InitiateAuth") {
        let client = body_json(r)["ClientId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let exists = client == SPA_CLIENT
            || (client == SPA_CLIENT_SEED_004 && !drift.seed_004_client_missing);
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
fn origin(r: &RecordedRequest) -> TestResponse {
    match path_of(r) {
        "/_matrix/client/versions" => json_response(200, versions()),
        _ => TestResponse::status(404).body("Not Found"),
    }
}

// ---- the stand-ins --------------------------------------------------------------------------

/// Every server the checks reach, and the files the project needs from them.
struct StandIns {
    edge: TestServer,
    alb_tls: TestServer,
    alb_http: TestServer,
    dns: DnsServer,
    ca_pem: String,
    origin_cert: (String, String),
    /// When the edge's certificate ends (a whole second).
    edge_cert_end: OffsetDateTime,
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

async fn stand_ins(drift: Drift) -> StandIns {
    let pki = Pki::new();
    let names = [CHAT, NEST, API, NEST_FIREBASE, COGNITO];
    let days_left = if drift.short_cert { 5 } else { 90 };
    let edge_cert_end = whole_second(days_from_now(days_left) + time::Duration::minutes(30));
    let (chain, key) = pki.server_cert(&names, days_from_now(-1), edge_cert_end);
    let edge = TestServer::start(TestServerConfig::https(&chain, &key, move |r| {
        edge(drift, r)
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
    }
}

/// This repository: its checks/ and environments/ are what the tests run.
fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A project made of the repository's checks and environments as they are now, the stand-in
/// environment, and the test PKI's files under `pki/`.
fn phenom_project(s: &StandIns) -> Project {
    let p = Project::new();
    for folder in ["checks", "environments"] {
        let entries = std::fs::read_dir(repository().join(folder))
            .unwrap_or_else(|e| panic!("cannot read {folder}/ of the repository: {e}"));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_file() {
                let name = path.file_name().expect("a file name").to_string_lossy();
                let text = std::fs::read_to_string(&path).expect("a text file");
                p.write(&format!("{folder}/{name}"), &text);
            }
        }
    }
    let https = s.edge.port();
    p.write(
        "environments/standin.yaml",
        &format!(
            r#"# Every name of prod routed to the stand-ins on 127.0.0.1.
name: prod
extends: prod
vars: {{ alb_host: {ALB}, origin_client_cert: ../pki/origin.pem, origin_client_key: ../pki/origin.key }}
resolve:
  "{CHAT}": "127.0.0.1:{https}"
  "{NEST}": "127.0.0.1:{https}"
  "{API}": "127.0.0.1:{https}"
  "{NEST_FIREBASE}": "127.0.0.1:{https}"
  "{COGNITO}": "127.0.0.1:{https}"
  "{ALB}:443": "127.0.0.1:{alb_tls}"
  "{ALB}:80": "127.0.0.1:{alb_http}"
resolvers: ["{dns}"]
tls: {{ ca_file: ../pki/ca.pem }}
defaults: {{ timeout: 3s, retries: 0 }}
"#,
            alb_tls = s.alb_tls.port(),
            alb_http = s.alb_http.port(),
            dns = s.dns.addr(),
        ),
    );
    p.write("pki/ca.pem", &s.ca_pem);
    p.write("pki/origin.pem", &s.origin_cert.0);
    p.write("pki/origin.key", &s.origin_cert.1);
    p
}

// ---- running the binary ---------------------------------------------------------------------

/// Runs `conform <args>` (NO_COLOR=1) without the values prod takes from the process
/// environment, whatever the shell that runs the tests sets.
async fn phenom(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || run_without_prod_values(&args))
        .await
        .expect("the runner thread")
}

fn run_without_prod_values(args: &[String]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
    command.args(args).env("NO_COLOR", "1");
    for name in PROD_VALUES {
        command.env_remove(name);
    }
    run_bounded(command, args)
}

/// `conform list --env standin --dir <dir> <filters>`: the ids of the plan, in its order.
async fn listed(dir: &str, filters: &[&str]) -> Vec<String> {
    let mut args = vec!["list", "--env", "standin", "--dir", dir];
    args.extend_from_slice(filters);
    let out = phenom(&args).await;
    out.assert_code_quiet(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let (last, plan) = lines.split_last().expect("a closing line");
    assert_eq!(
        *last,
        format!("{} checks for env prod", plan.len()),
        "{out}"
    );
    assert!(
        plan.iter().all(|l| !l.contains("needs values not set")),
        "the stand-in environment sets every value:\n{out}"
    );
    plan.iter()
        .map(|l| l.split("  ").next().expect("an id").to_string())
        .collect()
}

async fn run_standin(p: &Project, filters: &[&str]) -> Output {
    let dir = p.dir_arg();
    let mut args = vec!["run", "--env", "standin", "--dir", dir.as_str()];
    args.extend_from_slice(filters);
    phenom(&args).await
}

// ---- helpers --------------------------------------------------------------------------------

/// The hosts the edge was asked for, each once.
fn hosts_seen(server: &TestServer) -> BTreeSet<String> {
    server
        .requests()
        .into_iter()
        .filter_map(|r| r.host)
        .collect()
}

/// The suite of a check id of the form `<suite>/<slug>`.
fn suite_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(suite, _)| suite)
}

/// Asserts the details of a check that is wrong against the seeds: its one-line message.
#[track_caller]
fn assert_wrong_checks(out: &Output) {
    for (id, message) in WRONG_AGAINST_THE_SEEDS {
        let (label, _, _) = out
            .checks()
            .into_iter()
            .find(|(_, i, _)| i == id)
            .unwrap_or_else(|| panic!("{id} did not run:\n{out}"));
        assert_eq!(
            label, "FAIL",
            "{id} now passes against the seeds' stand-ins: remove it from \
             WRONG_AGAINST_THE_SEEDS\n{out}"
        );
        assert_eq!(out.details_of(id)[1], *message, "{out}");
    }
}

/// The ids of `WRONG_AGAINST_THE_SEEDS`.
fn wrong_ids() -> BTreeSet<&'static str> {
    WRONG_AGAINST_THE_SEEDS.iter().map(|(id, _)| *id).collect()
}

// ---- the tests ------------------------------------------------------------------------------

/// The whole prod suite against stand-ins that behave as the seeds say: every check passes
/// but the WAF's, which is pending (COUNT mode), and those `WRONG_AGAINST_THE_SEEDS` lists;
/// the JUnit report agrees suite by suite, and each stand-in saw what it should have.
#[tokio::test(flavor = "multi_thread")]
async fn the_whole_prod_suite_passes_against_standins() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let dir = p.dir_arg();
    let plan = listed(&dir, &[]).await;
    assert!(plan.iter().any(|id| id == WAF), "{plan:?}");
    let wrong = wrong_ids();

    let out = run_standin(&p, &[]).await;
    out.assert_code(if wrong.is_empty() { 0 } else { 1 });
    assert_eq!(out.stderr, "", "{out}");
    let mut not_passing = vec![(WAF, "PENDING")];
    not_passing.extend(wrong.iter().map(|id| (*id, "FAIL")));
    assert_eq!(out.outcomes(), outcomes_of(&plan, &not_passing), "{out}");
    out.assert_summary(&format!(
        "{} passed, {} failed, 0 errors, 1 pending",
        plan.len() - 1 - wrong.len(),
        wrong.len()
    ));
    assert_wrong_checks(&out);
    // Pending: the WAF counts, Hasura itself answers 400.
    let d = out.details_of(WAF);
    assert_eq!(
        d[1..4],
        ["status", "  expected: 403", "  actual:   400"],
        "{out}"
    );
    assert!(d[4].starts_with("pending: "), "{out}");

    // JUnit: each suite holds the checks `list --suite` names; the WAF's case is skipped.
    let xml = p.junit();
    let doc = parse(&xml);
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    let mut sorted = suites.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["chat", "cognito", "dns", "hasura", "nest", "origin"],
        "{xml}"
    );
    let mut total = 0;
    for name in suites {
        let tests = listed(&dir, &["--suite", name]).await.len();
        total += tests;
        let failures = wrong.iter().filter(|id| suite_of(id) == name).count();
        let skipped = usize::from(name == suite_of(WAF));
        let want = [tests, failures, 0, skipped].map(|n| n.to_string());
        assert_eq!(counts(suite(&doc, name)), want, "suite {name}:\n{xml}");
    }
    assert_eq!(total, plan.len(), "{xml}");
    let skipped: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && has_child(*n, "skipped"))
        .collect();
    assert_eq!(skipped.len(), 1, "{xml}");
    let message = child(skipped[0], "skipped").attribute("message");
    assert!(message.is_some_and(|m| m.starts_with("pending: ")), "{xml}");

    // What the stand-ins saw: every host of the edge, each over TLS with its own name; the
    // raw origin one request, with the origin identity, and one refused handshake; port 80
    // one request for the ALB's own name.
    let hosts: BTreeSet<String> = [API, CHAT, COGNITO, NEST, NEST_FIREBASE]
        .map(String::from)
        .into();
    assert_eq!(hosts_seen(&s.edge), hosts);
    for r in s.edge.requests() {
        assert_eq!(r.sni, r.host, "{r:?}");
    }
    let origin_requests = s.alb_tls.requests();
    assert_eq!(origin_requests.len(), 1, "{origin_requests:?}");
    let r = &origin_requests[0];
    assert_eq!(
        (r.path.as_str(), r.host.as_deref(), r.sni.as_deref()),
        ("/_matrix/client/versions", Some(CHAT), Some(CHAT))
    );
    assert_eq!(r.client_cert, Some(cert_der(&s.origin_cert.0)));
    assert_eq!(
        s.alb_tls.tls_failures().len(),
        1,
        "one anonymous handshake refused"
    );
    let plain = s.alb_http.requests();
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert_eq!(plain[0].host.as_deref(), Some(ALB));
}

/// What a drifted check shows first: the one-line message, then the first mismatch as
/// field, expected and actual; `more` is how many mismatches follow it.
struct Drifted {
    /// The [`Drift`] switch that breaks it.
    switch: &'static str,
    id: &'static str,
    field: &'static str,
    expected: String,
    actual: String,
    more: usize,
}

fn drifted(
    switch: &'static str,
    id: &'static str,
    field: &'static str,
    expected: &str,
    actual: &str,
    more: usize,
) -> Drifted {
    Drifted {
        switch,
        id,
        field,
        expected: expected.to_string(),
        actual: actual.to_string(),
        more,
    }
}

/// Cloudflare's published IPv4 ranges, as the dns checks list them and the judge shows them.
const CLOUDFLARE_V4: &str = "173.245.48.0/20, 103.21.244.0/22, 103.22.200.0/22, \
    103.31.4.0/22, 141.101.64.0/18, 108.162.192.0/18, 190.93.240.0/20, 188.114.96.0/20, \
    197.234.240.0/22, 198.41.128.0/17, 162.158.0.0/15, 104.16.0.0/13, 104.24.0.0/14, \
    172.64.0.0/13, 131.0.72.0/22";

/// The check of each drifted claim but the short certificate's and the WAF's (whose first
/// lines are not one fixed text), as it fails.
fn drift_failures() -> Vec<Drifted> {
    let location = |to: &str| format!("\"{to}\"");
    vec![
        // chat (seed 001)
        drifted("root_open", "chat/root-redirect", "status", "302", "200", 1),
        drifted(
            "root_open",
            "chat/a-non-client-path-redirects-to-the-app-download",
            "status",
            "302",
            "200",
            1,
        ),
        drifted(
            "admin_served",
            "chat/synapse-admin-ui-is-not-served",
            "status",
            "404",
            "200",
            0,
        ),
        drifted(
            "admin_served",
            "chat/synapse-admin-api-below-the-admin-path-is-not-served",
            "status",
            "404",
            "200",
            0,
        ),
        drifted(
            "versions_redirected",
            "chat/client-versions-endpoint-is-served-not-redirected",
            "status",
            "200",
            "302",
            1,
        ),
        drifted(
            "chat_unproxied",
            "chat/chat-is-proxied-by-cloudflare",
            "header server",
            "\"cloudflare\"",
            "absent",
            1,
        ),
        drifted(
            "login_without_jwt",
            "chat/login-offers-jwt-and-sso-flows",
            "body json $.flows[*].type",
            "contains \"org.matrix.login.jwt\" and contains \"m.login.sso\"",
            "[\"m.login.sso\", \"m.login.token\"]",
            0,
        ),
        drifted(
            "registration_open",
            "chat/registration-is-disabled",
            "status",
            "403",
            "200",
            1,
        ),
        drifted(
            "whoami_open",
            "chat/unauthenticated-client-calls-get-401",
            "status",
            "401",
            "200",
            1,
        ),
        drifted(
            "hasura_leaks_users",
            "chat/the-data-plane-gives-anonymous-callers-no-queries",
            "body json $.data.__schema.queryType.fields[*].name",
            "[\"no_queries_available\"]",
            "[\"users\", \"users_by_pk\"]",
            0,
        ),
        drifted(
            "internal_alias_moved",
            "chat/internal-resolves-to-staff",
            "body json $.room_id",
            "starts with \"!WXBotwMKlVifIuEeBL\"",
            &location(&format!("{DRIFTED_INTERNAL}:chat.thephenom.app")),
            0,
        ),
        // cognito (seeds 000, 002, 003, 004)
        drifted(
            "cognito_wrong_issuer",
            "cognito/the-pool-s-issuer-is-the-pool-itself",
            "body json $.issuer",
            &location(&format!("https://{COGNITO}/{PROD_POOL}")),
            &location(&format!("https://{COGNITO}/{STAGING_POOL}")),
            0,
        ),
        drifted(
            "jwks_empty",
            "cognito/the-pool-publishes-signing-keys",
            "body json $.keys",
            "count > 0",
            "[]",
            // `each: RS256` over no keys does not hold either.
            1,
        ),
        drifted(
            "seed_004_client_missing",
            "cognito/the-spa-client-of-seed-004-exists-in-the-prod-pool",
            "body json $.__type",
            "one of [\"UserNotFoundException\", \"NotAuthorizedException\", \
             \"InvalidParameterException\"]",
            "\"ResourceNotFoundException\"",
            0,
        ),
        // dns (seeds 001, 004)
        drifted(
            "chat_a_private",
            "dns/chat-resolves-only-into-cloudflare-ipv4",
            "answers",
            &format!("in {CLOUDFLARE_V4}"),
            "[\"10.0.4.17\"]",
            0,
        ),
        drifted(
            "retired_name_back",
            "dns/the-retired-nest-prod-name-no-longer-resolves",
            "rcode",
            "\"NXDOMAIN\"",
            "\"NOERROR\"",
            0,
        ),
        // hasura (seeds 000, 001, 003)
        drifted(
            "hasura_leaks_users",
            "hasura/anonymous-introspection-sees-only-no-queries-available",
            "body json $.data.__schema.queryType.fields[*].name",
            "[\"no_queries_available\"]",
            "[\"users\", \"users_by_pk\"]",
            0,
        ),
        drifted(
            "table_query_answers",
            "hasura/an-anonymous-table-query-fails-validation",
            "body json $.errors[*].extensions.code",
            "contains \"validation-failed\"",
            "[]",
            1,
        ),
        // nest (seeds 002, 003, 004)
        drifted(
            "nest_api_open",
            "nest/api-refuses-callers-without-a-bearer-token",
            "status",
            "401",
            "200",
            0,
        ),
        drifted(
            "nest_api_open",
            "nest/api-refuses-a-malformed-bearer-token",
            "status",
            "401",
            "200",
            0,
        ),
        drifted(
            "nest_behind_access",
            "nest/the-spa-is-served-with-no-cloudflare-access-in-front",
            "status",
            "200",
            "302",
            2,
        ),
        drifted(
            "nest_behind_access",
            "nest/the-sign-in-page-is-served-by-the-spa-not-access",
            "status",
            "200",
            "302",
            1,
        ),
        drifted(
            "nest_firebase_open",
            "nest/nest-firebase-is-behind-cloudflare-access",
            "status",
            "302",
            "200",
            1,
        ),
        // origin (seed 001, "Edge and transport security")
        drifted(
            "alb_anonymous_accepted",
            "origin/the-raw-origin-refuses-a-client-without-a-certificate",
            "handshake",
            "rejected",
            "accepted",
            0,
        ),
        drifted(
            "alb_plaintext_served",
            "origin/port-80-redirects-to-https",
            "status",
            "301",
            "200",
            1,
        ),
    ]
}

/// The chat certificate's check, failed by `short_cert`.
const SHORT_CERT: &str = "chat/chat-certificate-is-valid-with-more-than-21-days-left";

/// (label, id) of every check of `plan`, sorted by id: `PASS` but for `not_passing`.
fn outcomes_of(plan: &[String], not_passing: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = plan
        .iter()
        .map(|id| {
            let label = not_passing
                .iter()
                .find(|(i, _)| i == id)
                .map_or("PASS", |(_, label)| label);
            (label.to_string(), id.clone())
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

/// Every check a switch breaks, with the label it gets: (switch, id, label).
fn broken_by_switch() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v: Vec<_> = drift_failures()
        .into_iter()
        .map(|f| (f.switch, f.id, "FAIL"))
        .collect();
    v.push(("short_cert", SHORT_CERT, "FAIL"));
    v.push(("waf_blocks", WAF, "FIXED"));
    v
}

/// The same stand-ins with every claim drifted at once: exactly the drifted checks fail
/// (and the pending WAF check is fixed), each with its own first mismatch; the checks of
/// claims that held still pass. Exit 1.
#[tokio::test(flavor = "multi_thread")]
async fn drifted_standins_fail_exactly_the_drifted_claims() {
    let s = stand_ins(Drift::all()).await;
    let p = phenom_project(&s);
    let plan = listed(&p.dir_arg(), &[]).await;
    let out = run_standin(&p, &[]).await;
    out.assert_code_quiet(1);

    let location = |to: &str| format!("\"{to}\"");
    let failures = drift_failures();

    // Exactly these checks do not pass: those the switches break (the WAF's is fixed), and
    // the checks that are wrong against the seeds whatever the world does.
    let mut not_passing: Vec<(&str, &str)> = broken_by_switch()
        .into_iter()
        .map(|(_, id, label)| (id, label))
        .collect();
    not_passing.extend(wrong_ids().into_iter().map(|id| (id, "FAIL")));
    let expected = outcomes_of(&plan, &not_passing);
    assert_eq!(out.outcomes(), expected, "{out}");
    let failed = not_passing.len() - 1;
    out.assert_summary(&format!(
        "{} passed, {failed} failed, 0 errors, 0 pending, 1 fixed",
        plan.len() - failed - 1
    ));

    for f in &failures {
        let more = match f.more {
            0 => String::new(),
            n => format!(" (+{n} more)"),
        };
        let d = out.details_of(f.id);
        assert_eq!(
            d[1..5],
            [
                format!(
                    "{}: expected {}, got {}{more}",
                    f.field, f.expected, f.actual
                ),
                f.field.to_string(),
                format!("  expected: {}", f.expected),
                format!("  actual:   {}", f.actual),
            ],
            "{}:\n{out}",
            f.id
        );
    }
    // The locations the drifted redirects name, where the check showed them.
    let spa = out.details_of("nest/the-spa-is-served-with-no-cloudflare-access-in-front");
    let access = location(&access_login(NEST));
    assert!(spa.contains(&format!("  actual:   {access}")), "{out}");
    let root = out.details_of("chat/root-redirect");
    let try_url = location(TRY_URL);
    assert!(root.contains(&format!("  expected: {try_url}")), "{out}");

    // Five days and a half hour left (less the seconds since it was made), on the leaf
    // alone: both `expires_in` and `chain_expires_in` fail.
    let not_after = utc_text(s.edge_cert_end);
    let left = r"5d (29m \d+s|30m)";
    let d = out.details_of(SHORT_CERT);
    assert_matches(
        &format!(
            r"^cert expires_in: expected > 21d, got {left} \(not after {not_after}\) \(\+1 more\)$"
        ),
        &d[1],
        &out,
    );
    assert_eq!(d[2..4], ["cert expires_in", "  expected: > 21d"], "{out}");
    assert_matches(
        &format!(r"^  actual:   {left} \(not after {not_after}\)$"),
        &d[4],
        &out,
    );
    assert_eq!(
        d[5..7],
        ["cert chain_expires_in", "  expected: > 14d"],
        "{out}"
    );
    assert_matches(
        &format!(r"^  actual:   {left} \(the leaf, not after {not_after}\)$"),
        &d[7],
        &out,
    );

    // Fixed: the WAF blocks now, and the run says to remove `pending`.
    assert_eq!(
        out.details_of(WAF)[1],
        "pending check now passes: remove `pending`",
        "{out}"
    );
    assert_wrong_checks(&out);

    // JUnit: the same counts, fixed counted with the failures.
    let xml = p.junit();
    let doc = parse(&xml);
    let mut sums = [0usize; 4];
    for node in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        for (sum, n) in sums.iter_mut().zip(counts(node)) {
            *sum += n.parse::<usize>().expect("a count");
        }
    }
    assert_eq!(sums, [plan.len(), failed + 1, 0, 0], "{xml}");

    // The raw origin let an anonymous client finish its handshake, and still served the
    // identified one.
    assert!(
        s.alb_tls.tls_failures().is_empty(),
        "{:?}",
        s.alb_tls.tls_failures()
    );
    assert_eq!(s.alb_tls.requests().len(), 1);
}

/// Each switch alone, all at once in separate runs: every switch breaks exactly its own
/// checks and no other's, so no drift hides another in the all-at-once run above, and the
/// switches between them break every check that run fails.
#[tokio::test(flavor = "multi_thread")]
async fn each_drift_alone_breaks_only_its_own_checks() {
    const AT_ONCE: usize = 4;
    // A few runs at a time: on a loaded machine a stand-in that answers late looks to the
    // tls probe like one that does not answer (its refusal wait is 300 ms on loopback).
    let mut runs = Vec::new();
    for batch in SWITCHES.chunks(AT_ONCE) {
        runs.extend(
            futures::future::join_all(batch.iter().map(|(name, _)| async move {
                let s = stand_ins(Drift::only(name)).await;
                let p = phenom_project(&s);
                let out = run_standin(&p, &[]).await;
                (*name, out)
            }))
            .await,
        );
    }
    let broken = broken_by_switch();
    let wrong = wrong_ids();
    for (name, out) in &runs {
        out.assert_code(1);
        let mut seen: Vec<(String, String)> = out
            .outcomes()
            .into_iter()
            .filter(|(label, id)| {
                let excused = label == "PENDING" && id == WAF;
                label != "PASS" && !excused && !wrong.contains(id.as_str())
            })
            .collect();
        seen.sort();
        let mut want: Vec<(String, String)> = broken
            .iter()
            .filter(|(switch, _, _)| switch == name)
            .map(|(_, id, label)| (label.to_string(), id.to_string()))
            .collect();
        want.sort();
        assert!(!want.is_empty(), "switch {name} breaks nothing");
        assert_eq!(seen, want, "switch {name} alone:\n{out}");
        assert_eq!(out.stderr, "", "{out}");
    }
    let names: BTreeSet<&str> = broken.iter().map(|(switch, _, _)| *switch).collect();
    let all: BTreeSet<&str> = SWITCHES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, all, "every switch breaks a check of the table");
}

/// The deploy gate: `--tag gate` runs exactly the checks `list --tag gate` names, all pass,
/// and nothing else is probed (no nightly path reaches a stand-in).
#[tokio::test(flavor = "multi_thread")]
async fn the_gate_runs_only_gate_checks_and_passes() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let dir = p.dir_arg();
    let gate = listed(&dir, &["--tag", "gate"]).await;
    let all = listed(&dir, &[]).await;
    assert!(!gate.is_empty() && gate.len() < all.len(), "{gate:?}");
    assert!(!gate.iter().any(|id| id == WAF), "{gate:?}");
    let wrong = wrong_ids();

    let out = run_standin(&p, &["--tag", "gate"]).await;
    let failing: Vec<(&str, &str)> = gate
        .iter()
        .filter_map(|id| wrong.get(id.as_str()).map(|id| (*id, "FAIL")))
        .collect();
    out.assert_code(if failing.is_empty() { 0 } else { 1 });
    assert_eq!(out.stderr, "", "{out}");
    assert_eq!(out.outcomes(), outcomes_of(&gate, &failing), "{out}");
    out.assert_summary(&format!(
        "{} passed, {} failed, 0 errors, 0 pending",
        gate.len() - failing.len(),
        failing.len()
    ));

    // Nightly-only probes never ran: no /mcp, no admin API, no room lookups, and the raw
    // origin saw only the anonymous handshake the gate tries (refused), no request.
    let paths = paths(&s.edge);
    for nightly in [
        "/mcp",
        "/_synapse/admin/v1/server_version",
        "/_synapse/client/oidc/callback",
    ] {
        assert!(!paths.iter().any(|p| p == nightly), "{paths:?}");
    }
    assert!(
        !paths.iter().any(|p| p.contains("/directory/room/")),
        "{paths:?}"
    );
    assert!(s.alb_tls.requests().is_empty());
    assert_eq!(s.alb_tls.tls_failures().len(), 1);
}

/// `validate --all-envs` on the repository itself, with none of the values prod takes from
/// the process environment: every runnable environment is valid (exit 0), and the only
/// warnings are about those values.
#[tokio::test(flavor = "multi_thread")]
async fn the_repository_validates_in_every_environment_without_the_origin_values() {
    let dir = repository().display().to_string();
    let out = phenom(&["validate", "--all-envs", "--dir", &dir]).await;
    out.assert_code(0);

    // The runnable environments: every file of environments/ but the abstract ones.
    let mut runnable: Vec<String> = std::fs::read_dir(repository().join("environments"))
        .expect("environments/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).expect("a text file");
            !text.lines().any(|l| l.trim() == "abstract: true")
        })
        .map(|p| {
            p.file_stem()
                .expect("a stem")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    runnable.sort();
    assert!(runnable.iter().any(|e| e == "prod"), "{runnable:?}");
    let line = Regex::new(r"^env (\S+): \d+ checks in \d+ suites are valid(.*)$").unwrap();
    let mut seen = Vec::new();
    for l in out.stdout.lines() {
        let caps = line
            .captures(l)
            .unwrap_or_else(|| panic!("unexpected line {l:?}\n{out}"));
        let (env, rest) = (caps[1].to_string(), &caps[2]);
        if env == "prod" {
            assert_matches(
                r"^ \(\d+ values are not set here; `run` needs them\)$",
                rest,
                &out,
            );
        }
        seen.push(env);
    }
    assert_eq!(seen, runnable, "{out}");

    // Warnings only, each about one of prod's values from the process environment.
    assert!(!out.stderr.is_empty(), "{out}");
    for l in out.stderr.lines() {
        assert!(l.starts_with("warning: env prod: "), "{l:?}\n{out}");
        assert!(
            PROD_VALUES
                .iter()
                .any(|v| l.contains(&format!("`{v}` is not set"))),
            "{l:?}\n{out}"
        );
    }
}

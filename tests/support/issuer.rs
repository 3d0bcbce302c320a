//! A token issuer on loopback, shaped like Cognito: `POST /` with
//! `x-amz-target: AWSCognitoIdentityProviderService.InitiateAuth` signs a user in
//! (`USER_PASSWORD_AUTH`) and answers `{"AuthenticationResult":{"IdToken": ...}}`; `GET
//! /jwks.json` serves the public keys; `GET /token/<name>` answers a token a test minted
//! itself (expired, tampered, unsigned) in the same shape. Every key is made at test time,
//! except the RSA one: ring signs with RSA but cannot make a key, so the RSA 2048 key is a
//! test-only key in `issuer/rsa2048.pem`, used for nothing else.
//!
//! [`Issuer::verify`] checks a bearer token as a resource server would.

mod keys;

pub use keys::{Alg, SigningKey};

use super::server::{TestResponse, TestServer, TestServerConfig};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The refresh token every sign-in hands out, shaped as Cognito's (a compact JWE: header,
/// encrypted key, IV, ciphertext, tag), and distinctive past its header, so that any 6
/// characters of it there in an output are a leak.
pub const REFRESH_TOKEN: &str = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.\
    qX7vR2mK9wLp4TzN8cJd.bH3sY6fQ1gVk.rT9xQ2vLk7Zm4Wc8Np3Hs6Jd5Ua0Ey.Gw2Fq8Zr4Mt6Yb1N";

/// A user of the pool.
#[derive(Clone, Debug)]
pub struct User {
    pub username: String,
    pub password: String,
    pub groups: Vec<String>,
}

#[derive(Default)]
struct State {
    /// The keys the JWKS publishes.
    published: Vec<Arc<SigningKey>>,
    /// The key that signs sign-ins.
    signer: Option<Arc<SigningKey>>,
    users: Vec<User>,
    /// `GET /token/<name>` answers.
    tokens: HashMap<String, String>,
    client_id: String,
    /// The `iss` of the tokens it signs and the verifier wants.
    iss: String,
    /// The `aud` of the tokens it signs, when not the client id (a misconfigured client).
    audience: Option<String>,
    /// Seconds from `iat` to `exp` of the tokens it signs (negative: born expired).
    lifetime: i64,
    /// Every token a sign-in handed out, in order.
    issued: Vec<String>,
}

/// The running issuer. Its `iss` is [`Issuer::iss`], its JWKS [`Issuer::jwks_url`].
pub struct Issuer {
    pub server: TestServer,
    state: Arc<Mutex<State>>,
}

impl Issuer {
    /// An issuer for the app client `client_id`, signing with `signer` (also published).
    pub async fn start(client_id: &str, signer: SigningKey) -> Issuer {
        let signer = Arc::new(signer);
        let state = Arc::new(Mutex::new(State {
            published: vec![Arc::clone(&signer)],
            signer: Some(signer),
            client_id: client_id.to_string(),
            lifetime: 3600,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let server = TestServer::start(TestServerConfig::http(move |r| answer(&shared, r))).await;
        state.lock().unwrap().iss = server.url("/pool");
        Issuer { server, state }
    }

    /// The `iss` claim of the tokens it signs: `http://127.0.0.1:<port>/pool` unless
    /// [`Issuer::sign_as`] says otherwise.
    pub fn iss(&self) -> String {
        self.state.lock().unwrap().iss.clone()
    }

    /// Signs as `iss` from now on (a stand-in answering for a real pool's name).
    pub fn sign_as(&self, iss: &str) {
        self.state.lock().unwrap().iss = iss.to_string();
    }

    /// Signs tokens for `aud` instead of the client id from now on.
    pub fn sign_for_audience(&self, aud: &str) {
        self.state.lock().unwrap().audience = Some(aud.to_string());
    }

    /// Signs tokens that end `seconds` after they are made (negative: already expired).
    pub fn sign_lasting(&self, seconds: i64) {
        self.state.lock().unwrap().lifetime = seconds;
    }

    /// Every ID token a sign-in handed out, in order.
    pub fn issued(&self) -> Vec<String> {
        self.state.lock().unwrap().issued.clone()
    }

    /// Answers a request as the issuer's own server does, for a server that stands in for
    /// more than the issuer (its handler outlives no borrow of the issuer).
    pub fn responder(&self) -> Responder {
        Responder {
            state: Arc::clone(&self.state),
        }
    }

    /// The key set `GET /jwks.json` answers, for another server to serve.
    pub fn jwks(&self) -> String {
        jwks(&self.state.lock().unwrap())
    }

    pub fn jwks_url(&self) -> String {
        self.server.url("/jwks.json")
    }

    /// How many times the JWKS was asked for.
    pub fn jwks_requests(&self) -> usize {
        let requests = self.server.requests();
        requests.iter().filter(|r| r.path == "/jwks.json").count()
    }

    pub fn add_user(&self, username: &str, password: &str, groups: &[&str]) {
        self.state.lock().unwrap().users.push(User {
            username: username.into(),
            password: password.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        });
    }

    /// Publishes another key in the JWKS (kept alive by the issuer).
    pub fn publish(&self, key: SigningKey) {
        self.state.lock().unwrap().published.push(Arc::new(key));
    }

    /// Publishes no key but these (a rotation that dropped the signer's).
    pub fn publish_only(&self, keys: Vec<SigningKey>) {
        self.state.lock().unwrap().published = keys.into_iter().map(Arc::new).collect();
    }

    /// The token `GET /token/<name>` answers (panics when there is none).
    pub fn token(&self, name: &str) -> String {
        let state = self.state.lock().unwrap();
        state
            .tokens
            .get(name)
            .expect("a token of that name")
            .clone()
    }

    /// `claims` signed by the published key `kid` (panics when there is none).
    pub fn sign_with(&self, kid: &str, claims: &Value) -> String {
        let state = self.state.lock().unwrap();
        let key = state.published.iter().find(|k| k.kid == kid);
        key.expect("a published key with that kid").sign(claims)
    }

    /// `GET /token/<name>` answers `token` as an InitiateAuth result.
    pub fn serve_token(&self, name: &str, token: &str) {
        let mut state = self.state.lock().unwrap();
        state.tokens.insert(name.to_string(), token.to_string());
    }

    /// The claims a sign-in of `user` carries, `exp` an hour from now.
    pub fn claims_for(&self, user: &User) -> Value {
        id_claims(&self.state.lock().unwrap(), user)
    }

    /// The claims of a resource server's accepted `authorization: Bearer` token: verified
    /// with a published key named by its kid, `iss` this issuer's, not expired.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        self.verifier().verify(token)
    }

    /// What a resource server on another [`TestServer`] checks tokens with (its handler
    /// outlives no borrow of the issuer).
    pub fn verifier(&self) -> Verifier {
        Verifier {
            state: Arc::clone(&self.state),
        }
    }
}

/// The issuer's endpoints, served by another [`TestServer`]'s handler.
#[derive(Clone)]
pub struct Responder {
    state: Arc<Mutex<State>>,
}

impl Responder {
    /// `POST /` (InitiateAuth) and the issuer's other endpoints.
    pub fn answer(&self, r: &super::RecordedRequest) -> TestResponse {
        answer(&self.state, r)
    }

    /// The key set the issuer publishes now, as JSON.
    pub fn jwks(&self) -> String {
        jwks(&self.state.lock().unwrap())
    }
}

/// A resource server's view of the issuer: [`Verifier::bearer`] on each request.
#[derive(Clone)]
pub struct Verifier {
    state: Arc<Mutex<State>>,
}

impl Verifier {
    /// See [`Issuer::verify`].
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        let state = self.state.lock().unwrap();
        verify(&state, token)
    }

    /// The claims of the request's `authorization: Bearer <token>`, or why it is refused.
    pub fn bearer(&self, r: &super::RecordedRequest) -> Result<Value, String> {
        let header = r.header("authorization").ok_or("no authorization")?;
        let token = header.strip_prefix("Bearer ").ok_or("not a bearer token")?;
        self.verify(token.trim())
    }
}

fn id_claims(state: &State, user: &User) -> Value {
    let now = unix_now();
    let aud = state.audience.as_ref().unwrap_or(&state.client_id);
    let mut claims = json!({
        "sub": format!("sub-{}", user.username),
        "iss": state.iss,
        "aud": aud,
        "token_use": "id",
        "cognito:username": user.username,
        "auth_time": now,
        "iat": now,
        "exp": now + state.lifetime,
    });
    if !user.groups.is_empty() {
        claims["cognito:groups"] = json!(user.groups);
    }
    claims
}

fn verify(state: &State, token: &str) -> Result<Value, String> {
    let mut parts = token.split('.');
    let header = parts.next().ok_or("no header")?;
    let payload = parts.next().ok_or("no payload")?;
    let decode = |part: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    };
    let (header, claims) = (decode(header)?, decode(payload)?);
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let key = state
        .published
        .iter()
        .find(|k| k.kid == kid && header["alg"] == k.alg.name())
        .ok_or("no such key")?;
    if !key.signed(token) {
        return Err("bad signature".into());
    }
    if claims["iss"] != state.iss.as_str() {
        return Err("another issuer".into());
    }
    if claims["exp"].as_i64().unwrap_or(0) <= unix_now() {
        return Err("expired".into());
    }
    Ok(claims)
}

/// The key set the issuer publishes, as JSON.
fn jwks(state: &State) -> String {
    let keys: Vec<Value> = state.published.iter().map(|k| k.jwk()).collect();
    json!({ "keys": keys }).to_string()
}

fn answer(state: &Mutex<State>, r: &super::RecordedRequest) -> TestResponse {
    let mut state = state.lock().unwrap();
    let json = |status: u16, body: Value| {
        TestResponse::status(status)
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
    };
    // The token in a header too, for matchers on headers.
    let result = |token: &str| {
        json(
            200,
            json!({ "AuthenticationResult": { "IdToken": token, "AccessToken": "opaque",
                    "RefreshToken": REFRESH_TOKEN, "ExpiresIn": 3600, "TokenType": "Bearer" } }),
        )
        .header("x-id-token", token)
    };
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/jwks.json") => {
            TestResponse::ok(jwks(&state)).header("content-type", "application/json")
        }
        ("GET", path) if path.starts_with("/token/") => {
            match state.tokens.get(&path["/token/".len()..]) {
                Some(token) => result(token),
                None => TestResponse::status(404),
            }
        }
        ("POST", "/") => {
            let refused = |kind: &str, message: &str| {
                json(400, json!({ "__type": kind, "message": message }))
            };
            if r.header("x-amz-target") != Some("AWSCognitoIdentityProviderService.InitiateAuth") {
                return refused("UnknownOperationException", "unknown operation");
            }
            let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            if body["AuthFlow"] != "USER_PASSWORD_AUTH" || body["ClientId"] != state.client_id {
                return refused("InvalidParameterException", "unknown flow or client");
            }
            let params = &body["AuthParameters"];
            let user = state.users.iter().find(|u| {
                params["USERNAME"] == u.username.as_str()
                    && params["PASSWORD"] == u.password.as_str()
            });
            let token = match (user, &state.signer) {
                (Some(user), Some(signer)) => Some(signer.sign(&id_claims(&state, user))),
                _ => None,
            };
            match token {
                Some(token) => {
                    state.issued.push(token.clone());
                    result(&token)
                }
                None => refused("NotAuthorizedException", "Incorrect username or password."),
            }
        }
        _ => TestResponse::status(404),
    }
}

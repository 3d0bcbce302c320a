//! A token issuer on loopback, shaped like Cognito: `POST /` with
//! `x-amz-target: AWSCognitoIdentityProviderService.InitiateAuth` signs a user in
//! (`USER_PASSWORD_AUTH`) and answers `{"AuthenticationResult":{"IdToken": ...}}`; `GET
//! /jwks.json` serves the public keys; `GET /token/<name>` answers a token a test minted
//! itself (expired, tampered, unsigned) in the same shape. Every key is made at test time,
//! except the RSA one: ring signs with RSA but cannot make a key, so the RSA 2048 key is a
//! test-only key in `issuer_rsa2048.pem`, used for nothing else.
//!
//! [`Issuer::verify`] checks a bearer token as a resource server would.

use super::server::{TestResponse, TestServer, TestServerConfig};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair as _};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The signing algorithms a [`SigningKey`] can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Es256,
    Es384,
    EdDsa,
}

impl Alg {
    pub const ALL: [Alg; 6] = [
        Alg::Rs256,
        Alg::Rs384,
        Alg::Rs512,
        Alg::Es256,
        Alg::Es384,
        Alg::EdDsa,
    ];

    /// The JOSE name: `RS256`, `EdDSA`.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
        }
    }
}

enum Pair {
    Rsa(sig::RsaKeyPair),
    Ec(sig::EcdsaKeyPair),
    Ed(sig::Ed25519KeyPair),
}

/// A private key with its kid and algorithm: it signs tokens and publishes its JWK.
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    pair: Pair,
}

const RSA_PEM: &str = include_str!("issuer_rsa2048.pem");

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    pub fn new(alg: Alg, kid: &str) -> SigningKey {
        let rng = SystemRandom::new();
        let pair = match alg {
            Alg::Rs256 | Alg::Rs384 | Alg::Rs512 => {
                let der = rustls_pemfile::private_key(&mut RSA_PEM.as_bytes())
                    .expect("the test RSA key")
                    .expect("a key in issuer_rsa2048.pem");
                Pair::Rsa(sig::RsaKeyPair::from_pkcs8(der.secret_der()).expect("an RSA key"))
            }
            Alg::Es256 | Alg::Es384 => {
                let (sign, _) = ec(alg);
                let pkcs8 = sig::EcdsaKeyPair::generate_pkcs8(sign, &rng).expect("an EC key");
                Pair::Ec(sig::EcdsaKeyPair::from_pkcs8(sign, pkcs8.as_ref(), &rng).expect("key"))
            }
            Alg::EdDsa => {
                let pkcs8 = sig::Ed25519KeyPair::generate_pkcs8(&rng).expect("an Ed25519 key");
                Pair::Ed(sig::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("key"))
            }
        };
        SigningKey {
            kid: kid.to_string(),
            alg,
            pair,
        }
    }

    /// The public key as a JWK with `kid`, `alg` and `use: sig`.
    pub fn jwk(&self) -> Value {
        let mut jwk = match &self.pair {
            Pair::Rsa(pair) => {
                let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({ "kty": "RSA", "n": b64(&public.n), "e": b64(&public.e) })
            }
            Pair::Ec(pair) => {
                let point = pair.public_key().as_ref();
                let half = (point.len() - 1) / 2;
                let crv = if self.alg == Alg::Es256 {
                    "P-256"
                } else {
                    "P-384"
                };
                json!({ "kty": "EC", "crv": crv, "x": b64(&point[1..=half]),
                        "y": b64(&point[half + 1..]) })
            }
            Pair::Ed(pair) => {
                json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()) })
            }
        };
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!(self.alg.name());
        jwk["use"] = json!("sig");
        jwk
    }

    /// A compact JWS of `claims`, its header `{alg, kid, typ: JWT}`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": self.alg.name(), "kid": self.kid, "typ": "JWT" });
        self.sign_with_header(&header, claims)
    }

    /// A compact JWS of `claims` under any `header` (a wrong alg, no kid), signed with this key.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let signature = match &self.pair {
            Pair::Rsa(pair) => {
                let padding: &'static dyn sig::RsaEncoding = match self.alg {
                    Alg::Rs256 => &sig::RSA_PKCS1_SHA256,
                    Alg::Rs384 => &sig::RSA_PKCS1_SHA384,
                    _ => &sig::RSA_PKCS1_SHA512,
                };
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, input.as_bytes(), &mut out)
                    .expect("an RSA signature");
                out
            }
            Pair::Ec(pair) => pair
                .sign(&rng, input.as_bytes())
                .expect("an EC signature")
                .as_ref()
                .to_vec(),
            Pair::Ed(pair) => pair.sign(input.as_bytes()).as_ref().to_vec(),
        };
        format!("{input}.{}", b64(&signature))
    }

    /// Whether this key signed `token`.
    pub fn signed(&self, token: &str) -> bool {
        let Some((input, signature)) = token.rsplit_once('.') else {
            return false;
        };
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        let (input, signature) = (input.as_bytes(), signature.as_slice());
        match &self.pair {
            Pair::Rsa(pair) => {
                let params = match self.alg {
                    Alg::Rs256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                    Alg::Rs384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                    _ => &sig::RSA_PKCS1_2048_8192_SHA512,
                };
                let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
                public.verify(params, input, signature).is_ok()
            }
            Pair::Ec(pair) => sig::UnparsedPublicKey::new(ec(self.alg).1, pair.public_key())
                .verify(input, signature)
                .is_ok(),
            Pair::Ed(pair) => sig::UnparsedPublicKey::new(&sig::ED25519, pair.public_key())
                .verify(input, signature)
                .is_ok(),
        }
    }
}

fn ec(
    alg: Alg,
) -> (
    &'static sig::EcdsaSigningAlgorithm,
    &'static sig::EcdsaVerificationAlgorithm,
) {
    match alg {
        Alg::Es256 => (
            &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            &sig::ECDSA_P256_SHA256_FIXED,
        ),
        _ => (
            &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
            &sig::ECDSA_P384_SHA384_FIXED,
        ),
    }
}

/// Seconds since the epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

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
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let iss = Arc::new(Mutex::new(String::new()));
        let iss_seen = Arc::clone(&iss);
        let server = TestServer::start(TestServerConfig::http(move |r| {
            let iss = iss_seen.lock().unwrap().clone();
            answer(&shared, &iss, r)
        }))
        .await;
        *iss.lock().unwrap() = server.url("/pool");
        Issuer { server, state }
    }

    /// The `iss` claim of the tokens it signs: `http://127.0.0.1:<port>/pool`.
    pub fn iss(&self) -> String {
        self.server.url("/pool")
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
        let client_id = self.state.lock().unwrap().client_id.clone();
        id_claims(&self.iss(), &client_id, user)
    }

    /// The claims of a resource server's accepted `authorization: Bearer` token: verified
    /// with a published key named by its kid, `iss` this issuer's, not expired.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        let state = self.state.lock().unwrap();
        verify(&state, &self.iss(), token)
    }
}

fn id_claims(iss: &str, client_id: &str, user: &User) -> Value {
    let now = unix_now();
    let mut claims = json!({
        "sub": format!("sub-{}", user.username),
        "iss": iss,
        "aud": client_id,
        "token_use": "id",
        "cognito:username": user.username,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    });
    if !user.groups.is_empty() {
        claims["cognito:groups"] = json!(user.groups);
    }
    claims
}

fn verify(state: &State, iss: &str, token: &str) -> Result<Value, String> {
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
    if claims["iss"] != iss {
        return Err("another issuer".into());
    }
    if claims["exp"].as_i64().unwrap_or(0) <= unix_now() {
        return Err("expired".into());
    }
    Ok(claims)
}

fn answer(state: &Mutex<State>, iss: &str, r: &super::RecordedRequest) -> TestResponse {
    let state = state.lock().unwrap();
    let json = |status: u16, body: Value| {
        TestResponse::status(status)
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
    };
    let result = |token: &str| {
        json(
            200,
            json!({ "AuthenticationResult": { "IdToken": token, "AccessToken": "opaque",
                    "ExpiresIn": 3600, "TokenType": "Bearer" } }),
        )
    };
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/jwks.json") => {
            let keys: Vec<Value> = state.published.iter().map(|k| k.jwk()).collect();
            TestResponse::ok(json!({ "keys": keys }).to_string())
                .header("content-type", "application/json")
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
            match (user, &state.signer) {
                (Some(user), Some(signer)) => {
                    result(&signer.sign(&id_claims(iss, &state.client_id, user)))
                }
                _ => refused("NotAuthorizedException", "Incorrect username or password."),
            }
        }
        _ => TestResponse::status(404),
    }
}

//! Key sets (JWKS, RFC 7517) and the verification of a token's signature with the key its
//! `kid` names. Pure: the run fetches each set once and hands them over as [`KeySets`].
//!
//! The cryptography is ring's (the same as TLS): RSA PKCS#1 v1.5 with SHA-256/384/512 and
//! keys of 2048 to 8192 bits, ECDSA P-256/P-384 with fixed-size signatures as JWS writes
//! them, Ed25519. A key's type and curve must fit the token's `alg`, and a key that names its
//! own `alg` must name the token's: a token never chooses how its own key is read.

use super::token::Token;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;
use std::sync::Arc;

/// The algorithms a token may be verified with.
pub const ALGORITHMS: &[&str] = &["RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA"];

/// One key of a set, as far as conform can use it.
#[derive(Clone, Debug)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The `alg` the key is restricted to, when it names one.
    pub alg: Option<String>,
    /// `use`, when given (`sig`, `enc`).
    pub usage: Option<String>,
    pub key: Key,
}

#[derive(Clone, Debug)]
pub enum Key {
    /// Modulus and exponent, big-endian, no leading zeros.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// The uncompressed point (0x04, x, y) on `curve` (`P-256`, `P-384`).
    Ec {
        curve: String,
        point: Vec<u8>,
    },
    Ed25519(Vec<u8>),
    /// A key conform cannot verify with: why (`kty "oct"`, `crv "P-521"`, a bad field).
    Unusable(String),
}

impl Key {
    fn describe(&self) -> String {
        match self {
            Key::Rsa { n, .. } => format!("an RSA key ({} bits)", n.len() * 8),
            Key::Ec { curve, .. } => format!("an EC key on {curve}"),
            Key::Ed25519(_) => "an Ed25519 key".into(),
            Key::Unusable(why) => format!("a key conform cannot use ({why})"),
        }
    }
}

/// A key set as fetched from its URL.
#[derive(Clone, Debug, Default)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Reads a JWKS document; the error says what is wrong with it.
    pub fn parse(bytes: &[u8]) -> Result<Jwks, String> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e})"))?;
        let Some(list) = doc.get("keys").and_then(Value::as_array) else {
            return Err("not a key set: no `keys` list".into());
        };
        Ok(Jwks {
            keys: list.iter().map(jwk).collect(),
        })
    }

    /// The kids of the set, for messages.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| match &k.kid {
                Some(kid) => format!("{kid:?}"),
                None => "(a key without kid)".into(),
            })
            .collect()
    }
}

fn jwk(v: &Value) -> Jwk {
    let text = |name: &str| v.get(name).and_then(Value::as_str).map(str::to_string);
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let field = text(name).ok_or_else(|| format!("no `{name}`"))?;
        URL_SAFE_NO_PAD
            .decode(field.trim_end_matches('='))
            .map_err(|_| format!("`{name}` is not base64url"))
    };
    let key = match text("kty").as_deref() {
        Some("RSA") => match (bytes("n"), bytes("e")) {
            (Ok(n), Ok(e)) => Key::Rsa {
                n: strip_zeros(n),
                e: strip_zeros(e),
            },
            (Err(why), _) | (_, Err(why)) => Key::Unusable(why),
        },
        Some("EC") => match (text("crv"), bytes("x"), bytes("y")) {
            (Some(curve), Ok(x), Ok(y)) => {
                let size = match curve.as_str() {
                    "P-256" => Some(32),
                    "P-384" => Some(48),
                    _ => None,
                };
                match size {
                    Some(size) if x.len() == size && y.len() == size => {
                        let mut point = vec![4u8];
                        point.extend(x);
                        point.extend(y);
                        Key::Ec { curve, point }
                    }
                    Some(_) => Key::Unusable(format!("coordinates of the wrong size for {curve}")),
                    None => Key::Unusable(format!("crv {curve:?}")),
                }
            }
            (None, _, _) => Key::Unusable("no `crv`".into()),
            (_, Err(why), _) | (_, _, Err(why)) => Key::Unusable(why),
        },
        Some("OKP") => match (text("crv").as_deref(), bytes("x")) {
            (Some("Ed25519"), Ok(x)) => Key::Ed25519(x),
            (Some("Ed25519"), Err(why)) => Key::Unusable(why),
            (crv, _) => Key::Unusable(format!("OKP crv {:?}", crv.unwrap_or(""))),
        },
        Some(other) => Key::Unusable(format!("kty {other:?}")),
        None => Key::Unusable("no `kty`".into()),
    };
    Jwk {
        kid: text("kid"),
        alg: text("alg"),
        usage: text("use"),
        key,
    }
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// The key sets of one check's `signed_by` URLs, by URL, as the run fetched them.
#[derive(Clone, Debug, Default)]
pub struct KeySets {
    sets: Vec<(String, Arc<Jwks>)>,
}

impl KeySets {
    pub fn insert(&mut self, url: impl Into<String>, set: Arc<Jwks>) {
        self.sets.push((url.into(), set));
    }

    pub fn get(&self, url: &str) -> Option<&Jwks> {
        self.sets
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, s)| s.as_ref())
    }
}

/// Why a signature was not accepted, in words for the `signature` line of a mismatch:
/// (expected, got, why when those do not say it).
pub type Refusal = (String, String, Option<String>);

/// Verifies `token` with the key of `set` (fetched from `url`) that its `kid` names.
pub fn verify(token: &Token, set: &Jwks, url: &str) -> Result<(), Refusal> {
    let alg = token.alg().unwrap_or("");
    let Some(kid) = token.kid() else {
        return Err((
            format!("a header kid naming a key of {url}"),
            "a token without kid".into(),
            None,
        ));
    };
    let Some(jwk) = set.keys.iter().find(|k| k.kid.as_deref() == Some(kid)) else {
        return Err((
            format!("a key {kid:?} in the JWKS at {url}"),
            format!("kids [{}]", set.kids().join(", ")),
            Some("the set lacks the token's key: rotated away, or another issuer's token".into()),
        ));
    };
    let expected = || format!("a signature by key {kid:?} of {url}");
    if let Some(key_alg) = &jwk.alg
        && key_alg != alg
    {
        return Err((
            expected(),
            format!("the token says {alg}, the key is for {key_alg}"),
            None,
        ));
    }
    if let Some(usage) = jwk.usage.as_deref().filter(|u| *u != "sig") {
        return Err((
            expected(),
            format!("a key for use {usage:?}, not signatures"),
            None,
        ));
    }
    let message = token.signing_input.as_bytes();
    let sig = token.signature.as_slice();
    let checked = match (alg, &jwk.key) {
        ("RS256" | "RS384" | "RS512", Key::Rsa { n, e }) => {
            let params = match alg {
                "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                _ => &signature::RSA_PKCS1_2048_8192_SHA512,
            };
            RsaPublicKeyComponents { n, e }.verify(params, message, sig)
        }
        ("ES256", Key::Ec { curve, point }) if curve == "P-256" => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, sig)
        }
        ("ES384", Key::Ec { curve, point }) if curve == "P-384" => {
            UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point).verify(message, sig)
        }
        ("EdDSA", Key::Ed25519(x)) => {
            UnparsedPublicKey::new(&signature::ED25519, x).verify(message, sig)
        }
        (_, key) => {
            return Err((
                expected(),
                format!("the token says {alg}, the key is {}", key.describe()),
                None,
            ));
        }
    };
    checked.map_err(|_| {
        (
            expected(),
            format!(
                "a signature that does not verify ({alg}, {})",
                jwk.key.describe()
            ),
            None,
        )
    })
}

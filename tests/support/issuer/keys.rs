//! The issuer's keys: made at test time (ECDSA P-256/P-384, Ed25519) or read from the
//! test-only RSA 2048 key beside this file (ring signs with RSA but cannot make a key); each
//! signs tokens and publishes its JWK.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair as _};
use serde_json::{Value, json};

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

const RSA_PEM: &str = include_str!("rsa2048.pem");

pub(super) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    pub fn new(alg: Alg, kid: &str) -> SigningKey {
        let rng = SystemRandom::new();
        let pair = match alg {
            Alg::Rs256 | Alg::Rs384 | Alg::Rs512 => {
                let der = rustls_pemfile::private_key(&mut RSA_PEM.as_bytes())
                    .expect("the test RSA key")
                    .expect("a key in issuer/rsa2048.pem");
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

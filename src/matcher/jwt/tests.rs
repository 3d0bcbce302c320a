use super::token::encode;
use super::*;
use crate::matcher::tests::{m, t};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair as _};
use serde_json::json;
use std::sync::Arc;

const URL: &str = "https://issuer.example/jwks.json";
const NOW: i64 = 1_800_000_000;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A P-256 key: its JWK and a signer of tokens with `header` and `claims`.
struct Es256 {
    pair: sig::EcdsaKeyPair,
}

impl Es256 {
    fn new() -> Es256 {
        let rng = SystemRandom::new();
        let alg = &sig::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = sig::EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("a P-256 key");
        let pair = sig::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("key");
        Es256 { pair }
    }

    fn jwk(&self, kid: &str) -> serde_json::Value {
        let point = self.pair.public_key().as_ref();
        json!({ "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
                "x": b64(&point[1..33]), "y": b64(&point[33..]) })
    }

    fn sign(&self, header: serde_json::Value, claims: serde_json::Value) -> String {
        let input = encode(&header, &claims);
        let s = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .expect("a signature");
        format!("{input}.{}", b64(s.as_ref()))
    }
}

fn keys(jwks: serde_json::Value) -> KeySets {
    let mut sets = KeySets::default();
    let set = Jwks::parse(jwks.to_string().as_bytes()).expect("a key set");
    sets.insert(URL, Arc::new(set));
    sets
}

fn at(keys: &KeySets) -> Context<'_> {
    Context {
        now: time::OffsetDateTime::from_unix_timestamp(NOW).expect("a time"),
        keys,
    }
}

fn misses(matcher: &str, token: &str, keys: &KeySets) -> Vec<String> {
    let Matcher::Jwt(j) = m(matcher) else {
        panic!("not a jwt matcher: {matcher}");
    };
    j.misses(&t(token), &at(keys))
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn claims() -> serde_json::Value {
    json!({ "aud": "spa", "token_use": "id", "exp": NOW + 3600,
            "cognito:groups": ["nest-access", "staff"] })
}

#[test]
fn a_signed_token_with_the_written_claims_holds() {
    let key = Es256::new();
    let sets = keys(json!({ "keys": [key.jwk("k1")] }));
    let token = key.sign(json!({ "alg": "ES256", "kid": "k1" }), claims());
    let written = format!(
        "{{jwt: {{signed_by: '{URL}', header: {{alg: ES256}}, claims: {{aud: spa, token_use: id, \
         'cognito:groups': {{contains: nest-access}}}}, expires_in: {{gt: 5m}}}}}}"
    );
    assert_eq!(misses(&written, &token, &sets), Vec::<String>::new());
    assert!(m(&written).test_in(&t(&token), &at(&sets)).is_ok());
}

#[test]
fn each_part_that_does_not_hold_is_named() {
    let key = Es256::new();
    let sets = keys(json!({ "keys": [key.jwk("k1")] }));
    let token = key.sign(
        json!({ "alg": "ES256", "kid": "k1" }),
        json!({ "aud": "other", "exp": NOW + 60, "cognito:groups": ["staff"] }),
    );
    let written = "{jwt: {claims: {aud: spa, token_use: id, 'cognito:groups': {contains: nest-access}}, expires_in: {gt: 5m}}}";
    assert_eq!(
        misses(written, &token, &sets),
        [
            r#"jwt claims.aud: expected "spa", got "other""#,
            r#"jwt claims.token_use: expected "id", got (missing)"#,
            r#"jwt claims.cognito:groups: expected contains "nest-access", got ["staff"]"#,
            "jwt expires_in: expected > 5m, got 1m",
        ]
    );
}

#[test]
fn signature_failures_say_why() {
    let key = Es256::new();
    let other = Es256::new();
    let sets = keys(json!({ "keys": [key.jwk("k1"), key.jwk("k2")] }));
    let signed = "{jwt: {signed_by: 'https://issuer.example/jwks.json'}}";
    let unknown = other.sign(json!({ "alg": "ES256", "kid": "k9" }), claims());
    assert_eq!(
        misses(signed, &unknown, &sets),
        [format!(
            r#"jwt signature: expected a key "k9" in the JWKS at {URL}, got kids ["k1", "k2"] (the set lacks the token's key: rotated away, or another issuer's token)"#
        )]
    );
    let forged = other.sign(json!({ "alg": "ES256", "kid": "k1" }), claims());
    assert_eq!(
        misses(signed, &forged, &sets),
        [format!(
            r#"jwt signature: expected a signature by key "k1" of {URL}, got a signature that does not verify (ES256, an EC key on P-256)"#
        )]
    );
    let no_kid = key.sign(json!({ "alg": "ES256" }), claims());
    assert_eq!(
        misses(signed, &no_kid, &sets),
        [format!(
            "jwt signature: expected a header kid naming a key of {URL}, got a token without kid"
        )]
    );
    let wrong_alg = key.sign(json!({ "alg": "RS256", "kid": "k1" }), claims());
    assert_eq!(
        misses(signed, &wrong_alg, &sets),
        [format!(
            r#"jwt signature: expected a signature by key "k1" of {URL}, got the token says RS256, the key is for ES256"#
        )]
    );
    let hmac = key.sign(json!({ "alg": "HS256", "kid": "k1" }), claims());
    assert_eq!(
        misses(signed, &hmac, &sets),
        [format!(
            r#"jwt header.alg: expected one of RS256, RS384, RS512, ES256, ES384, EdDSA, got "HS256" (a token signed by {URL} must use a public-key algorithm)"#
        )]
    );
    let none = format!("{}.", encode(&json!({ "alg": "none" }), &claims()));
    let refused = [
        r#"jwt header.alg: expected a signing algorithm, got "none" (an unsigned token is always refused)"#,
    ];
    assert_eq!(misses(signed, &none, &sets), refused);
    assert_eq!(misses("{jwt: {}}", &none, &sets), refused);
    let good = key.sign(json!({ "alg": "ES256", "kid": "k1" }), claims());
    assert_eq!(
        misses(signed, &good, &KeySets::default()),
        [format!(
            "jwt signature: expected a signature by a key of {URL}, got no key set (the JWKS was not fetched for this check)"
        )]
    );
}

#[test]
fn expiry_without_exp_or_past_it() {
    let key = Es256::new();
    let sets = KeySets::default();
    let no_exp = key.sign(json!({ "alg": "ES256" }), json!({ "aud": "spa" }));
    assert_eq!(
        misses("{jwt: {expires_in: {gt: 5m}}}", &no_exp, &sets),
        ["jwt expires_in: expected > 5m, got (missing) (the token has no exp claim)"]
    );
    assert_eq!(misses("{jwt: {}}", &no_exp, &sets), Vec::<String>::new());
    let expired = key.sign(json!({ "alg": "ES256" }), json!({ "exp": NOW - 120 }));
    assert_eq!(
        misses("{jwt: {}}", &expired, &sets),
        [
            "jwt expires_in: expected a token not expired, got -2m (it expired at 2027-01-15T07:58:00Z)"
        ]
    );
}

#[test]
fn what_is_not_a_token_is_never_quoted() {
    let secret = "abcdefghijklmnop.qrstuvwxyz";
    assert_eq!(
        misses("{jwt: {}}", secret, &KeySets::default()),
        [
            "jwt: expected a JWT (header.payload.signature), got abcdefghij…(27 chars) (not a JWT: 2 parts separated by dots, not 3 (header.payload.signature))"
        ]
    );
    let key = Es256::new();
    let token = key.sign(json!({ "alg": "ES256" }), json!({ "aud": "x" }));
    let nested = m("{any_of: [{jwt: {claims: {aud: spa}}}, {jwt: {claims: {aud: web}}}]}");
    let miss = nested.test(&t(&token)).expect_err("neither audience");
    assert_eq!(miss.why, None);
    let each = m("{each: {jwt: {claims: {aud: spa}}}}");
    let list = Actual::list(vec![t(&token)], true);
    let why = each.test(&list).expect_err("aud x").why.unwrap_or_default();
    assert!(!why.contains(&token[10..]), "{why}");
    assert!(why.starts_with("item 1 (eyJhbGciOi…("), "{why}");
    let Matcher::Jwt(top) = m("{jwt: {}}") else {
        panic!("a jwt matcher");
    };
    let said: Vec<String> = top
        .misses(&list, &Context::at(time::OffsetDateTime::now_utc()))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        said,
        ["jwt: expected a JWT, got a list of 1 items (`jwt` needs text)"]
    );
    let not = m("{not: {jwt: {claims: {aud: x}}}}");
    assert!(not.has_jwt());
    assert!(not.test(&t(&token)).is_err());
    assert_eq!(
        m("{jwt: {}}").test(&Actual::Number(3.0)),
        Err(crate::matcher::Miss::because("`jwt` needs text"))
    );
}

#[test]
fn key_sets_are_read_leniently_and_refused_when_not_one() {
    let set = Jwks::parse(
        br#"{"keys":[{"kty":"oct","kid":"h"},{"kty":"EC","crv":"P-521","kid":"e"},{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#,
    )
    .expect("a set");
    assert_eq!(set.kids(), [r#""h""#, r#""e""#, "(a key without kid)"]);
    assert!(matches!(&set.keys[0].key, Key::Unusable(why) if why == r#"kty "oct""#));
    assert_eq!(
        Jwks::parse(b"<html>").err(),
        Some("not JSON (expected value at line 1 column 1)".into())
    );
    assert_eq!(
        Jwks::parse(b"{}").err(),
        Some("not a key set: no `keys` list".into())
    );
}

#[test]
fn the_written_form_is_checked_at_load() {
    let err = |yaml: &str| {
        let node = crate::syntax::node::Node::parse(yaml).expect("yaml");
        let mut d = crate::syntax::diag::Diagnostics::new(std::path::Path::new("t.yaml"));
        assert!(crate::matcher::decode_matcher(&node, "value", &mut d).is_none());
        d.list.iter().map(|e| e.to_string()).collect::<Vec<_>>()
    };
    let said = err("{jwt: {signed_by: ftp://x/keys}}");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("`signed_by` of the jwt of value is not an http(s) URL: \"ftp://x/keys\""),
        "{said:?}"
    );
    let said = err("{jwt: {claims: [aud]}}");
    assert!(
        said[0].contains("`claims` of the jwt of value is a list"),
        "{said:?}"
    );
    let said = err("{jwt: {claim: {aud: x}}}");
    assert!(said[0].contains("claim"), "{said:?}");
    let said = err("{jwt: {claims: {aud: {regex: x}}}}");
    assert!(
        said[0].contains("unknown matcher `regex` for jwt claims.aud of value"),
        "{said:?}"
    );
}

#[test]
fn tokens_in_a_text_are_shown_by_their_start_only() {
    let token = format!(
        "{}.c2ln",
        encode(&json!({ "alg": "ES256" }), &json!({ "aud": "x" }))
    );
    let body = format!(r#"{{"IdToken":"{token}","n":1}} Bearer {token}"#);
    let shown = format!("eyJhbGciOi…({} chars)", token.len());
    assert_eq!(
        hide_tokens(&body),
        format!(r#"{{"IdToken":"{shown}","n":1}} Bearer {shown}"#)
    );
    assert_eq!(hide_tokens("eyJ is not a token.x"), "eyJ is not a token.x");
}

/// A compact JWE (Cognito's refresh token: header, encrypted key, IV, ciphertext, tag) is
/// hidden whole, not its first three parts only.
#[test]
fn an_encrypted_token_is_hidden_whole() {
    let jwe = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.a2V5.aXY.Y2lwaGVydGV4dA.dGFn";
    let shown = format!("eyJjdHkiOi…({} chars)", jwe.len());
    assert_eq!(
        hide_tokens(&format!(r#"{{"RefreshToken":"{jwe}"}}"#)),
        format!(r#"{{"RefreshToken":"{shown}"}}"#)
    );
}

/// A signature that cannot be checked (no key set was fetched for it: a `jwt:` outside an
/// http check's body or headers) is not a miss that `not:` could turn into a pass: the
/// question cannot be answered, with or without `not:`.
#[test]
fn an_unchecked_signature_does_not_pass_under_not() {
    let key = Es256::new();
    let good = key.sign(json!({ "alg": "ES256", "kid": "k1" }), claims());
    let negated = m(&format!("{{not: {{jwt: {{signed_by: \"{URL}\"}}}}}}"));
    let said = negated.test_in(&t(&good), &at(&KeySets::default()));
    assert_eq!(
        said.err().and_then(|miss| miss.why).as_deref(),
        Some("the JWKS was not fetched for this check: a signature cannot be checked")
    );
    let plain = m(&format!("{{jwt: {{signed_by: \"{URL}\"}}}}"));
    assert!(plain.test_in(&t(&good), &at(&KeySets::default())).is_err());
}

/// A token whose `nbf` (not before) is still ahead of the judgement's moment is not valid yet.
#[test]
fn a_token_not_valid_yet_fails() {
    let key = Es256::new();
    let sets = KeySets::default();
    let early = key.sign(
        json!({ "alg": "ES256" }),
        json!({ "aud": "spa", "exp": NOW + 3600, "nbf": NOW + 600 }),
    );
    assert_eq!(
        misses("{jwt: {}}", &early, &sets),
        ["jwt not_before: expected a token valid now, got valid in 10m (nbf 2027-01-15T08:10:00Z)"]
    );
    let valid = key.sign(
        json!({ "alg": "ES256" }),
        json!({ "aud": "spa", "exp": NOW + 3600, "nbf": NOW - 60 }),
    );
    assert_eq!(misses("{jwt: {}}", &valid, &sets), Vec::<String>::new());
}

use super::*;
use crate::matcher::tests::m;
use crate::probe::cert_facts::tests::{NOW, leaf, name};
use crate::probe::cert_facts::{cert_facts, read, read_chain};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use time::Duration;

/// Judges `expires_in: <yaml>` on a leaf with `left` to go.
fn judge_expiry(yaml: &str, left: Duration) -> Vec<Mismatch> {
    let expect = CertExpect {
        expires_in: Some(m(yaml)),
        ..CertExpect::default()
    };
    judge_leaf(&expect, Some(leaf(left)), &Clock::Fixed(NOW))
}

/// Judges a leaf alone, as the http probe sees it.
fn judge_leaf(expect: &CertExpect, leaf: Option<Vec<u8>>, clock: &Clock) -> Vec<Mismatch> {
    let read = leaf.map(|der| read(&der));
    judge_cert(expect, SeenCerts::leaf(read.as_ref()), clock)
}

fn mismatch(field: &str, expected: &str, actual: &str) -> Mismatch {
    Mismatch {
        field: field.into(),
        expected: expected.into(),
        actual: actual.into(),
        note: None,
    }
}

#[test]
fn expires_in_passes_with_time_to_spare() {
    assert_eq!(judge_expiry("{gt: 21d}", Duration::days(30)), vec![]);
}

#[test]
fn expires_in_fails_when_too_soon() {
    assert_eq!(
        judge_expiry("{gt: 21d}", Duration::days(3)),
        vec![mismatch(
            "cert expires_in",
            "> 21d",
            "3d (not after 2026-11-28 10:00:00 UTC)"
        )]
    );
}

#[test]
fn expired_certificate_reads_as_negative_time() {
    assert_eq!(
        judge_expiry("{gt: 21d}", -(Duration::days(3) + Duration::hours(2))),
        vec![mismatch(
            "cert expires_in",
            "> 21d",
            "-3d 2h (expired 2026-11-22 08:00:00 UTC)"
        )]
    );
    // `gt: -1d` tolerates a day of expiry, no more.
    assert_eq!(judge_expiry("{gt: -1d}", -Duration::hours(2)), vec![]);
    assert_eq!(judge_expiry("{gt: -1d}", -Duration::days(3)).len(), 1);
}

#[test]
fn names_pass() {
    let der = leaf(Duration::days(30));
    let expect = CertExpect {
        san: Some(m("{contains: chat.test}")),
        subject: Some(m(r#"{contains: "CN=chat.test"}"#)),
        issuer: Some(m(r#"{contains: "Test CA"}"#)),
        ..CertExpect::default()
    };
    assert_eq!(
        judge_leaf(&expect, Some(der.clone()), &Clock::Fixed(NOW)),
        vec![]
    );
    let ip = CertExpect {
        san: Some(m(r#"{contains: "127.0.0.1"}"#)),
        ..CertExpect::default()
    };
    assert_eq!(
        judge_leaf(&ip, Some(der.clone()), &Clock::Fixed(NOW)),
        vec![]
    );
}

#[test]
fn names_fail_with_what_the_certificate_holds() {
    let der = leaf(Duration::days(30));
    let expect = CertExpect {
        san: Some(m("{contains: other.test}")),
        subject: Some(m(r#"{contains: "CN=other.test"}"#)),
        issuer: Some(m(r#"{contains: "Let's Encrypt"}"#)),
        ..CertExpect::default()
    };
    assert_eq!(
        judge_leaf(&expect, Some(der.clone()), &Clock::Fixed(NOW)),
        vec![
            mismatch(
                "cert san",
                r#"contains "other.test""#,
                r#"["chat.test", "www.chat.test", "127.0.0.1", "::1"]"#
            ),
            mismatch(
                "cert subject",
                r#"contains "CN=other.test""#,
                r#""CN=chat.test, O=Phenom Test""#
            ),
            mismatch(
                "cert issuer",
                r#"contains "Let's Encrypt""#,
                r#""CN=Test CA, O=Conform Tests""#
            ),
        ]
    );
}

#[test]
fn no_certificate_fails_every_expectation() {
    let expect = CertExpect {
        expires_in: Some(m("{gt: 21d}")),
        san: Some(m("{contains: chat.test}")),
        issuer: Some(m(r#"{contains: "Test CA"}"#)),
        ..CertExpect::default()
    };
    let none = "no certificate was presented";
    assert_eq!(
        judge_leaf(&expect, None, &Clock::Fixed(NOW)),
        vec![
            mismatch("cert expires_in", "> 21d", none),
            mismatch("cert san", r#"contains "chat.test""#, none),
            mismatch("cert issuer", r#"contains "Test CA""#, none),
        ]
    );
    assert_eq!(
        judge_leaf(&CertExpect::default(), None, &Clock::Fixed(NOW)),
        vec![]
    );
}

#[test]
fn unreadable_certificate_is_one_mismatch() {
    let garbage = b"not a certificate at all";
    let expect = CertExpect {
        expires_in: Some(m("{gt: 21d}")),
        san: Some(m("{contains: chat.test}")),
        ..CertExpect::default()
    };
    let why = cert_facts(garbage).unwrap_err();
    assert_eq!(why, "a length runs past the end of the data");
    assert_eq!(
        judge_leaf(&expect, Some(garbage.to_vec()), &Clock::Fixed(NOW)),
        vec![Mismatch {
            field: "cert".into(),
            expected: "an X.509 certificate (DER)".into(),
            actual: "the leaf: 24 bytes that do not parse as one".into(),
            note: Some(why),
        }]
    );
    // Nothing expected of the certificate: nothing to fail.
    assert_eq!(
        judge_leaf(
            &CertExpect::default(),
            Some(garbage.to_vec()),
            &Clock::Fixed(NOW)
        ),
        vec![]
    );
}

/// A CA certificate named `cn`, valid until NOW + `left`.
fn ca_cert(cn: &str, left: Duration) -> Vec<u8> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name = name(cn, "Conform Tests");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.not_before = NOW - Duration::days(1);
    ca.not_after = NOW + left;
    ca.self_signed(&KeyPair::generate().unwrap())
        .unwrap()
        .der()
        .to_vec()
}

#[test]
fn chain_expiry_is_the_earliest_in_the_chain() {
    let chain = vec![
        leaf(Duration::days(60)),
        ca_cert("Intermediate", Duration::days(10)),
    ];
    let expect = CertExpect {
        expires_in: Some(m("{gt: 30d}")),
        chain_expires_in: Some(m("{gt: 14d}")),
        ..CertExpect::default()
    };
    let ok = Ok(());
    let seen = SeenCerts {
        chain: &read_chain(&chain),
        verified: Some(&ok),
    };
    assert_eq!(
        judge_cert(&expect, seen, &Clock::Fixed(NOW)),
        vec![mismatch(
            "cert chain_expires_in",
            "> 14d",
            "10d (CN=Intermediate, O=Conform Tests, not after 2026-12-05 10:00:00 UTC)"
        )]
    );
    // With the leaf the earliest, the message says so.
    let chain = vec![
        leaf(Duration::days(5)),
        ca_cert("Intermediate", Duration::days(10)),
    ];
    let seen = SeenCerts {
        chain: &read_chain(&chain),
        verified: Some(&ok),
    };
    let out = judge_cert(&expect, seen, &Clock::Fixed(NOW));
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(
        out[1].actual,
        "5d (the leaf, not after 2026-11-30 10:00:00 UTC)"
    );
}

#[test]
fn chain_valid_eku_key_fingerprint_and_serial() {
    let der = leaf(Duration::days(30));
    let facts = cert_facts(&der).unwrap();
    let expect = CertExpect {
        chain_valid: Some(m("true")),
        eku: Some(m("{contains: clientAuth}")),
        key: Some(m("ECDSA P-256")),
        fingerprint_sha256: Some(m(&format!("'{}'", facts.fingerprint_sha256))),
        serial: Some(m("'8f1a2b3c'")),
        ..CertExpect::default()
    };
    let chain = vec![der];
    let ok = Ok(());
    assert_eq!(
        judge_cert(
            &expect,
            SeenCerts {
                chain: &read_chain(&chain),
                verified: Some(&ok)
            },
            &Clock::Fixed(NOW)
        ),
        vec![]
    );
    let bad = Err("certificate verify failed: expired".to_string());
    assert_eq!(
        judge_cert(
            &expect,
            SeenCerts {
                chain: &read_chain(&chain),
                verified: Some(&bad)
            },
            &Clock::Fixed(NOW)
        ),
        vec![mismatch(
            "cert chain_valid",
            "true",
            "false (certificate verify failed: expired)"
        )]
    );
    let other = CertExpect {
        eku: Some(m("{not: {contains: serverAuth}}")),
        serial: Some(m("'01'")),
        ..CertExpect::default()
    };
    assert_eq!(
        judge_cert(
            &other,
            SeenCerts {
                chain: &read_chain(&chain),
                verified: None
            },
            &Clock::Fixed(NOW)
        ),
        vec![
            mismatch(
                "cert eku",
                "not (contains \"serverAuth\")",
                "[\"serverAuth\", \"clientAuth\"]"
            ),
            mismatch("cert serial", "\"01\"", "\"8f1a2b3c\""),
        ]
    );
}

#[test]
fn under_at_the_time_left_counts_from_its_moment_and_says_so() {
    let expect = CertExpect {
        expires_in: Some(m("{gt: 21d}")),
        ..CertExpect::default()
    };
    let at = Clock::At(crate::syntax::when::AsOf {
        moment: NOW + Duration::days(30),
        given: "+30d".into(),
    });
    assert_eq!(
        judge_leaf(&expect, Some(leaf(Duration::days(40))), &at),
        vec![mismatch(
            "cert expires_in",
            "> 21d",
            "10d (not after 2027-01-04 10:00:00 UTC, as of 2026-12-25T10:00:00Z)"
        )]
    );
}

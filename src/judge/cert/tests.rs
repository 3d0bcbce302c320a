use super::*;
use crate::matcher::tests::m;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, SerialNumber,
};
use time::Duration;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00 UTC);

fn name(cn: &str, o: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, o);
    dn
}

/// A leaf for chat.test, valid from a day before NOW until NOW + `left`, with `key`, issued
/// by "Test CA".
fn leaf_with(left: Duration, key: KeyPair) -> Vec<u8> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name = name("Test CA", "Conform Tests");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let issuer = Issuer::new(ca, KeyPair::generate().unwrap());

    let sans = ["chat.test", "www.chat.test", "127.0.0.1", "::1"].map(String::from);
    let mut params = CertificateParams::new(sans.to_vec()).unwrap();
    params.distinguished_name = name("chat.test", "Phenom Test");
    params.not_before = NOW - Duration::days(1);
    params.not_after = NOW + left;
    // The high bit is set, so DER pads the serial with a zero byte that must not show.
    params.serial_number = Some(SerialNumber::from_slice(&[0x8f, 0x1a, 0x2b, 0x3c]));
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.signed_by(&key, &issuer).unwrap().der().to_vec()
}

fn leaf(left: Duration) -> Vec<u8> {
    leaf_with(left, KeyPair::generate().unwrap())
}

/// Judges `expires_in: <yaml>` on a leaf with `left` to go.
fn judge_expiry(yaml: &str, left: Duration) -> Vec<Mismatch> {
    let expect = CertExpect {
        expires_in: Some(m(yaml)),
        ..CertExpect::default()
    };
    judge_leaf(&expect, Some(leaf(left)), NOW)
}

/// Judges a leaf alone, as the http probe sees it.
fn judge_leaf(expect: &CertExpect, leaf: Option<Vec<u8>>, now: OffsetDateTime) -> Vec<Mismatch> {
    judge_cert(expect, SeenCerts::leaf(leaf.as_ref()), now)
}

fn mismatch(field: &str, expected: &str, actual: &str) -> Mismatch {
    Mismatch {
        field: field.into(),
        expected: expected.into(),
        actual: actual.into(),
        note: String::new(),
    }
}

#[test]
fn facts_of_a_leaf() {
    let der = leaf(Duration::days(30));
    let facts = cert_facts(&der).unwrap();
    let fingerprint: String = Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        facts,
        CertFacts {
            subject: "CN=chat.test, O=Phenom Test".into(),
            issuer: "CN=Test CA, O=Conform Tests".into(),
            san: vec![
                "chat.test".into(),
                "www.chat.test".into(),
                "127.0.0.1".into(),
                "::1".into()
            ],
            not_before: datetime!(2026-11-24 10:00:00 UTC),
            not_after: datetime!(2026-12-25 10:00:00 UTC),
            serial: "8f1a2b3c".into(),
            fingerprint_sha256: fingerprint,
            eku: vec!["serverAuth".into(), "clientAuth".into()],
            key: "ECDSA P-256".into(),
        }
    );
    assert_eq!(facts.fingerprint_sha256.len(), 64);
    assert!(
        facts
            .fingerprint_sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
}

#[test]
fn key_names() {
    let key = |alg| KeyPair::generate_for(alg).unwrap();
    let facts = |key| cert_facts(&leaf_with(Duration::days(1), key)).unwrap().key;
    assert_eq!(facts(key(&rcgen::PKCS_ED25519)), "Ed25519");
    assert_eq!(facts(key(&rcgen::PKCS_ECDSA_P384_SHA384)), "ECDSA P-384");
    // ring signs with RSA keys but cannot make them, hence a stored test-only key.
    let rsa = KeyPair::from_pem(include_str!("test-rsa2048.key.pem")).unwrap();
    assert_eq!(facts(rsa), "RSA 2048");
}

#[test]
fn rsa_sizes_count_bits_not_bytes() {
    // A 2048-bit modulus as DER carries it: a sign-padding zero, then 256 bytes.
    let mut modulus = vec![0x00, 0xc1];
    modulus.extend([0xff; 255]);
    assert_eq!(bit_length(&modulus), 2048);
    assert_eq!(bit_length(&modulus[1..]), 2048);
    assert_eq!(bit_length(&[0x01, 0x00]), 9);
    assert_eq!(bit_length(&[0x00]), 0);
    assert_eq!(serial_hex(&[0x00]), "00");
    assert_eq!(serial_hex(&[0x00, 0x8f, 0x01]), "8f01");
}

#[test]
fn seconds_left_goes_negative_once_expired() {
    let ahead = cert_facts(&leaf(Duration::days(30))).unwrap();
    assert_eq!(seconds_left(&ahead, NOW), 30.0 * 86_400.0);
    let expired = cert_facts(&leaf(-Duration::days(3))).unwrap();
    assert_eq!(seconds_left(&expired, NOW), -3.0 * 86_400.0);
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
    assert_eq!(judge_leaf(&expect, Some(der.clone()), NOW), vec![]);
    let ip = CertExpect {
        san: Some(m(r#"{contains: "127.0.0.1"}"#)),
        ..CertExpect::default()
    };
    assert_eq!(judge_leaf(&ip, Some(der.clone()), NOW), vec![]);
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
        judge_leaf(&expect, Some(der.clone()), NOW),
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
        judge_leaf(&expect, None, NOW),
        vec![
            mismatch("cert expires_in", "> 21d", none),
            mismatch("cert san", r#"contains "chat.test""#, none),
            mismatch("cert issuer", r#"contains "Test CA""#, none),
        ]
    );
    assert_eq!(judge_leaf(&CertExpect::default(), None, NOW), vec![]);
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
        judge_leaf(&expect, Some(garbage.to_vec()), NOW),
        vec![Mismatch {
            field: "cert".into(),
            expected: "an X.509 certificate (DER)".into(),
            actual: "the leaf: 24 bytes that do not parse as one".into(),
            note: why,
        }]
    );
    // Nothing expected of the certificate: nothing to fail.
    assert_eq!(
        judge_leaf(&CertExpect::default(), Some(garbage.to_vec()), NOW),
        vec![]
    );
}

#[test]
fn truncated_or_padded_der_is_not_a_certificate() {
    let der = leaf(Duration::days(30));
    assert_eq!(
        cert_facts(&der[..der.len() - 10]).unwrap_err(),
        "a length runs past the end of the data"
    );
    // Well-formed DER that is not a certificate: an INTEGER.
    assert!(!cert_facts(&[0x02, 0x01, 0x05]).unwrap_err().is_empty());
    let mut padded = der.clone();
    padded.extend([0, 0]);
    assert_eq!(
        cert_facts(&padded).unwrap_err(),
        "2 bytes follow the certificate"
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
        chain: &chain,
        verified: Some(&ok),
    };
    assert_eq!(
        judge_cert(&expect, seen, NOW),
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
        chain: &chain,
        verified: Some(&ok),
    };
    let out = judge_cert(&expect, seen, NOW);
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
                chain: &chain,
                verified: Some(&ok)
            },
            NOW
        ),
        vec![]
    );
    let bad = Err("certificate verify failed: expired".to_string());
    assert_eq!(
        judge_cert(
            &expect,
            SeenCerts {
                chain: &chain,
                verified: Some(&bad)
            },
            NOW
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
                chain: &chain,
                verified: None
            },
            NOW
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

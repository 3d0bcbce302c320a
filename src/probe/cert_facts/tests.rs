use super::*;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, SerialNumber,
};
use time::Duration;
use time::macros::datetime;

pub(crate) const NOW: OffsetDateTime = datetime!(2026-11-25 10:00:00 UTC);

pub(crate) fn name(cn: &str, o: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, o);
    dn
}

/// A leaf for chat.test, valid from a day before NOW until NOW + `left`, with `key`, issued
/// by "Test CA".
pub(crate) fn leaf_with(left: Duration, key: KeyPair) -> Vec<u8> {
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

pub(crate) fn leaf(left: Duration) -> Vec<u8> {
    leaf_with(left, KeyPair::generate().unwrap())
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

#[test]
fn a_chain_is_read_when_first_asked_and_only_once() {
    let chain = vec![leaf(Duration::days(30)), b"not a certificate".to_vec()];
    let facts = ChainFacts::default();
    assert!(facts.0.get().is_none(), "read before anyone asked");
    let first = facts.of(&chain);
    assert_eq!(first.len(), 2);
    assert_eq!(
        first[0].as_ref().map(|f| f.subject.as_str()),
        Ok("CN=chat.test, O=Phenom Test")
    );
    assert_eq!(first[1].as_ref().map_err(|u| u.len), Err(17));
    assert!(std::ptr::eq(first, facts.of(&chain)), "read a second time");
    // Equal whether read or not: the chain beside it decides.
    assert_eq!(facts, ChainFacts::default());
}

#[test]
fn a_certificate_is_parsed_once_per_process() {
    let der = leaf(Duration::days(30));
    let first = read(&der).unwrap();
    let again = read(&der.clone()).unwrap();
    assert!(Arc::ptr_eq(&first, &again), "the same DER was parsed twice");
    let other = read(&leaf(Duration::days(30))).unwrap();
    assert!(
        !Arc::ptr_eq(&first, &other),
        "another certificate got the first one's facts"
    );
    assert_eq!(first.subject, other.subject);
    assert_ne!(first.fingerprint_sha256, other.fingerprint_sha256);
    // Bytes that are not a certificate are never remembered: each read says why again.
    assert_eq!(read(b"junk").map_err(|u| u.len), Err(4));
}

/// A self-signed certificate with `names` DNS names, serial `serial`.
fn with_names(names: usize, serial: u32, key: &KeyPair) -> Vec<u8> {
    let sans: Vec<String> = (0..names).map(|i| format!("name-{i}.many.test")).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.serial_number = Some(SerialNumber::from_slice(&serial.to_be_bytes()));
    params.self_signed(key).unwrap().der().to_vec()
}

#[test]
fn a_large_certificate_is_not_remembered() {
    // A server may present up to 64 KiB of certificate; such a one is read each time instead
    // of being kept for the life of the process (`--watch`).
    let der = with_names(1_000, 1, &KeyPair::generate().unwrap());
    assert!(der.len() > LARGEST_REMEMBERED, "{} bytes", der.len());
    let first = read(&der).unwrap();
    assert_eq!(first.san.len(), 1_000);
    assert!(!Arc::ptr_eq(&first, &read(&der).unwrap()));
}

#[test]
fn the_memory_of_certificates_is_bounded_in_count_and_bytes() {
    let key = KeyPair::generate().unwrap();
    let remember = |memo: &mut Memo, names: usize, serial: u32| {
        let der = with_names(names, serial, &key);
        assert!(der.len() <= LARGEST_REMEMBERED, "{} bytes", der.len());
        memo.keep(&der, &Arc::new(cert_facts(&der).unwrap()));
    };
    // Small certificates: up to the count.
    let mut memo = Memo::default();
    for serial in 0..=REMEMBERED as u32 {
        remember(&mut memo, 1, serial);
    }
    assert_eq!(memo.facts.len(), REMEMBERED);
    assert!(memo.held <= MEMO_BYTES, "{} bytes held", memo.held);
    // Certificates of 100 names: up to the bytes, well before the count.
    let mut memo = Memo::default();
    for serial in 0..REMEMBERED as u32 {
        remember(&mut memo, 100, serial);
    }
    assert!(memo.held <= MEMO_BYTES, "{} bytes held", memo.held);
    assert!(
        (100..REMEMBERED).contains(&memo.facts.len()),
        "{} remembered",
        memo.facts.len()
    );
}

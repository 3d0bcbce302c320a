use super::*;

#[test]
fn alert_names_are_snake_case() {
    assert_eq!(
        alert_name(&rustls::AlertDescription::CertificateRequired),
        "certificate_required"
    );
    assert_eq!(
        alert_name(&rustls::AlertDescription::HandshakeFailure),
        "handshake_failure"
    );
    assert_eq!(
        alert_name(&rustls::AlertDescription::UnknownCA),
        "unknown_ca"
    );
    assert_eq!(
        alert_name(&rustls::AlertDescription::UnknownPSKIdentity),
        "unknown_psk_identity"
    );
    assert_eq!(
        alert_name(&rustls::AlertDescription::UnrecognisedName),
        "unrecognized_name"
    );
    assert_eq!(snake_case("UnknownCA"), "unknown_ca");
}

#[test]
fn certificate_errors_in_plain_words() {
    let err = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
    assert_eq!(
        describe_tls_error(&err),
        "certificate verify failed: unknown issuer (not signed by a trusted CA; add it with ca_file)"
    );
    let io = std::io::Error::new(std::io::ErrorKind::InvalidData, err);
    assert_eq!(
        find_tls_error(&io),
        Some(&rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        ))
    );
}

#[test]
fn webpki_reasons_in_plain_words() {
    let other = rustls::OtherError(Arc::new(webpki::Error::CaUsedAsEndEntity));
    let err = rustls::Error::InvalidCertificate(CertificateError::Other(other));
    assert_eq!(
        describe_verification_error(&err),
        "the certificate is a CA certificate (basicConstraints CA:TRUE), not a server's or \
         a client's"
    );
}

#[test]
fn same_settings_same_key() {
    let a = TlsOptions::default();
    let b = TlsOptions {
        verify: false,
        ..TlsOptions::default()
    };
    assert_eq!(settings_key(&a), settings_key(&TlsOptions::default()));
    assert_ne!(settings_key(&a), settings_key(&b));
}

#[test]
fn reasons_are_words_not_rust_syntax() {
    assert_eq!(
        debug_words("NoCipherSuitesInCommon"),
        "no cipher suites in common"
    );
    assert_eq!(
        debug_words("InvalidContentType(Unknown(99))"),
        "invalid content type"
    );
    assert_eq!(debug_words("UnknownCA"), "unknown ca");
}

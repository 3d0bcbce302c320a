use super::*;

#[test]
fn targets_of_every_kind_are_read() {
    let t = |s: &str| parse_target(s);
    assert_eq!(
        t("tls://example.com?sni=other.example"),
        Ok(Target::Tls {
            host: "example.com".into(),
            port: 443,
            sni: Some("other.example".into()),
            starttls: None,
        })
    );
    assert_eq!(
        t("tls://mail.example:587?starttls=smtp&sni=smtp.example"),
        Ok(Target::Tls {
            host: "mail.example".into(),
            port: 587,
            sni: Some("smtp.example".into()),
            starttls: Some("smtp".into()),
        })
    );
    assert_eq!(
        t("tcp://[::1]:22"),
        Ok(Target::Tcp {
            host: "::1".into(),
            port: 22
        })
    );
    assert_eq!(
        t("dns://127.0.0.1:5353/example.com?type=AAAA"),
        Ok(Target::Dns {
            server: Some("127.0.0.1:5353".into()),
            name: "example.com".into(),
            record_type: "AAAA".into()
        })
    );
    assert_eq!(
        t("dns://example.com/MX"),
        Ok(Target::Dns {
            server: None,
            name: "example.com".into(),
            record_type: "MX".into()
        })
    );
    assert_eq!(
        t("cert:pki/leaf.pem"),
        Ok(Target::Cert {
            file: "pki/leaf.pem".into()
        })
    );
    assert_eq!(
        t("tcp://db"),
        Err("`tcp://db` has no port; expected tcp://HOST:PORT, such as tcp://db:5432".into())
    );
    assert!(t("ftp://x").unwrap_err().contains("unknown scheme `ftp`"));
    assert!(t("tls://h:0").unwrap_err().contains("`0` is not a port"));
}

#[test]
fn expects_merge_key_by_key_and_errors_name_the_argument() {
    let req = AdhocRequest {
        target: "tcp://127.0.0.1:1".into(),
        expects: vec!["time: { lt: 2s }".into(), "connect: refusd".into()],
        ..AdhocRequest::default()
    };
    let errors = adhoc_plan(Path::new("."), None, &req, &|_| None).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, PathBuf::from("--expect #2"));
    assert_eq!(
        errors[0].pos,
        Pos {
            line: 1,
            column: 10
        }
    );
    let merged = merged_expect(&["cert: { san: a }".into(), "cert: { issuer: b }".into()])
        .unwrap()
        .unwrap();
    let cert = merged.get("cert").unwrap().as_map().unwrap();
    assert_eq!(cert.len(), 2);
}

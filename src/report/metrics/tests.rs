use super::*;
use crate::probe::{CertObservation, HandshakeOutcome, ProbeErrorKind, TlsObservation};
use crate::report::detail::fixtures::*;
use rcgen::{CertificateParams, KeyPair};
use std::time::Duration;

/// A self-signed certificate for chat.test, valid until `not_after`.
fn certificate(not_after: time::OffsetDateTime) -> Vec<u8> {
    let mut params = CertificateParams::new(vec!["chat.test".to_string()]).unwrap();
    params.not_before = not_after - time::Duration::days(90);
    params.not_after = not_after;
    params
        .self_signed(&KeyPair::generate().unwrap())
        .unwrap()
        .der()
        .to_vec()
}

fn sample() -> RunReport {
    let mut flaky = result(
        check("nest", "nest/up", "up"),
        Outcome::Pass,
        vec![failed(Vec::new()), passed()],
    );
    flaky.flaky = true;
    flaky.duration = Duration::from_millis(1500);
    report(vec![
        result(
            check("chat", "chat/up", "up"),
            Outcome::Pass,
            vec![passed()],
        ),
        result(
            check("chat", "chat/root", "root"),
            Outcome::Fail,
            vec![failed(vec![mismatch("status", "302", "200")])],
        ),
        pending_waf(),
        fixed_new(),
        flaky,
        result(
            check("nest", "nest/api", "api"),
            Outcome::Error,
            vec![errored(ProbeErrorKind::Refused, "refused")],
        ),
        result(check("dns", "dns/mx", "mx"), Outcome::NotRun, Vec::new()),
    ])
}

#[test]
fn every_family_in_order() {
    let l = |id: &str, suite: &str| format!("id=\"{id}\",env=\"prod\",suite=\"{suite}\"");
    let ran = [
        ("chat/up", "chat"),
        ("chat/root", "chat"),
        ("chat/waf", "chat"),
        ("chat/new", "chat"),
        ("nest/up", "nest"),
        ("nest/api", "nest"),
    ];
    let series = |name: &str, values: [&str; 6]| -> String {
        ran.iter()
            .zip(values)
            .map(|((id, suite), v)| format!("{name}{{{}}} {v}\n", l(id, suite)))
            .collect()
    };
    let expected = [
        "# HELP conform_check_up Whether the check passed (1) or not (0); pending and fixed checks are 0.\n\
         # TYPE conform_check_up gauge\n".to_string(),
        series("conform_check_up", ["1", "0", "0", "0", "1", "0"]),
        "# HELP conform_check_pending Whether the check failed as its pending reason says it will (1), an excused failure.\n\
         # TYPE conform_check_pending gauge\n".to_string(),
        series("conform_check_pending", ["0", "0", "1", "0", "0", "0"]),
        "# HELP conform_check_flaky Whether the check passed only after a retry (1).\n\
         # TYPE conform_check_flaky gauge\n".to_string(),
        series("conform_check_flaky", ["0", "0", "0", "0", "1", "0"]),
        "# HELP conform_check_duration_seconds Time the check took: every attempt and the delays between them.\n\
         # TYPE conform_check_duration_seconds gauge\n".to_string(),
        series(
            "conform_check_duration_seconds",
            ["0.12", "0.12", "0.12", "0.12", "1.5", "0.12"],
        ),
        "# HELP conform_check_outcome The check's outcome, as the outcome label; always 1.\n\
         # TYPE conform_check_outcome gauge\n\
         conform_check_outcome{id=\"chat/up\",env=\"prod\",suite=\"chat\",outcome=\"pass\"} 1\n\
         conform_check_outcome{id=\"chat/root\",env=\"prod\",suite=\"chat\",outcome=\"fail\"} 1\n\
         conform_check_outcome{id=\"chat/waf\",env=\"prod\",suite=\"chat\",outcome=\"pending\"} 1\n\
         conform_check_outcome{id=\"chat/new\",env=\"prod\",suite=\"chat\",outcome=\"fixed\"} 1\n\
         conform_check_outcome{id=\"nest/up\",env=\"prod\",suite=\"nest\",outcome=\"pass\"} 1\n\
         conform_check_outcome{id=\"nest/api\",env=\"prod\",suite=\"nest\",outcome=\"error\"} 1\n\
         conform_check_outcome{id=\"dns/mx\",env=\"prod\",suite=\"dns\",outcome=\"not_run\"} 1\n\
         # HELP conform_cert_expiry_seconds Seconds from the evaluation time (the run's start, or --at) until the observed certificate's notAfter; negative once expired.\n\
         # TYPE conform_cert_expiry_seconds gauge\n\
         # HELP conform_run_duration_seconds Wall time of the whole run.\n\
         # TYPE conform_run_duration_seconds gauge\n\
         conform_run_duration_seconds{env=\"prod\"} 0.42\n\
         # HELP conform_run_timestamp_seconds When the run started, in seconds since the Unix epoch.\n\
         # TYPE conform_run_timestamp_seconds gauge\n\
         conform_run_timestamp_seconds{env=\"prod\"} 1777636800\n\
         # HELP conform_checks Number of checks of the run with each outcome.\n\
         # TYPE conform_checks gauge\n\
         conform_checks{env=\"prod\",outcome=\"pass\"} 2\n\
         conform_checks{env=\"prod\",outcome=\"fail\"} 1\n\
         conform_checks{env=\"prod\",outcome=\"error\"} 1\n\
         conform_checks{env=\"prod\",outcome=\"pending\"} 1\n\
         conform_checks{env=\"prod\",outcome=\"fixed\"} 1\n\
         conform_checks{env=\"prod\",outcome=\"not_run\"} 1\n"
            .to_string(),
    ]
    .concat();
    assert_eq!(metrics(&sample(), &Secrets::default()), expected);
}

#[test]
fn label_values_are_escaped_and_redacted() {
    let mut c = check("a\"b\\c\nd", "x/s3cr3t-t0ken", "x");
    c.suite = "a\"b\\c\nd".into();
    let mut report = report(vec![result(c, Outcome::Pass, vec![passed()])]);
    report.env = "pr\"od".into();
    let out = metrics(&report, &secrets());
    assert!(!out.contains("s3cr3t"), "{out}");
    assert!(
        out.contains(
            "conform_check_up{id=\"x/[redacted:TOKEN]\",env=\"pr\\\"od\",\
             suite=\"a\\\"b\\\\c\\nd\"} 1\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("conform_run_duration_seconds{env=\"pr\\\"od\"} 0.42\n"),
        "{out}"
    );
    // Every sample stays on its line: name{labels} value.
    for line in out.lines().filter(|l| !l.starts_with('#')) {
        assert_eq!(line.matches("} ").count(), 1, "{line}");
    }
}

#[test]
fn certificate_expiry_from_each_probe_kind() {
    let started = time::macros::datetime!(2026-05-01 12:00:00 UTC);
    let in_30_days = certificate(started + time::Duration::days(30));
    let expired = certificate(started - time::Duration::hours(1));

    let mut http = passed();
    let mut seen = observation(200, b"ok");
    seen.peer_certificate = Some(in_30_days.clone());
    http.observation = Some(Observation::Http(seen));

    let mut tls = passed();
    tls.observation = Some(Observation::Tls(TlsObservation {
        target: "127.0.0.1:443".into(),
        sni: "chat.test".into(),
        outcome: HandshakeOutcome::Accepted,
        version: Some("1.3".into()),
        cipher_suite: None,
        alpn: None,
        facts: Default::default(),
        chain: vec![expired, in_30_days.clone()],
        verified: Ok(()),
        upgrade: Vec::new(),
        certificate_requested: false,
        elapsed: Duration::from_millis(5),
    }));

    let mut file = failed(vec![mismatch("cert expires_in", "> 60d", "30d")]);
    file.observation = Some(Observation::Cert(CertObservation::new(
        vec![in_30_days],
        Err("unknown issuer".into()),
    )));

    let mut garbage = passed();
    garbage.observation = Some(Observation::Cert(CertObservation::new(
        vec![b"not a certificate".to_vec()],
        Err("bad".into()),
    )));

    let report = report(vec![
        result(check("web", "web/http", "h"), Outcome::Pass, vec![http]),
        result(check("web", "web/tls", "t"), Outcome::Pass, vec![tls]),
        result(check("pki", "pki/file", "f"), Outcome::Fail, vec![file]),
        result(check("pki", "pki/bad", "b"), Outcome::Pass, vec![garbage]),
        result(
            check("web", "web/plain", "p"),
            Outcome::Pass,
            vec![passed()],
        ),
        result(
            check("web", "web/down", "d"),
            Outcome::Error,
            vec![errored(ProbeErrorKind::Timeout, "timeout")],
        ),
    ]);
    let out = metrics(&report, &Secrets::default());
    let expiry: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("conform_cert_expiry_seconds{"))
        .collect();
    assert_eq!(
        expiry,
        [
            "conform_cert_expiry_seconds{id=\"web/http\",env=\"prod\",suite=\"web\"} 2592000",
            "conform_cert_expiry_seconds{id=\"web/tls\",env=\"prod\",suite=\"web\"} -3600",
            "conform_cert_expiry_seconds{id=\"pki/file\",env=\"prod\",suite=\"pki\"} 2592000",
        ]
    );
}

#[test]
fn sample_values_as_the_format_spells_them() {
    assert_eq!(number(0.25), "0.25");
    assert_eq!(number(-3600.0), "-3600");
    assert_eq!(number(f64::INFINITY), "+Inf");
    assert_eq!(number(f64::NEG_INFINITY), "-Inf");
    assert_eq!(number(f64::NAN), "NaN");
    assert_eq!(
        unix_seconds(time::macros::datetime!(2026-05-01 12:00:00.120 UTC)),
        "1777636800.12"
    );
    assert_eq!(
        unix_seconds(time::macros::datetime!(1969-12-31 23:59:59.5 UTC)),
        "-0.5"
    );
}

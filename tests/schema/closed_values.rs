//! Closed values (enums): the loader and the schema give every value the same verdict.

use super::{PROD_ENV, errors, load, validator, yaml};
use conform::config::schema::{check_file_schema, schema_document};

/// One check of `probe` with `expect`, alone in a file.
fn one_check(probe: &str, expect: &str) -> String {
    format!("checks:\n  - name: closed\n    {probe}\n    expect: {expect}\n")
}

/// Closed sets (rcode, alert, version, key, eku, status, record type, handshake, connect):
/// the loader and both schemas give the same verdict on every member of every set, and on
/// values outside them, at any depth of `not`, `any_of`, `all_of`, `one_of` and lists.
#[test]
fn closed_values_get_the_same_verdict_from_loader_and_schema() {
    use conform::config::closed::{ALERTS, EKUS, KEYS, RCODES, RECORD_TYPES, TLS_VERSIONS};
    let dns = "dns: { name: a.test., type: A }";
    let tls = "tls: { host: a.test }";
    let http = "http: { url: \"https://a.test/\" }";
    let mut cases: Vec<(String, bool)> = Vec::new();
    let quoted = |v: &str| format!("\"{v}\"");
    for v in RCODES.values {
        cases.push((one_check(dns, &format!("{{ rcode: {v} }}")), true));
        cases.push((
            one_check(dns, &format!("{{ rcode: {{ not: {v} }} }}")),
            true,
        ));
    }
    for v in ALERTS.values {
        cases.push((one_check(tls, &format!("{{ alert: {v} }}")), true));
    }
    for v in TLS_VERSIONS.values {
        cases.push((
            one_check(tls, &format!("{{ version: {} }}", quoted(v))),
            true,
        ));
        cases.push((one_check(tls, &format!("{{ version: {v} }}")), true));
    }
    for v in KEYS.values {
        cases.push((
            one_check(tls, &format!("{{ cert: {{ key: {} }} }}", quoted(v))),
            true,
        ));
    }
    for v in EKUS.values {
        cases.push((
            one_check(tls, &format!("{{ cert: {{ eku: {{ contains: {v} }} }} }}")),
            true,
        ));
        cases.push((
            one_check(tls, &format!("{{ cert: {{ eku: [{v}] }} }}")),
            true,
        ));
    }
    for v in RECORD_TYPES.values {
        let lower = v.to_ascii_lowercase();
        for t in [v.to_string(), lower] {
            cases.push((
                one_check(
                    &format!("dns: {{ name: a.test., type: {t} }}"),
                    "{ rcode: NOERROR }",
                ),
                true,
            ));
        }
    }
    for v in conform::config::model::Starttls::NAMES {
        let probe = format!("tls: {{ host: a.test, port: 25, starttls: {v} }}");
        cases.push((one_check(&probe, "{ handshake: accepted }"), true));
    }
    for v in ["smpt", "SMTP", "\"\"", "[smtp]", "{ not: smtp }", "25"] {
        let probe = format!("tls: {{ host: a.test, port: 25, starttls: {v} }}");
        cases.push((one_check(&probe, "{ handshake: accepted }"), false));
    }
    for (probe, expect) in [
        (dns, "{ rcode: RCODE12 }"),
        (dns, "{ rcode: { not: RCODE4095 } }"),
        (tls, "{ alert: \"unknown alert 200\" }"),
        (tls, "{ cert: { eku: { contains: 1.3.6.1.5.5.7.3.17 } } }"),
        (tls, "{ cert: { key: \"RSA 1536\" } }"),
        (http, "{ status: { gt: 100, lte: 598 } }"),
        (http, "{ status: { gte: 599 } }"),
    ] {
        cases.push((one_check(probe, expect), true));
    }
    for status in [
        "100",
        "599",
        "302",
        "\"3xx\"",
        "[301, 308]",
        "{ not: 5xx }",
        "{ any_of: [2xx, 404] }",
        "{ gte: 200, lt: 400 }",
        "\"204\"",
    ] {
        cases.push((one_check(http, &format!("{{ status: {status} }}")), true));
    }
    let rejected: &[(&str, &str)] = &[
        (dns, "{ rcode: { not: NXDOMAN } }"),
        (dns, "{ rcode: NOERORR }"),
        (dns, "{ rcode: noerror }"),
        (dns, "{ rcode: { any_of: [NOERROR, { not: SERVFAL }] } }"),
        (dns, "{ rcode: { one_of: [NOERROR, NXDOMAN] } }"),
        (dns, "{ rcode: { gt: 1 } }"),
        (dns, "{ rcode: [NOERROR] }"),
        (tls, "{ version: \"1.4\" }"),
        (tls, "{ version: 1.4 }"),
        (tls, "{ alert: certificate_requird }"),
        (tls, "{ alert: { not: certificate_requird } }"),
        (tls, "{ handshake: rejectd }"),
        (tls, "{ cert: { key: \"ECDSA P-265\" } }"),
        (tls, "{ cert: { eku: serverAuth } }"),
        (tls, "{ cert: { eku: { contains: serverauth } } }"),
        (tls, "{ cert: { eku: [serverAuth, clientauth] } }"),
        (tls, "{ cert: { eku: { each: { not: codesigning } } } }"),
        (http, "{ status: 999 }"),
        (http, "{ status: 99 }"),
        (http, "{ status: \"two hundred\" }"),
        (http, "{ status: [200, 999] }"),
        (http, "{ status: { not: 600 } }"),
        (http, "{ status: { any_of: [2xx, 6xx] } }"),
        ("tcp: { host: a.test, port: 1 }", "{ connect: refsed }"),
        ("dns: { name: a.test., type: AAA }", "{ rcode: NOERROR }"),
        (dns, "{}"),
        (tls, "{}"),
        (http, "{}"),
        ("tcp: { host: a.test, port: 1 }", "{}"),
        (http, "{ status: 200, headers: {} }"),
        (http, "{ status: 200, body: { json: {} } }"),
        (tls, "{ cert: {} }"),
        (http, "{ status: { all_of: [] } }"),
        (http, "{ status: { not: [] } }"),
        (http, "{ status: { not: { one_of: [] } } }"),
        (http, "{ status: { not: { any_of: [] } } }"),
        (http, "{ status: 200, body: { all_of: [] } }"),
        (http, "{ status: 200, headers: { server: { any_of: [] } } }"),
        (dns, "{ rcode: { not: { one_of: [] } } }"),
        (http, "{ status: { lt: 1000 } }"),
        (http, "{ status: { not: { gt: 600 } } }"),
        (http, "{ status: { gte: 100 } }"),
        (http, "{ status: { lte: 599 } }"),
        (http, "{ status: { gt: 1s } }"),
        (dns, "{ rcode: { not: RCODE3 } }"),
        (dns, "{ rcode: RCODE5000 }"),
        (dns, "{ rcode: RCODE012 }"),
        (tls, "{ alert: \"unknown alert 116\" }"),
        (tls, "{ alert: \"unknown alert 999\" }"),
        (
            tls,
            "{ cert: { eku: { not: { contains: 1.3.6.1.5.5.7.3.2 } } } }",
        ),
    ];
    for (probe, expect) in rejected {
        cases.push((one_check(probe, expect), false));
    }
    cases.push((
        one_check(http, "{ status: 200 }").replace("    http:", "    envs: []\n    http:"),
        false,
    ));
    cases.push((
        one_check(http, "{ status: 200 }").replace("    http:", "    envs: [prod]\n    http:"),
        true,
    ));
    let own = validator(&check_file_schema());
    let combined = validator(&schema_document());
    let mut disagreements = Vec::new();
    for (text, accepted) in &cases {
        let loader = load(text, PROD_ENV);
        let document = yaml(text);
        let verdicts = [
            ("loader", loader.is_ok()),
            ("schema", errors(&own, &document).is_empty()),
            ("combined schema", errors(&combined, &document).is_empty()),
        ];
        for (who, ok) in verdicts {
            if ok != *accepted {
                disagreements.push(format!(
                    "{who} {} {text:?}{}",
                    if ok { "accepts" } else { "rejects" },
                    loader
                        .as_ref()
                        .err()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

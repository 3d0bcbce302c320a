//! `conform schema`: the JSON Schema of check and environment files accepts every file this
//! repository ships and a file using every key the loader accepts, rejects what the loader
//! rejects (unknown keys, wrong types, unknown matcher keys), and names exactly the loader's
//! keys, so that the two cannot drift apart unnoticed.

use conform::config::load::check_files;
use conform::config::schema::{check_file_schema, environment_schema, schema_document};
use conform::config::{checkfile, environment, http, net, tls};
use conform::matcher::decode::MATCHER_KEYS;
use jsonschema::Validator;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn validator(schema: &Value) -> Validator {
    jsonschema::meta::validate(schema).unwrap_or_else(|e| panic!("not a valid JSON Schema: {e}"));
    jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

fn yaml(text: &str) -> Value {
    // As the loader reads YAML: 1.2 booleans (true and false only).
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Value>(text, options)
        .unwrap_or_else(|e| panic!("invalid YAML: {e}\n{text}"))
}

/// Every violation as `path: message`, empty when the document is valid.
fn errors(v: &Validator, document: &Value) -> Vec<String> {
    v.iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The shipped files, found as the loader finds them.
fn shipped_check_files() -> Vec<PathBuf> {
    check_files(&repository()).expect("checks/ in the repository")
}

fn shipped_environments() -> Vec<PathBuf> {
    let dir = repository();
    environment::env_names(&dir)
        .iter()
        .filter_map(|name| environment::env_file(&dir, name))
        .collect()
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn assert_valid(schemas: &[&Validator], files: &[PathBuf]) {
    assert!(!files.is_empty(), "no files to check");
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("readable");
        let document = yaml(&text);
        for v in schemas {
            for e in errors(v, &document) {
                failures.push(format!("{}: {e}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_shipped_check_file_validates() {
    let (own, combined) = (
        validator(&check_file_schema()),
        validator(&schema_document()),
    );
    assert_valid(&[&own, &combined], &shipped_check_files());
}

#[test]
fn every_shipped_environment_validates() {
    let (own, combined) = (
        validator(&environment_schema()),
        validator(&schema_document()),
    );
    assert_valid(&[&own, &combined], &shipped_environments());
}

/// One file with every key of every probe, expectation and matcher, in the forms the
/// loader accepts: variables in typed fields, the long `pending`, lists and single values.
const EVERY_KEY: &str = r#"
suite: everything
defaults: { tags: all, envs: [prod], timeout: 10s, retries: 1, retry_delay: 500ms }
checks:
  - name: http with every key
    id: everything/http
    tags: [gate, nightly]
    envs: prod
    pending: { reason: "not live yet", until: 2030-12-31 }
    timeout: ${timeout}
    retries: "2"
    retry_delay: 1m30s
    http:
      url: https://${host}:8443/path?q=1
      method: post
      headers: { authorization: "Bearer ${env:TOKEN}", x-count: 3 }
      json: { query: "{ __typename }", list: [1, true, null] }
      follow_redirects: { max: 5, allow_downgrade: true }
      connect_to: "127.0.0.1:${port}"
      body_limit: 4MiB
      tls: { verify: false, ca_file: ca.pem, client_cert: client.pem, client_key: client.key, sni: other.test, versions: ["1.2", 1.3] }
    expect:
      status: { not: { one_of: [301, 302] } }
      headers:
        location: { starts_with: "https://", ends_with: /, matches: "^https://[a-z.]+/$" }
        cf-ray: { present: true }
        x-powered-by: { absent: "true" }
        server: ~
      body:
        contains: ok
        json:
          "$.items[*].id": { each: { gte: 1 }, count: { lte: 10 }, empty: false }
          "$.name": { any_of: [{ equals: a }, { equals: { nested: [1] } }], all_of: [{ contains: a }] }
      cert: { expires_in: { gt: 21d }, san: [a.test, b.test], subject: { contains: CN=a }, issuer: x, eku: { contains: serverAuth }, key: ECDSA P-256, fingerprint_sha256: 3f9a, serial: 8f1a }
      time: { lt: 2s }
  - name: http statuses
    http: { url: "http://${host}/", follow_redirects: true, body: raw text }
    expect: { status: "3xx", body: [a, b] }
  - name: http status list
    http: { url: "http://${host}/" }
    expect: { status: [200, 204], body: { json: { "$.a": 1 } } }
  - name: tls with every key
    pending: not yet
    tls: { host: "${host}", port: "${port}", sni: other.test, alpn: [h2, http/1.1], verify: "false", ca_file: ca.pem, client_cert: client.pem, client_key: client.key, versions: "1.3" }
    expect:
      handshake: rejected
      alert: certificate_required
      version: "1.3"
      alpn: h2
      cert: { chain_expires_in: { gt: 14d }, chain_valid: true, expires_in: { gt: -1d } }
  - name: dns with every key
    dns: { name: nest.test, type: a, server: "1.1.1.1:53", protocol: TCP }
    expect:
      rcode: NOERROR
      answers: { in_cidr: [104.16.0.0/13, "2606:4700::/32"] }
      cnames: { empty: true }
      ttl: { lte: 300 }
      time: { lt: 1s }
  - name: dns one cidr
    dns: { name: nest.test., type: CNAME }
    expect: { answers: { in_cidr: 10.0.0.0/8 } }
  - name: tcp with every key
    tcp: { host: "${host}", port: 22 }
    expect: { connect: refused, time: { lt: 1s } }
  - name: tcp accepted
    tcp: { host: "${host}", port: 22 }
    expect: { connect: accepted }
  - name: cert with every key
    cert: { file: client.pem, ca_file: ca.pem }
    expect:
      cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d }, chain_valid: true }
"#;

const BASE_ENV: &str = "abstract: true\nvars: { port: 8443 }\ndefaults: { timeout: 10s, retries: 1, retry_delay: 2s }\n";

const PROD_ENV: &str = r#"
name: prod
extends: base
vars: { host: a.test, timeout: 5s, token: "${secret:TOKEN}", count: 3, on: true }
resolvers: [1.1.1.1:53, "[2606:4700::1111]:53", 10.0.0.2]
resolve: { a.test: 127.0.0.1, "b.test:443": "127.0.0.1:8443" }
tls: { ca_file: ../checks/ca.pem }
defaults: { timeout: 10s, retries: "1", retry_delay: 2s }
concurrency: 32
host_concurrency: 4
"#;

/// What the loader makes of a project with this check file (`checks/everything.yaml`,
/// beside the PEM files it names) and this `environments/prod.yaml` over `BASE_ENV`: the
/// number of checks, or every error.
fn load(check_file: &str, prod_env: &str) -> Result<usize, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let ca = rcgen::generate_simple_self_signed(vec!["ca.test".to_string()]).expect("a cert");
    let client = rcgen::generate_simple_self_signed(vec!["client".to_string()]).expect("a cert");
    write("checks/ca.pem", &ca.cert.pem());
    write("checks/client.pem", &client.cert.pem());
    write("checks/client.key", &client.signing_key.serialize_pem());
    write("checks/everything.yaml", check_file);
    write("environments/base.yaml", BASE_ENV);
    write("environments/prod.yaml", prod_env);
    let getenv = |name: &str| matches!(name, "TOKEN").then(|| "t0k".to_string());
    match conform::config::load::load_plan(dir.path(), "prod", &getenv) {
        Ok(plan) => Ok(plan.checks.len()),
        Err(errors) => Err(errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

#[test]
fn a_file_with_every_key_loads_and_validates() {
    assert_eq!(load(EVERY_KEY, PROD_ENV), Ok(9));
    let combined = validator(&schema_document());
    let check_file = yaml(EVERY_KEY);
    assert_eq!(
        errors(&validator(&check_file_schema()), &check_file),
        [""; 0]
    );
    assert_eq!(errors(&combined, &check_file), [""; 0]);
    for env in [BASE_ENV, PROD_ENV, ""] {
        assert_eq!(
            errors(&validator(&environment_schema()), &yaml(env)),
            [""; 0]
        );
        assert_eq!(errors(&combined, &yaml(env)), [""; 0], "{env}");
    }
}

/// Each `(from, to, path)`: `base` with `from` replaced by `to` is refused by the loader
/// (`load` is its verdict on the text) and by both schemas, which report an error at `path`.
fn assert_rejected(
    base: &str,
    mistakes: &[(&str, &str, &str)],
    schema: &Value,
    load: impl Fn(&str) -> Result<usize, String>,
) {
    let own = validator(schema);
    let combined = validator(&schema_document());
    for (from, to, path) in mistakes {
        assert!(base.contains(from), "`{from}` is not in the sample");
        let text = base.replacen(from, to, 1);
        assert!(load(&text).is_err(), "the loader accepts `{to}`");
        let document = yaml(&text);
        for (which, v) in [("own", &own), ("combined", &combined)] {
            let found = errors(v, &document);
            assert!(
                found.iter().any(|e| e.starts_with(&format!("{path}: "))),
                "{which} schema, `{to}`: expected an error at `{path}`, got {found:#?}"
            );
        }
    }
}

#[test]
fn check_file_mistakes_are_rejected_where_they_are() {
    let mistakes = [
        // unknown keys, at every level
        ("    id: everything/http\n", "    idd: x\n", "/checks/0"),
        (
            "      method: post\n",
            "      methd: post\n",
            "/checks/0/http",
        ),
        (
            "      time: { lt: 2s }\n",
            "      timing: { lt: 2s }\n",
            "/checks/0/expect",
        ),
        (
            "verify: false, ca_file",
            "verfy: false, ca_file",
            "/checks/0/http/tls",
        ),
        (
            "{ chain_expires_in",
            "{ chain_expire: 1, chain_expires_in",
            "/checks/3/expect/cert",
        ),
        (
            "chain_valid: true }\n",
            "chain_valid: true, body_size: 1 }\n",
            "/checks/8/expect/cert",
        ),
        ("suite: everything", "suit: everything", ""),
        (
            "retry_delay: 500ms }",
            "retry_delay: 500ms, retry: 1 }",
            "/defaults",
        ),
        // a matcher with an unknown key, at the top and nested
        (
            "{ contains: serverAuth }",
            "{ containz: serverAuth }",
            "/checks/0/expect/cert/eku",
        ),
        (
            "{ each: { gte: 1 }",
            "{ each: { greater: 1 }",
            "/checks/0/expect/body/json/$.items[*].id/each",
        ),
        (
            "cnames: { empty: true }",
            "cnames: {}",
            "/checks/4/expect/cnames",
        ),
        // wrong types and values
        ("retries: \"2\"", "retries: many", "/checks/0/retries"),
        (
            "retry_delay: 1m30s",
            "retry_delay: 90",
            "/checks/0/retry_delay",
        ),
        (
            "port: 22 }\n    expect: { connect",
            "port: ssh }\n    expect: { connect",
            "/checks/6/tcp/port",
        ),
        (
            "connect: refused",
            "connect: closed",
            "/checks/6/expect/connect",
        ),
        (
            "handshake: rejected",
            "handshake: refused",
            "/checks/3/expect/handshake",
        ),
        ("{ lt: 2s }", "{ lt: soon }", "/checks/0/expect/time/lt"),
        (
            "body_limit: 4MiB",
            "body_limit: 4 lots",
            "/checks/0/http/body_limit",
        ),
        (
            "versions: \"1.3\"",
            "versions: \"1.1\"",
            "/checks/3/tls/versions",
        ),
        (
            "status: \"3xx\"",
            "status: \"6xx\"",
            "/checks/1/expect/status",
        ),
        (
            "until: 2030-12-31",
            "until: next year",
            "/checks/0/pending/until",
        ),
        (
            "{ reason: \"not live yet\", until",
            "{ until",
            "/checks/0/pending",
        ),
        (
            "url: https://${host}",
            "url: ftp://${host}",
            "/checks/0/http/url",
        ),
        (
            "tags: [gate, nightly]",
            "tags: { gate: true }",
            "/checks/0/tags",
        ),
        ("checks:\n", "checks:\n  - just a string\n", "/checks/0"),
        // a check's shape: one probe, an expect that fits it, both halves of a key pair
        (
            "    dns: { name: nest.test.,",
            "    tcp: { host: a, port: 1 }\n    dns: { name: nest.test.,",
            "/checks/5",
        ),
        ("    expect: { connect: accepted }\n", "\n", "/checks/7"),
        (
            "    expect: { connect: accepted }\n",
            "    expect: {}\n",
            "/checks/7/expect",
        ),
        (
            "expect: { connect: refused",
            "expect: { status: 200, connect: refused",
            "/checks/6/expect",
        ),
        (
            "follow_redirects: true, body: raw text }",
            "body: a, json: {} }",
            "/checks/1/http",
        ),
        (
            "follow_redirects: { max: 5, allow_downgrade: true }",
            "follow_redirects: { max: 5, allow_downgrades: true }",
            "/checks/0/http/follow_redirects",
        ),
        (
            "follow_redirects: { max: 5, allow_downgrade: true }",
            "follow_redirects: { max: 500 }",
            "/checks/0/http/follow_redirects",
        ),
        (
            "client_key: client.key, versions",
            "versions",
            "/checks/3/tls",
        ),
        // chain keys need a tls probe
        (
            "cert: { expires_in: { gt: 21d }, san",
            "cert: { chain_valid: true, expires_in: { gt: 21d }, san",
            "/checks/0/expect/cert",
        ),
    ];
    assert_rejected(EVERY_KEY, &mistakes, &check_file_schema(), |text| {
        load(text, PROD_ENV)
    });
}

#[test]
fn environment_mistakes_are_rejected_where_they_are() {
    let mistakes = [
        ("extends: base", "extend: base", ""),
        ("concurrency: 32", "concurrency: 0", "/concurrency"),
        (
            "host_concurrency: 4",
            "host_concurrency: four",
            "/host_concurrency",
        ),
        (
            "retry_delay: 2s }",
            "retry_delay: 2 }",
            "/defaults/retry_delay",
        ),
        (
            "retry_delay: 2s }",
            "retry_delay: 2s, tags: [a] }",
            "/defaults",
        ),
        (
            "{ ca_file: ../checks/ca.pem }",
            "{ ca_file: a.pem, verify: false }",
            "/tls",
        ),
        ("10.0.0.2]", "dns.google]", "/resolvers/2"),
        (
            "a.test: 127.0.0.1,",
            "a.test: localhost,",
            "/resolve/a.test",
        ),
        ("count: 3,", "count: [3],", "/vars/count"),
        // no variables outside `vars`: they are not resolved there
        ("timeout: 10s", "timeout: \"${t}\"", "/defaults/timeout"),
    ];
    assert_rejected(PROD_ENV, &mistakes, &environment_schema(), |text| {
        load(EVERY_KEY, text)
    });
}

/// The keys of the map a schema describes, following `$ref`s into the document's `$defs`.
fn keys(document: &Value, schema: &Value) -> BTreeSet<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        return keys(document, &document["$defs"][name]);
    }
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {schema}"));
    properties.keys().cloned().collect()
}

fn set(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

#[test]
fn the_schema_names_exactly_the_loaders_keys() {
    let doc = schema_document();
    let def = |name: &str| keys(&doc, &doc["$defs"][name]);
    let prop = |name: &str, key: &str| keys(&doc, &doc["$defs"][name]["properties"][key]);
    assert_eq!(def("check_file"), set(checkfile::FILE_KEYS));
    assert_eq!(def("file_defaults"), set(checkfile::DEFAULTS_KEYS));
    assert_eq!(def("check"), set(checkfile::CHECK_KEYS));
    assert_eq!(def("http_probe"), set(http::HTTP_KEYS));
    assert_eq!(def("http_expect"), set(http::EXPECT_KEYS));
    assert_eq!(def("tls_settings"), set(tls::TLS_SETTINGS_KEYS));
    assert_eq!(def("tls_probe"), set(tls::TLS_PROBE_KEYS));
    assert_eq!(def("tls_expect"), set(tls::TLS_EXPECT_KEYS));
    assert_eq!(prop("tls_expect", "cert"), set(tls::CERT_EXPECT_KEYS));
    assert_eq!(
        prop("cert_probe_expect", "cert"),
        set(tls::CERT_EXPECT_KEYS)
    );
    let leaf: Vec<&str> = tls::CERT_EXPECT_KEYS
        .iter()
        .copied()
        .filter(|k| !k.starts_with("chain_"))
        .collect();
    assert_eq!(prop("http_expect", "cert"), set(&leaf));
    assert_eq!(def("cert_probe"), set(tls::CERT_PROBE_KEYS));
    assert_eq!(def("dns_probe"), set(net::DNS_PROBE_KEYS));
    assert_eq!(def("dns_expect"), set(net::DNS_EXPECT_KEYS));
    assert_eq!(def("tcp_probe"), set(net::TCP_PROBE_KEYS));
    assert_eq!(def("tcp_expect"), set(net::TCP_EXPECT_KEYS));
    assert_eq!(def("matcher_map"), set(MATCHER_KEYS));
    assert_eq!(def("environment"), set(environment::ENV_KEYS));
    assert_eq!(
        prop("environment", "defaults"),
        set(&["timeout", "retries", "retry_delay"])
    );
    assert_eq!(prop("environment", "tls"), set(&["ca_file"]));
    let redirects = &doc["$defs"]["http_probe"]["properties"]["follow_redirects"]["anyOf"][3];
    assert_eq!(keys(&doc, redirects), set(http::REDIRECT_KEYS));
}

#[test]
fn the_standalone_schemas_are_the_combined_documents_parts() {
    let doc = schema_document();
    for (part, name) in [
        (check_file_schema(), "check_file"),
        (environment_schema(), "environment"),
    ] {
        assert_eq!(part["$schema"], doc["$schema"]);
        assert_eq!(part["properties"], doc["$defs"][name]["properties"]);
        assert!(part["description"].is_string());
    }
    // Editors show these on hover.
    for def in [
        "check",
        "http_probe",
        "tls_probe",
        "dns_expect",
        "environment",
    ] {
        for (key, schema) in doc["$defs"][def]["properties"].as_object().unwrap() {
            assert!(
                schema.get("description").is_some() || schema.get("$ref").is_some(),
                "{def}.{key} has no description"
            );
        }
    }
}

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

//! `conform schema`: the JSON Schema of check and environment files accepts every file this
//! repository ships and a file using every key the loader accepts, rejects what the loader
//! rejects (unknown keys, wrong types, unknown matcher keys), and names exactly the loader's
//! keys, so that the two cannot drift apart unnoticed.

use jsonschema::Validator;
use serde_json::Value;
use std::collections::BTreeSet;

mod accepts;
mod closed_values;
mod loader_keys;
mod rejects;

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
          "$.token": { jwt: { signed_by: "https://${host}/jwks.json", header: { alg: RS256 }, claims: { aud: spa, "cognito:groups": { contains: x } }, expires_in: { gt: 5m } } }
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
resolve: { a.test: 127.0.0.1, "b.test:443": "127.0.0.1:8443", c.test: [127.0.0.2, "[::1]:8443"] }
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

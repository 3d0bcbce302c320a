//! What the schema rejects, where the loader does: mistakes in check, environment and claims files.

use super::{EVERY_KEY, PROD_ENV, errors, load, validator, yaml};
use conform::config::schema::{
    check_file_schema, claims_schema, environment_schema, schema_document,
};
use serde_json::Value;

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
        ("[127.0.0.2, \"[::1]:8443\"]", "[]", "/resolve/c.test"),
        ("\"[::1]:8443\"]", "nowhere]", "/resolve/c.test/1"),
        ("count: 3,", "count: [3],", "/vars/count"),
        // no variables outside `vars`: they are not resolved there
        ("timeout: 10s", "timeout: \"${t}\"", "/defaults/timeout"),
    ];
    assert_rejected(PROD_ENV, &mistakes, &environment_schema(), |text| {
        load(EVERY_KEY, text)
    });
}

const CLAIMS: &str = r#"
title: Claims
sections:
  - title: Edge
    intro: text
    claims:
      - { id: root, text: the root redirects, envs: [prod], note: n, notes: { web/root: x } }
      - { id: waf, text: the WAF counts, not_checkable: invisible }
"#;

/// The loader's verdict on a claims file: how many claims, or every error.
fn load_claims(text: &str) -> Result<usize, String> {
    let root = conform::syntax::node::Node::parse(text).map_err(|e| e.message)?;
    let file = std::path::Path::new("claims.yaml");
    let mut d = conform::syntax::diag::Diagnostics::new(file);
    let book = conform::config::claims::decode_book(&root, file, &["prod".into()], &mut d);
    match d.list.is_empty() {
        true => Ok(book.claims().count()),
        false => Err(format!("{:?}", d.list)),
    }
}

#[test]
fn claims_file_mistakes_are_rejected_where_they_are() {
    assert_eq!(load_claims(CLAIMS), Ok(2));
    let mistakes = [
        ("title: Claims", "titl: Claims", ""),
        ("intro: text", "intr: text", "/sections/0"),
        ("{ id: root,", "{ idd: root,", "/sections/0/claims/0"),
        ("id: root", "id: \"a root\"", "/sections/0/claims/0/id"),
        (", text: the WAF counts", "", "/sections/0/claims/1"),
        (
            "not_checkable: invisible",
            "not_checkable: \" \"",
            "/sections/0/claims/1/not_checkable",
        ),
        ("envs: [prod]", "envs: []", "/sections/0/claims/0/envs"),
        (
            "not_checkable: invisible",
            "not_checkable: x, notes: { a: b }",
            "/sections/0/claims/1",
        ),
        ("    claims:\n", "    claim:\n", "/sections/0"),
    ];
    assert_rejected(CLAIMS, &mistakes, &claims_schema(), load_claims);
}

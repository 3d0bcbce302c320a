//! JSON Schema (draft 2020-12) for check files, environment files and `claims.yaml`, so that editors can
//! complete keys and flag mistakes as they are typed, and CI linters can check files without
//! conform. The loader in this folder stays the authority: it also checks what a schema
//! cannot (regexes, JSONPaths, files on disk, unique names, variables that resolve), and
//! `tests/schema/` keeps the schema's keys equal to the loader's.
//!
//! Convention: write the combined document once per repository with
//! `conform schema > conform.schema.json` at its root (beside `checks/` and `environments/`),
//! and start each check and environment file with the modeline (path relative to the file):
//!
//! ```yaml
//! # yaml-language-server: $schema=../conform.schema.json
//! ```
//!
//! or map the globs once in the editor, e.g. VS Code's `"yaml.schemas":
//! { "./conform.schema.json": ["checks/**/*.yaml", "environments/*.yaml"] }`. The combined
//! document tells the two kinds apart by `checks:`, which only check files have.

mod claims;
mod matchers;
mod probes;

use super::closed::{
    ALERTS, EKUS, KEYS, RCODES, RECORD_TYPES, STATUS_MAX, STATUS_MIN, TLS_VERSIONS,
};
use claims::{CLAIM_ID, claims_defs, claims_file};
use matchers::{Closed, closed_matcher, closed_value, matcher_properties};
use probes::{cert_expect, http_expect, http_probe, tls_probe, tls_settings, with_key_pair};
use serde_json::{Map, Value, json};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// humantime's units, the ones `timeout: 10s` and `expires_in: { gt: 21d }` accept.
const UNITS: &str = "ns|nsec|nanos|us|usec|µs|ms|msec|millis|s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|wk|wks|week|weeks|M|month|months|y|yr|yrs|year|years";
const SIZE_UNITS: &str = "B|KB|kB|KiB|MB|MiB|GB|GiB";
const NUMBER: &str = r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?";

/// The schema of a check file (`checks/*.yaml`), standalone.
pub fn check_file_schema() -> Value {
    standalone(
        "conform check file",
        "What must be true: `checks:`, each with one probe (http, tls, dns, tcp, cert) and `expect:`.",
        check_file(),
    )
}

/// The schema of an environment file (`environments/*.yaml`), standalone.
pub fn environment_schema() -> Value {
    standalone(
        "conform environment file",
        "Where checks run: variables, resolvers, fixed answers, trust roots and defaults.",
        environment(),
    )
}

/// The schema of `claims.yaml` (beside `checks/`), standalone.
pub fn claims_schema() -> Value {
    standalone(
        "conform claims file",
        "The claims the checks verify, in sections: each with its text, and the checks that name it or the reason it cannot be checked.",
        claims_file(),
    )
}

/// The three schemas in one document, for `conform schema`: a file with `checks:` is a check
/// file, one with `sections:` the claims file, any other an environment file.
pub fn schema_document() -> Value {
    let mut defs = shared_defs();
    defs.insert("check_file".into(), check_file());
    defs.insert("environment".into(), environment());
    defs.insert("claims_file".into(), claims_file());
    json!({
        "$schema": DRAFT,
        "title": "conform check, environment and claims files",
        "description": "A file with `checks:` is a check file (checks/*.yaml); one with `sections:` is claims.yaml; any other is an environment file (environments/*.yaml).",
        "$defs": defs,
        "if": { "type": "object", "required": ["checks"] },
        "then": r("check_file"),
        "else": {
            "if": { "type": "object", "required": ["sections"] },
            "then": r("claims_file"),
            "else": r("environment"),
        },
    })
}

fn standalone(title: &str, description: &str, body: Value) -> Value {
    let mut doc = Map::new();
    doc.insert("$schema".into(), DRAFT.into());
    doc.insert("title".into(), title.into());
    doc.insert("description".into(), description.into());
    doc.insert("$defs".into(), Value::Object(shared_defs()));
    if let Value::Object(body) = body {
        doc.extend(body);
    }
    Value::Object(doc)
}

/// `{"$ref": "#/$defs/<name>"}`: every document keeps its definitions under its root.
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

/// `schema` with a description, which editors show on hover.
fn doc(mut schema: Value, description: &str) -> Value {
    schema["description"] = description.into();
    schema
}

/// In a check, every string is resolved before it is typed: `port: ${alb_port}` is fine.
fn or_var(schema: Value) -> Value {
    json!({ "anyOf": [schema, r("variable")] })
}

/// `then` for a map, `otherwise` for anything else: unlike `anyOf`, a mistake inside the
/// map is reported (and underlined by editors) where it is, not on the whole value.
fn when_map(then: Value, otherwise: Value) -> Value {
    json!({ "if": { "type": "object" }, "then": then, "else": otherwise })
}

/// One value or a list of them; a mistake in a list is reported at its item.
fn one_or_list(item: Value) -> Value {
    json!({ "if": { "type": "array" }, "then": { "items": item.clone() }, "else": item })
}

/// An `expect:` (or a part of one) must say something: an empty one would pass anything.
fn not_empty(mut o: Value) -> Value {
    o["minProperties"] = json!(1);
    o
}

/// A map with exactly these keys (`properties` is a `json!` map of key -> schema).
fn object(properties: Value, required: &[&str]) -> Value {
    let mut o =
        json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

fn pattern(p: &str) -> Value {
    json!({ "type": "string", "pattern": p })
}

/// A whole number from `min` to `max`, as a number or as text.
fn whole(min: u64, max: u64) -> Value {
    json!({ "anyOf": [
        { "type": "integer", "minimum": min, "maximum": max },
        { "type": "string", "pattern": r"^\s*[0-9]+\s*$" },
    ] })
}

/// Scalars and shapes shared by both kinds of file, then each probe and its `expect:`.
fn shared_defs() -> Map<String, Value> {
    let duration_body = format!(r"([0-9]+(\.[0-9]+)?\s*({UNITS})\s*)+");
    let size_body = format!(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*({SIZE_UNITS})?");
    let quantity = format!(r"^\s*({NUMBER}|{size_body}|-?\s*{duration_body})\s*$");
    let flag =
        json!({ "anyOf": [{ "type": "boolean" }, { "enum": ["true", "false"] }, r("variable")] });
    let until = pattern(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$");
    let defs = json!({
        "text": doc(json!({ "type": ["string", "number", "boolean"] }), "A text value; numbers and booleans are read as text."),
        "texts": doc(one_or_list(r("text")), "A list of text values; a single value is a list of one."),
        "env_names": doc(json!({ "if": { "type": "array" }, "then": { "items": r("text"), "minItems": 1 }, "else": r("text") }), "Environments (environments/NAME.yaml that are not abstract); never an empty list."),
        "variable": doc(pattern(r"\$\{"), "A value with ${name}, ${env:NAME} or ${secret:NAME}, known once variables are resolved."),
        "duration": doc(pattern(&format!(r"^\s*{duration_body}$")), "A duration such as 500ms, 10s, 2m, 1h30m, 21d."),
        "size": doc(json!({ "anyOf": [{ "type": "integer", "minimum": 1 }, pattern(&format!(r"^\s*{size_body}\s*$"))] }), "A size in bytes such as 1MiB, 64KiB, 512KB."),
        "quantity": doc(or_var(json!({ "anyOf": [{ "type": "number" }, pattern(&quantity)] })), "A number (200), a duration (2s, 21d, -1d) or a size (1MiB)."),
        "retries": doc(whole(0, 100), "How many more times a check that did not pass is tried (0 to 100)."),
        "port": doc(or_var(json!({ "anyOf": [{ "type": "integer", "minimum": 1, "maximum": 65535 }, pattern(r"^\s*[0-9]+\s*$")] })), "A TCP/UDP port, 1 to 65535."),
        "address": doc(pattern(r"^\s*(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)(:[0-9]+)?\s*$"), "An IP address with an optional port: 1.1.1.1:53, 10.0.0.2, [2606:4700::1111]:53."),
        "cidr": doc(or_var(pattern(r"^\s*[0-9A-Fa-f:.]+(/[0-9]{1,3})?\s*$")), "An IP range such as 104.16.0.0/13 or 2606:4700::/32, or one address."),
        "flag": doc(flag, "true or false."),
        "tls_version": doc(or_var(json!({ "enum": ["1.2", "1.3", 1.2, 1.3] })), "A TLS version: \"1.2\" or \"1.3\"."),
        "matcher": doc(when_map(r("matcher_map"), json!({ "type": ["string", "number", "boolean", "null", "array"] })), "A scalar or a list means `equals` (a list in order for JSON, as a set for DNS answers, SANs, EKUs); a map holds matcher keys, all of which must hold."),
        "matcher_map": { "type": "object", "properties": matcher_properties(), "additionalProperties": false, "minProperties": 1 },
        "jwt": matchers::jwt(),
        "pending": doc(when_map(object(json!({
            "reason": doc(pattern(r"\S"), "Why the state is not live yet (not empty)."),
            "until": doc(until, "The last day (UTC, YYYY-MM-DD) the failure is excused."),
        }), &["reason"]), pattern(r"\S")), "A planned state: the check runs, a failure is excused, a pass fails the run (\"remove `pending`\"). `\"reason\"` or `{ reason, until: 2026-12-31 }`."),
        "check": check(),
        "file_defaults": object(json!({
            "tags": doc(r("texts"), "Added to each check's own tags."),
            "envs": doc(r("env_names"), "Run the file's checks only in these environments."),
            "timeout": r("duration"),
            "retries": r("retries"),
            "retry_delay": r("duration"),
        }), &[]),
        "http_probe": http_probe(),
        "http_expect": http_expect(),
        "tls_settings": with_key_pair(object(tls_settings(), &[])),
        "tls_probe": tls_probe(),
        "tls_expect": not_empty(object(json!({
            "handshake": doc(or_var(json!({ "enum": ["accepted", "rejected"] })), "accepted (the default) or rejected: the server refused this client during the handshake."),
            "alert": doc(r("alert_matcher"), "The TLS alert the server sent, e.g. certificate_required."),
            "version": doc(r("version_matcher"), "The negotiated version: \"1.2\" or \"1.3\"."),
            "alpn": doc(r("matcher"), "The negotiated ALPN protocol, e.g. h2."),
            "cert": doc(cert_expect(true), "The presented chain: leaf fields and chain-wide ones."),
        }), &[])),
        "cert_probe": object(json!({
            "file": doc(r("text"), "A local PEM certificate chain, leaf first; relative to the check file."),
            "ca_file": doc(r("text"), "Extra trust roots for `chain_valid` (PEM)."),
        }), &["file"]),
        "cert_probe_expect": object(json!({ "cert": doc(cert_expect(true), "What the certificate must be.") }), &["cert"]),
        "dns_probe": object(json!({
            "name": doc(r("text"), "The name to ask for; the trailing dot is added when missing."),
            "type": doc(or_var(pattern(&any_case(RECORD_TYPES.values))), "The record type: A AAAA CNAME TXT CAA MX NS SOA SRV PTR HTTPS ..."),
            "server": doc(or_var(r("address")), "The server to ask (default port 53); default: the environment's resolvers, else the system's."),
            "protocol": doc(or_var(json!({ "anyOf": [{ "enum": ["udp", "tcp"] }, pattern(r"^\s*([uU][dD][pP]|[tT][cC][pP])\s*$")] })), "udp (the default; a truncated answer is asked again over TCP) or tcp."),
        }), &["name", "type"]),
        "dns_expect": not_empty(object(json!({
            "rcode": doc(r("rcode_matcher"), "The response code: NOERROR (the default), NXDOMAIN, SERVFAIL, REFUSED ..."),
            "answers": doc(r("matcher"), "The records of the asked type, as dig prints their data."),
            "cnames": doc(r("matcher"), "The CNAME chain that led to the answers, in order."),
            "ttl": doc(r("matcher"), "The smallest TTL among the answers, in seconds."),
            "time": doc(r("matcher"), "How long the answer took, e.g. { lt: 1s }."),
        }), &[])),
        "ip_family": doc(or_var(json!({ "enum": ["v4", "v6", "any"] })), "Which resolved addresses may be used: v4, v6 or any (the default)."),
        "address_mode": doc(or_var(json!({ "enum": ["one", "all"] })), "one (the default): the first address that answers; all: every address the host resolves to, each probed, all must pass."),
        "tcp_probe": object(json!({
            "host": doc(r("text"), "The host name or address to connect to."),
            "port": r("port"),
            "send": doc(r("text"), "Text sent once connected; the escapes \\r \\n \\t \\\\ \\xNN are decoded, e.g. 'EHLO conform\\r\\n'."),
            "read_until": doc(r("text"), "Reading stops once this text has been received (default: the end of the first line); escapes as in send."),
            "read_limit": doc(or_var(r("size")), "The most bytes read (default 64KiB)."),
            "ip": r("ip_family"),
            "addresses": r("address_mode"),
        }), &["host", "port"]),
        "tcp_expect": not_empty(object(json!({
            "connect": doc(or_var(json!({ "enum": ["accepted", "refused", "timeout"] })), "accepted (the default), refused or timeout: all three are answers here."),
            "time": doc(r("matcher"), "How long connecting took."),
            "received": doc(r("matcher"), "The text the server sent (without send: its banner), as read up to read_until or read_limit."),
        }), &[])),
    });
    let Value::Object(mut defs) = defs else {
        unreachable!("a json! map")
    };
    for (name, set) in [
        ("rcode", &RCODES),
        ("alert", &ALERTS),
        ("version", &TLS_VERSIONS),
        ("key", &KEYS),
        ("eku", &EKUS),
    ] {
        defs.insert(format!("{name}_value"), closed_value(set));
        defs.insert(format!("{name}_matcher"), closed_matcher(name, Closed::One));
    }
    defs.insert(
        "eku_list_matcher".into(),
        closed_matcher("eku", Closed::List),
    );
    let code = json!({ "anyOf": [
        { "type": "integer", "minimum": STATUS_MIN, "maximum": STATUS_MAX },
        pattern(r"^\s*([1-5][0-9]{2}|[1-5]xx)\s*$"),
        r("variable"),
    ] });
    defs.insert("status_value".into(), code);
    defs.insert(
        "status_matcher".into(),
        closed_matcher("status", Closed::Status),
    );
    for (name, schema) in claims_defs() {
        defs.insert(name.into(), schema);
    }
    defs
}

/// `^\s*(A|[Aa][Aa]...)\s*$`: one of `words` in any case (JSON Schema regexes have no flags).
fn any_case(words: &[&str]) -> String {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    format!(r"^\s*({})\s*$", alternatives.join("|"))
}

/// The probe keys, and the `$defs` name of the `expect:` each one takes.
const PROBES: &[(&str, &str)] = &[
    ("http", "http_expect"),
    ("tls", "tls_expect"),
    ("dns", "dns_expect"),
    ("tcp", "tcp_expect"),
    ("cert", "cert_probe_expect"),
];

fn check() -> Value {
    let mut o = object(
        json!({
            "name": doc(r("text"), "What must be true, in words; unique in its suite. The JUnit test case name."),
            "id": doc(json!({ "type": ["string", "number"], "pattern": r"^\S+$" }), "A stable id; default: <suite>/<slug of name>."),
            "tags": doc(r("texts"), "Tags for --tag and --skip-tag, e.g. [gate, nightly]."),
            "envs": doc(r("env_names"), "Run only in these environments."),
            "claims": doc(one_or_list(pattern(CLAIM_ID)), "The ids of the claims of claims.yaml (beside checks/) this check verifies; `conform coverage` lists them."),
            "pending": r("pending"),
            "timeout": doc(or_var(r("duration")), "How long one attempt may take; default 10s."),
            "retries": doc(or_var(r("retries")), "How many more times a check that did not pass is tried; default 0."),
            "retry_delay": doc(or_var(r("duration")), "The wait between attempts; default 1s."),
            "http": doc(r("http_probe"), "An HTTP(S) request."),
            "tls": doc(r("tls_probe"), "A TLS handshake, and the certificate chain it presents."),
            "dns": doc(r("dns_probe"), "A DNS question."),
            "tcp": doc(r("tcp_probe"), "A TCP connection."),
            "cert": doc(r("cert_probe"), "A local PEM certificate file."),
            "expect": doc(json!({ "type": "object" }), "What the probe's answer must be; the keys depend on the probe."),
            "needs": doc(json!({ "type": "array", "items": { "type": "string" }, "uniqueItems": true }), "Ids of checks that must pass first; their captures are used as ${capture:ID.NAME}."),
            "capture": doc(json!({
                "type": "object",
                "propertyNames": { "pattern": "^[A-Za-z0-9_]+$" },
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "json": { "type": "string", "description": "A singular JSONPath on the body." },
                        "header": { "type": "string", "description": "A response header." },
                        "regex": { "type": "string", "description": "A regex on the body: its first group." }
                    },
                    "additionalProperties": false,
                    "minProperties": 1,
                    "maxProperties": 1
                }
            }), "Values taken from a passing http answer for the checks that need this one; secrets in every output."),
        }),
        &["name", "expect"],
    );
    // Exactly one probe, and the `expect:` of that probe.
    o["oneOf"] = PROBES
        .iter()
        .map(|(p, _)| json!({ "required": [p] }))
        .collect();
    o["allOf"] = PROBES
        .iter()
        .map(|(p, expect)| json!({ "if": { "required": [p] }, "then": { "properties": { "expect": r(expect) } } }))
        .collect();
    o
}

fn check_file() -> Value {
    object(
        json!({
            "suite": doc(r("text"), "The suite's name (JUnit <testsuite name>); default: the file's stem."),
            "defaults": doc(r("file_defaults"), "Merged into every check of this file."),
            "checks": doc(json!({ "type": "array", "items": r("check") }), "The checks, each starting with `- name:`."),
        }),
        &["checks"],
    )
}

/// Only `vars` and `proxy` values are resolved in an environment file: no `${...}` elsewhere.
fn environment() -> Value {
    let mut o = object(
        json!({
            "name": doc(r("text"), "The environment's name; default: the file's stem."),
            "abstract": doc(json!({ "anyOf": [{ "type": "boolean" }, { "enum": ["true", "false"] }] }), "true: a base to extend, never run on its own."),
            "extends": doc(r("text"), "Another environment, merged under this one."),
            "vars": doc(json!({ "type": "object", "additionalProperties": r("text") }), "Variables for ${name}; values may use ${env:NAME} and ${secret:NAME}."),
            "resolvers": doc(one_or_list(r("address")), "DNS servers for every probe, http included; default: the system's."),
            "resolve": doc(json!({ "type": "object", "additionalProperties": { "if": { "type": "array" }, "then": { "items": r("address"), "minItems": 1 }, "else": r("address") } }), "Fixed answers, like curl --resolve: host or host:port -> IP[:port], or a list of them (every one is probed by addresses: all)."),
            "tls": doc(object(json!({ "ca_file": doc(r("text"), "Extra trust roots (PEM) for every probe.") }), &[]), "TLS settings for every probe."),
            "defaults": doc(object(json!({ "timeout": r("duration"), "retries": r("retries"), "retry_delay": r("duration") }), &[]), "Defaults for every check, under each file's own."),
            "proxy": doc(r("text"), "The proxy of every http check: an http:// or https:// URL (${env:NAME} and ${secret:NAME} allowed), or none to ignore HTTPS_PROXY, HTTP_PROXY and ALL_PROXY. NO_PROXY still applies."),
            "concurrency": doc(whole(1, 10_000), "Probes at once; default 32."),
            "host_concurrency": doc(whole(1, 10_000), "Probes at once per host; default 4."),
            "host_rate": doc(
                json!({"type": "string", "pattern": "^\\s*[1-9][0-9]*\\s*/\\s*([0-9]+\\s*)?[a-zA-Zµ]+\\s*$"}),
                "At most this many probes per host per period, evenly spaced: 10/s, 15/10s, 100/1m."
            ),
        }),
        &[],
    );
    // An empty environment file is an environment with nothing set.
    o["type"] = json!(["object", "null"]);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check offers every probe kind, and `expect:` follows the kind written.
    #[test]
    fn every_probe_kind_is_in_the_check_schema() {
        use crate::config::checkfile::CHECK_KEYS;
        use crate::config::model::CheckKind;
        let names: Vec<&str> = PROBES.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, CheckKind::NAMES);
        let check = check();
        for name in CheckKind::NAMES {
            assert!(check["properties"].get(name).is_some(), "{name}");
            assert!(CHECK_KEYS.contains(&name), "{name}");
        }
    }

    #[test]
    fn every_reference_has_a_definition() {
        let doc = schema_document();
        let defs = doc["$defs"].as_object().unwrap();
        let text = doc.to_string();
        for part in text.split("\"#/$defs/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(defs.contains_key(name), "no definition for {name}");
        }
    }
}

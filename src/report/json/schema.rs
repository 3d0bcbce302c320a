//! The JSON Schema (draft 2020-12) of the JSON report this conform writes (schema 3), printed
//! by `conform schema --report`. Every object is closed (`additionalProperties: false`), so a
//! field added to the report must be added here too; a test validates real reports against it.

use super::SCHEMA_VERSION;
use serde_json::{Value, json};

/// The schema document.
pub fn report_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("conform JSON report, schema {SCHEMA_VERSION}"),
        "description": "What `conform run --json FILE` and `conform merge` write.",
        "type": "object",
        "additionalProperties": false,
        "required": ["schema_version", "conform_version", "env", "started", "evaluated_at", "duration_seconds",
                     "hostname", "summary", "checks", "baseline", "selection", "load_errors"],
        "properties": {
            "schema_version": { "const": SCHEMA_VERSION },
            "conform_version": { "type": "string" },
            "env": { "type": "string" },
            "started": r("time"),
            "evaluated_at": { "oneOf": [{ "type": "null" }, r("time")],
                              "description": "The moment time-dependent expectations were judged at (--at, else started); null only in a merge of reports written before it existed." },
            "at": { "type": "string", "description": "--at WHEN as given; only under --at." },
            "duration_seconds": r("seconds"),
            "hostname": { "type": "string" },
            "summary": summary(),
            "checks": { "type": "array", "items": r("check") },
            "baseline": { "oneOf": [{ "type": "null" }, r("baseline")] },
            "interrupted": { "enum": ["SIGINT", "SIGTERM"] },
            "selection": { "oneOf": [{ "type": "null" }, r("selection")] },
            "load_errors": { "type": "array", "items": r("load_error") },
            "rounds": rounds(),
        },
        "$defs": {
            "time": { "type": "string", "format": "date-time",
                      "description": "RFC 3339, in UTC." },
            "seconds": { "type": "number", "minimum": 0 },
            "count": { "type": "integer", "minimum": 0 },
            "strings": { "type": "array", "items": { "type": "string" } },
            "outcome": { "enum": ["pass", "fail", "error", "pending", "fixed", "not_run"] },
            "try_outcome": { "enum": ["pass", "fail", "error"] },
            "check": check(),
            "attempt": attempt(),
            "observed": observed(),
            "leaf": leaf(),
            "baseline": baseline(),
            "selection": selection(),
            "shard": closed(&["index", "count"], json!({
                "index": r("count"), "count": r("count") })),
            "load_error": closed(&["file", "line", "column", "message", "expected"], json!({
                "file": { "type": ["string", "null"] },
                "line": { "type": ["integer", "null"], "minimum": 0 },
                "column": { "type": ["integer", "null"], "minimum": 0 },
                "message": { "type": "string" },
                "expected": { "type": "string" },
            })),
        },
    })
}

/// A reference to one of the `$defs`.
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

/// An object with exactly these properties, `required` of them always written.
fn closed(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "additionalProperties": false, "required": required,
            "properties": properties })
}

fn summary() -> Value {
    let names = [
        "passed", "failed", "errors", "pending", "fixed", "not_run", "flaky",
    ];
    let mut properties: serde_json::Map<String, Value> =
        names.iter().map(|n| (n.to_string(), r("count"))).collect();
    properties.insert("exit_code".into(), json!({ "enum": [0, 1, 2, 3] }));
    let mut required: Vec<&str> = names.to_vec();
    required.push("exit_code");
    closed(&required, Value::Object(properties))
}

fn rounds() -> Value {
    closed(
        &["mode", "count", "interval_seconds"],
        json!({
            "mode": { "enum": ["until_pass", "watch"] },
            "count": r("count"),
            "interval_seconds": r("seconds"),
            "deadline_seconds": r("seconds"),
        }),
    )
}

fn check() -> Value {
    closed(
        &[
            "id",
            "name",
            "suite",
            "file",
            "line",
            "tags",
            "probe",
            "target",
            "outcome",
            "flaky",
            "retries",
            "duration_seconds",
            "message",
            "pending_reason",
            "reproduce",
            "attempts",
        ],
        json!({
            "id": { "type": "string" },
            "name": { "type": "string" },
            "suite": { "type": "string" },
            "file": { "type": "string" },
            "line": r("count"),
            "tags": r("strings"),
            "probe": { "enum": ["http", "tls", "dns", "tcp", "cert"] },
            "target": { "type": "string" },
            "outcome": r("outcome"),
            "flaky": { "type": "boolean" },
            "retries": r("count"),
            "duration_seconds": r("seconds"),
            "message": { "type": "string" },
            "pending_reason": { "type": ["string", "null"] },
            "reproduce": { "type": "string" },
            "attempts": { "type": "array", "items": r("attempt") },
            "rounds": { "type": "array", "items": closed(&["round", "outcome", "at_seconds"], json!({
                "round": r("count"), "outcome": r("outcome"), "at_seconds": r("seconds") })) },
            "claims": { "type": "array", "items": { "type": "string" }, "minItems": 1,
                        "description": "The claims of claims.yaml the check verifies." },
            "needed_by": { "type": "array", "items": { "type": "string" }, "minItems": 1,
                           "description": "Run only because these selected checks need it (needs:)." },
        }),
    )
}

fn attempt() -> Value {
    closed(
        &["outcome", "duration_seconds", "error", "mismatches"],
        json!({
            "outcome": r("try_outcome"),
            "duration_seconds": r("seconds"),
            "error": { "oneOf": [{ "type": "null" }, closed(&["kind", "message"], json!({
                "kind": { "enum": ["timeout", "dns", "refused", "connect", "tls", "certificate",
                                   "protocol", "unset", "proxy", "needs", "internal"] },
                "message": { "type": "string" },
            }))] },
            "mismatches": { "type": "array", "items": closed(
                &["field", "expected", "actual", "note"],
                json!({ "field": { "type": "string" }, "expected": { "type": "string" },
                        "actual": { "type": "string" }, "note": { "type": "string" } })) },
            "addresses": { "type": "array", "items": closed(&["address", "outcome"], json!({
                "address": { "type": "string" }, "outcome": r("try_outcome") })) },
            "observed": r("observed"),
        }),
    )
}

fn observed() -> Value {
    let text = json!({ "type": "string" });
    closed(
        &[],
        json!({
            "status": { "type": "integer", "minimum": 100, "maximum": 999 },
            "location": text, "content_type": text, "server": text, "final_url": text,
            "version": text, "alpn": text,
            "handshake": { "enum": ["accepted", "rejected", "refused"] },
            "alert": text,
            "leaf": r("leaf"),
            "chain_not_after": r("time"),
            "rcode": text,
            "answers": r("strings"),
            "ttl": r("count"),
            "connect": { "enum": ["accepted", "refused", "timeout"] },
            "received": text,
        }),
    )
}

fn leaf() -> Value {
    let hex = json!({ "type": "string", "pattern": "^[0-9a-f]*$" });
    closed(
        &[
            "subject",
            "issuer",
            "san",
            "not_after",
            "fingerprint_sha256",
            "serial",
        ],
        json!({
            "subject": { "type": "string" },
            "issuer": { "type": "string" },
            "san": r("strings"),
            "not_after": r("time"),
            "fingerprint_sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
            "serial": hex,
        }),
    )
}

fn baseline() -> Value {
    let fact = closed(&["before", "after"], json!({ "before": {}, "after": {} }));
    let changed = closed(
        &["id", "facts"],
        json!({
            "id": { "type": "string" },
            "facts": { "type": "object", "additionalProperties": fact, "minProperties": 1 },
        }),
    );
    closed(
        &[
            "file",
            "started",
            "newly_failing",
            "newly_passing",
            "newly_flaky",
            "new_checks",
            "removed_checks",
            "still_failing",
            "changed",
        ],
        json!({
            "file": { "type": ["string", "null"] },
            "started": r("time"),
            "newly_failing": r("strings"),
            "newly_passing": r("strings"),
            "newly_flaky": r("strings"),
            "new_checks": r("strings"),
            "removed_checks": r("strings"),
            "still_failing": r("count"),
            "changed": { "oneOf": [{ "type": "null" }, { "type": "array", "items": changed }] },
        }),
    )
}

fn selection() -> Value {
    closed(
        &["shard", "filters", "checks", "sha256"],
        json!({
            "shard": { "oneOf": [{ "type": "null" }, r("shard")] },
            "filters": closed(&["tags", "skip_tags", "only", "suites"], json!({
                "tags": r("strings"), "skip_tags": r("strings"), "only": r("strings"),
                "suites": r("strings"),
            })),
            "checks": r("count"),
            "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
            "missing_shards": { "type": "array", "items": r("shard") },
        }),
    )
}

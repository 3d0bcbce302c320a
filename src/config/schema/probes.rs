//! The probe keys and the `expect:` keys of the http and tls probes, and the certificate
//! expectation they share with the cert probe.

use super::matchers::matcher_properties;
use super::{doc, not_empty, object, one_or_list, or_var, pattern, r, when_map, whole};
use serde_json::{Value, json};

/// The TLS settings keys: an http probe's `tls:`, also valid at a tls probe's own level.
pub(super) fn tls_settings() -> Value {
    json!({
        "verify": doc(r("flag"), "Verify the server's certificate (default true); false accepts any."),
        "ca_file": doc(r("text"), "Extra trust roots (PEM), relative to the check file."),
        "client_cert": doc(r("text"), "The mTLS client certificate (PEM), with client_key."),
        "client_key": doc(r("text"), "The client certificate's private key (PEM)."),
        "sni": doc(r("text"), "The server name to send; default: the host."),
        "versions": doc(one_or_list(r("tls_version")), "The TLS versions to offer: [\"1.2\", \"1.3\"]."),
    })
}

pub(super) fn with_key_pair(mut o: Value) -> Value {
    o["dependentRequired"] =
        json!({ "client_cert": ["client_key"], "client_key": ["client_cert"] });
    o
}

pub(super) fn tls_probe() -> Value {
    let mut props = tls_settings();
    props["host"] = doc(
        r("text"),
        "The host name or address (the port goes in `port`).",
    );
    props["port"] = doc(r("port"), "Default 443.");
    props["alpn"] = doc(r("texts"), "ALPN protocols to offer, e.g. [h2, http/1.1].");
    props["starttls"] = doc(
        json!({ "enum": crate::config::model::Starttls::NAMES }),
        "Upgrade a plain connection before the handshake: smtp, imap, pop3, ftp or postgres.",
    );
    props["ip"] = r("ip_family");
    props["addresses"] = r("address_mode");
    with_key_pair(object(props, &["host"]))
}

pub(super) fn http_probe() -> Value {
    let token = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
    let methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
    let mut o = object(
        json!({
            "url": doc(pattern(r"^\s*([hH][tT][tT][pP][sS]?://|\$\{)"), "The URL to request (http or https)."),
            "method": doc(or_var(json!({ "type": "string", "pattern": token, "examples": methods })), "The HTTP method; default GET."),
            "headers": doc(json!({ "type": "object", "propertyNames": { "pattern": token }, "additionalProperties": r("text") }), "Request headers."),
            "body": doc(r("text"), "A raw request body."),
            "json": doc(json!({}), "A JSON request body; sets content-type: application/json."),
            "follow_redirects": doc(json!({ "anyOf": [
                { "type": "boolean" },
                whole(0, 100),
                r("variable"),
                object(json!({
                    "max": doc(or_var(whole(0, 100)), "How many hops to follow; default 10."),
                    "allow_downgrade": doc(r("flag"), "Follow a redirect from https to http too; default false."),
                }), &[]),
            ] }), "false (the default), true (up to 10 hops), a number of hops, or { max, allow_downgrade }. A hop to another origin carries none of the check's headers, body or client certificate; an https to http hop is not followed unless allow_downgrade is true."),
            "connect_to": doc(r("text"), "Connect to this host[:port] instead; SNI, Host and verification keep the URL's host."),
            "proxy": doc(r("text"), "The proxy for this check: an http:// or https:// URL, or none (straight to the server, whatever HTTPS_PROXY and the environment say). NO_PROXY does not apply to it."),
            "tls": doc(r("tls_settings"), "TLS settings for https."),
            "body_limit": doc(or_var(r("size")), "How much of the response body is read (default 1MiB); a longer body fails the check."),
            "ip": r("ip_family"),
            "addresses": r("address_mode"),
        }),
        &["url"],
    );
    o["not"] = json!({ "required": ["body", "json"] });
    o
}

pub(super) fn http_expect() -> Value {
    let status = r("status_matcher");
    let mut body = matcher_properties();
    body["json"] = doc(
        json!({ "type": "object", "propertyNames": { "pattern": r"^\$" }, "additionalProperties": r("matcher"), "minProperties": 1 }),
        "JSONPath (RFC 9535) -> matcher. A singular path is matched as the value it selects, any other as the list of nodes it selects.",
    );
    let body = when_map(
        json!({ "properties": body, "additionalProperties": false, "minProperties": 1 }),
        json!({ "type": ["string", "number", "boolean", "null", "array"] }),
    );
    not_empty(object(
        json!({
            "status": doc(status, "A status (302), a list of them (one of), a class (\"3xx\") or a matcher."),
            "headers": doc(json!({ "type": "object", "additionalProperties": r("matcher"), "minProperties": 1 }), "Header name (case-insensitive) -> matcher."),
            "body": doc(body, "A matcher against the body as text, and/or `json:` with JSONPath matchers."),
            "cert": doc(cert_expect(false), "The leaf certificate the server presented."),
            "time": doc(r("matcher"), "The whole exchange, redirects included, e.g. { lt: 2s }."),
        }),
        &[],
    ))
}

/// A certificate expectation; `chain` adds the keys that need the whole presented chain,
/// which the http probe does not see.
pub(super) fn cert_expect(chain: bool) -> Value {
    let m = |d: &str| doc(r("matcher"), d);
    let mut props = json!({
        "expires_in": m("Time left until the leaf's notAfter; negative once expired, e.g. { gt: 21d }."),
        "san": m("The subject alternative names."),
        "subject": m("The subject, e.g. { contains: \"CN=chat.example\" }."),
        "issuer": m("The issuer."),
        "eku": doc(r("eku_list_matcher"), "Extended key usages: serverAuth, clientAuth ..."),
        "key": doc(r("key_matcher"), "The key: \"ECDSA P-256\", \"RSA 2048\", \"Ed25519\" ..."),
        "fingerprint_sha256": m("The SHA-256 fingerprint, lower-case hex without separators."),
        "serial": m("The serial number, lower-case hex."),
    });
    if chain {
        props["chain_expires_in"] = m("Time left until the earliest notAfter in the chain.");
        props["chain_valid"] =
            m("The chain verifies for the name (or purpose), even with verify: false.");
    }
    not_empty(object(props, &[]))
}

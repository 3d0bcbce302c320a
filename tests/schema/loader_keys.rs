//! The schema names exactly the loader's keys, and the standalone schemas are the combined one's parts.

use super::{keys, set};
use conform::config::schema::{
    check_file_schema, claims_schema, environment_schema, schema_document,
};
use conform::config::{checkfile, claims, environment, http, net, tls};
use conform::matcher::decode::{JWT_KEYS, MATCHER_KEYS};

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
    assert_eq!(def("jwt"), set(JWT_KEYS));
    assert_eq!(def("environment"), set(environment::ENV_KEYS));
    assert_eq!(def("claims_file"), set(claims::FILE_KEYS));
    assert_eq!(def("claims_section"), set(claims::SECTION_KEYS));
    assert_eq!(def("claim"), set(claims::CLAIM_KEYS));
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
        (claims_schema(), "claims_file"),
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
        "claims_file",
        "claims_section",
        "claim",
    ] {
        for (key, schema) in doc["$defs"][def]["properties"].as_object().unwrap() {
            assert!(
                schema.get("description").is_some() || schema.get("$ref").is_some(),
                "{def}.{key} has no description"
            );
        }
    }
}

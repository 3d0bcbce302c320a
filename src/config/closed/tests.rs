use super::*;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;
use std::path::Path;

/// The errors `check_matcher` finds in `yaml` (a matcher) for `domain`, as "line:col message".
fn errors(yaml: &str, domain: Domain) -> Vec<String> {
    let node = Node::parse(yaml).expect("test YAML parses");
    let mut d = Diagnostics::new(Path::new("t.yaml"));
    let decoded = decode_closed(&node, "`field`", domain, &mut d);
    assert_eq!(decoded.is_some(), d.is_empty(), "{yaml}");
    d.list
        .iter()
        .map(|e| format!("{}: {}", e.pos, e.message))
        .collect()
}

/// An EKU with a name is reported by its name, never by its OID.
#[test]
fn named_ekus_are_not_members_by_their_oid() {
    for (oid, name) in EKUS.excluded {
        assert!(!EKUS.contains(oid), "{oid}");
        assert!(EKUS.contains(name), "{name}");
        assert_eq!(EKUS.suggestion(oid), Some(*name));
    }
    assert!(EKUS.contains("1.3.6.1.5.5.7.3.5"));
    assert!(!EKUS.contains("1.3.6.1.05"));
}

#[test]
fn members_pass_at_every_depth() {
    let rcode = Domain::One(&RCODES);
    for yaml in [
        "NXDOMAIN",
        "RCODE12",
        "{ not: NXDOMAIN }",
        "{ one_of: [NOERROR, NXDOMAIN] }",
        "{ any_of: [NOERROR, { not: SERVFAIL }] }",
        "{ all_of: [{ starts_with: NX }, { ends_with: DOMAIN }] }",
        "{ contains: DOMAIN }",
        "{ matches: '^NX' }",
        "{ matches: '^RCODE' }",
        "{ equals: REFUSED }",
    ] {
        assert_eq!(errors(yaml, rcode), Vec::<String>::new(), "{yaml}");
    }
    let eku = Domain::List(&EKUS);
    for yaml in [
        "[serverAuth, clientAuth]",
        "{ contains: serverAuth }",
        "{ contains: { one_of: [serverAuth, 1.3.6.1.5.5.7.3.17] } }",
        "{ each: { not: codeSigning } }",
        "{ count: { gt: 1 } }",
        "{ empty: true }",
        "{ not: { contains: OCSPSigning } }",
    ] {
        assert_eq!(errors(yaml, eku), Vec::<String>::new(), "{yaml}");
    }
    for yaml in [
        "302",
        "\"3xx\"",
        "[301, 308]",
        "{ not: 5xx }",
        "{ any_of: [2xx, 404] }",
        "{ gte: 200, lt: 400 }",
        "{ one_of: [200, \"204\"] }",
    ] {
        assert_eq!(errors(yaml, Domain::Status), Vec::<String>::new(), "{yaml}");
    }
    assert_eq!(
        errors("1.3", Domain::One(&TLS_VERSIONS)),
        Vec::<String>::new()
    );
    assert_eq!(
        errors("{ one_of: [\"1.2\", 1.3] }", Domain::One(&TLS_VERSIONS)),
        Vec::<String>::new()
    );
}

#[test]
fn values_outside_the_set_are_errors_where_they_are_written() {
    let rcode = Domain::One(&RCODES);
    assert_eq!(
        errors("{ not: NXDOMAN }", rcode),
        ["1:8: `NXDOMAN` is not a DNS response code"]
    );
    assert_eq!(
        errors("{ any_of: [NOERROR, { not: SERVFAL }] }", rcode),
        ["1:28: `SERVFAL` is not a DNS response code"]
    );
    assert_eq!(
        errors("{ one_of: [NOERROR, nxdomain] }", rcode),
        ["1:21: `nxdomain` is not a DNS response code"]
    );
    assert_eq!(
        errors("{ contains: NXDOMAN }", rcode),
        ["1:13: `contains: NXDOMAN` for `field` matches no DNS response code"]
    );
    assert_eq!(
        errors("{ matches: '^NXDOMAN$' }", rcode),
        ["1:12: `matches: ^NXDOMAN$` for `field` matches no DNS response code"]
    );
    assert_eq!(
        errors("{ gt: 2 }", rcode),
        ["1:7: `gt` cannot hold for `field`: `field` is a name, not a number"]
    );
    assert_eq!(
        errors("[NOERROR, NXDOMAIN]", rcode),
        ["1:1: a list never equals one DNS response code"]
    );
    assert_eq!(
        errors("{ each: NOERROR }", rcode),
        ["1:9: `each` cannot hold for `field`: `field` is one value, not a list"]
    );
    assert_eq!(
        errors("{ in_cidr: 10.0.0.0/8 }", rcode),
        ["1:12: `in_cidr` cannot hold for `field`: `field` is not an IP address"]
    );
    assert_eq!(
        errors("{ jwt: {} }", rcode),
        ["1:8: `jwt` cannot hold for `field`: `field` is not a token"]
    );
    let eku = Domain::List(&EKUS);
    assert_eq!(
        errors("serverAuth", eku),
        ["1:1: one extended key usage never equals the list of them"]
    );
    assert_eq!(
        errors("{ contains: serverauth }", eku),
        ["1:13: `serverauth` is not an extended key usage"]
    );
    assert_eq!(
        errors("{ each: { not: codesigning } }", eku),
        ["1:16: `codesigning` is not an extended key usage"]
    );
    let status = Domain::Status;
    assert_eq!(errors("999", status), ["1:1: `999` is not an HTTP status"]);
    assert_eq!(
        errors("\"two hundred\"", status),
        ["1:1: `two hundred` is not an HTTP status"]
    );
    assert_eq!(
        errors("[200, 999]", status),
        ["1:7: `999` is not an HTTP status"]
    );
    assert_eq!(
        errors("{ any_of: [2xx, 6xx] }", status),
        ["1:17: `6xx` is not an HTTP status"]
    );
    assert_eq!(
        errors("200.5", status),
        ["1:1: `200.5` is not an HTTP status"]
    );
    assert_eq!(
        errors("\"1.4\"", Domain::One(&TLS_VERSIONS)),
        ["1:1: `1.4` is not a TLS version"]
    );
    assert_eq!(
        errors("1.4", Domain::One(&TLS_VERSIONS)),
        ["1:1: `1.4` is not a TLS version"]
    );
    assert_eq!(
        errors("certificate_requird", Domain::One(&ALERTS)),
        ["1:1: `certificate_requird` is not a TLS alert"]
    );
    assert_eq!(
        errors("ECDSA P-265", Domain::One(&KEYS)),
        ["1:1: `ECDSA P-265` is not a key type"]
    );
}

#[test]
fn suggestions_prefer_the_same_word_in_another_case() {
    assert_eq!(RCODES.suggestion("nxdomain"), Some("NXDOMAIN"));
    assert_eq!(RCODES.suggestion("NXDOMAN"), Some("NXDOMAIN"));
    assert_eq!(
        ALERTS.suggestion("certificate_requird"),
        Some("certificate_required")
    );
    assert_eq!(EKUS.suggestion("serverauth"), Some("serverAuth"));
    assert_eq!(RCODES.suggestion("zzzzzzzzzz"), None);
    assert!(
        RCODES
            .expected("NXDOMAN")
            .starts_with("did you mean `NXDOMAIN`? expected one of: NOERROR, FORMERR,")
    );
}

#[test]
fn open_families_are_members() {
    assert!(KEYS.contains("RSA 3072"));
    assert!(KEYS.contains("RSA-PSS 1536"));
    assert!(!KEYS.contains("RSA two"));
    assert!(EKUS.contains("1.3.6.1.5.5.7.3.17"));
    assert!(!EKUS.contains("1.3."));
    assert!(ALERTS.contains("unknown alert 200"));
    assert!(RCODES.contains("RCODE4000"));
    assert!(!RCODES.contains("RCODE"));
}

#[test]
fn status_comparisons_must_split_the_statuses() {
    assert_eq!(
        errors("{ lt: 1000 }", Domain::Status),
        ["1:7: `lt: 1000` holds for every HTTP status (100 to 599)"]
    );
    assert_eq!(
        errors("{ not: { gt: 600 } }", Domain::Status),
        ["1:14: `gt: 600` holds for no HTTP status (100 to 599)"]
    );
    assert_eq!(
        errors("{ gt: 1s }", Domain::Status),
        ["1:7: `gt: 1s` compares a status with something not a number"]
    );
    for fine in [
        "{ gt: 100 }",
        "{ gte: 599 }",
        "{ lt: 101 }",
        "{ lte: 598 }",
        "{ lt: \"500\" }",
    ] {
        assert_eq!(errors(fine, Domain::Status), Vec::<String>::new(), "{fine}");
    }
}

#[test]
fn the_statuses_tried_are_each_status_once() {
    let mut seen: Vec<i64> = STATUSES
        .values
        .iter()
        .map(|a| a.as_number().expect("a number") as i64)
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (STATUS_MIN..=STATUS_MAX).collect::<Vec<_>>());
}

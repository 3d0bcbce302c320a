//! Closed sets: the fields whose values come from a fixed list (DNS response codes, TLS
//! alerts and versions, HTTP statuses, key types, extended key usages, DNS record types).
//!
//! A value outside its set could never be observed, so a matcher that names one would fail
//! for ever, or, under `not`, pass for ever: `rcode: { not: NXDOMAN }` passed against an
//! NXDOMAIN answer. Every value written where a closed set applies is checked here when the
//! files load, at any depth of `not`, `any_of`, `all_of`, `one_of` and lists, with "did you
//! mean". The JSON Schema (`conform schema`) is built from the same lists, and
//! `tests/schema.rs` holds the two to the same answers.

use crate::syntax::diag::{Diagnostics, suggest};
use crate::syntax::node::{Node, NodeValue, Pos};

/// A named list of values, with an optional pattern for open-ended families of them.
#[derive(Debug)]
pub struct ClosedSet {
    /// What one value is, for messages: "DNS response code".
    pub what: &'static str,
    /// Every value, spelled exactly as the probes report it.
    pub values: &'static [&'static str],
    /// Values that are also allowed beyond the list (anchored regex): `RSA 3072`, an OID.
    pub pattern: Option<&'static str>,
    /// How the pattern reads in a message: "RSA <bits>".
    pub pattern_hint: &'static str,
    /// A value the pattern allows, for checking `matches:` regexes against the family.
    pub pattern_example: &'static str,
    /// Values the pattern allows that the probes never report, each with the name they
    /// report instead (`RCODE3` is reported as `NXDOMAIN`).
    pub excluded: &'static [(&'static str, &'static str)],
}

/// DNS response codes (IANA "DNS RCODEs") as the dns probe reports them; an unassigned code
/// reads `RCODE<n>`.
pub const RCODES: ClosedSet = ClosedSet {
    what: "DNS response code",
    values: &[
        "NOERROR",
        "FORMERR",
        "SERVFAIL",
        "NXDOMAIN",
        "NOTIMP",
        "REFUSED",
        "YXDOMAIN",
        "YXRRSET",
        "NXRRSET",
        "NOTAUTH",
        "NOTZONE",
        "DSOTYPENI",
        "BADVERS",
        "BADKEY",
        "BADTIME",
        "BADMODE",
        "BADNAME",
        "BADALG",
        "BADTRUNC",
        "BADCOOKIE",
    ],
    // 0 to 4095, without leading zeros; the assigned ones are named instead (`excluded`).
    pattern: Some("^RCODE(0|[1-9][0-9]{0,2}|[1-3][0-9]{3}|40[0-8][0-9]|409[0-5])$"),
    pattern_hint: "RCODE<number> for an unassigned code",
    pattern_example: "RCODE12",
    excluded: &[
        ("RCODE0", "NOERROR"),
        ("RCODE1", "FORMERR"),
        ("RCODE2", "SERVFAIL"),
        ("RCODE3", "NXDOMAIN"),
        ("RCODE4", "NOTIMP"),
        ("RCODE5", "REFUSED"),
        ("RCODE6", "YXDOMAIN"),
        ("RCODE7", "YXRRSET"),
        ("RCODE8", "NXRRSET"),
        ("RCODE9", "NOTAUTH"),
        ("RCODE10", "NOTZONE"),
        ("RCODE11", "DSOTYPENI"),
        ("RCODE16", "BADVERS"),
        ("RCODE17", "BADKEY"),
        ("RCODE18", "BADTIME"),
        ("RCODE19", "BADMODE"),
        ("RCODE20", "BADNAME"),
        ("RCODE21", "BADALG"),
        ("RCODE22", "BADTRUNC"),
        ("RCODE23", "BADCOOKIE"),
    ],
};

/// TLS alert descriptions (IANA "TLS Alerts"), as the tls probe names them.
pub const ALERTS: ClosedSet = ClosedSet {
    what: "TLS alert",
    values: &[
        "close_notify",
        "unexpected_message",
        "bad_record_mac",
        "decryption_failed",
        "record_overflow",
        "decompression_failure",
        "handshake_failure",
        "no_certificate",
        "bad_certificate",
        "unsupported_certificate",
        "certificate_revoked",
        "certificate_expired",
        "certificate_unknown",
        "illegal_parameter",
        "unknown_ca",
        "access_denied",
        "decode_error",
        "decrypt_error",
        "export_restriction",
        "protocol_version",
        "insufficient_security",
        "internal_error",
        "inappropriate_fallback",
        "user_canceled",
        "no_renegotiation",
        "missing_extension",
        "unsupported_extension",
        "certificate_unobtainable",
        "unrecognized_name",
        "bad_certificate_status_response",
        "bad_certificate_hash_value",
        "unknown_psk_identity",
        "certificate_required",
        "no_application_protocol",
        "encrypted_client_hello_required",
    ],
    // 0 to 255, without leading zeros; the assigned ones are named instead (`excluded`).
    pattern: Some("^unknown alert (0|[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-5])$"),
    pattern_hint: "unknown alert <number> for an unassigned code",
    pattern_example: "unknown alert 200",
    excluded: &[
        ("unknown alert 0", "close_notify"),
        ("unknown alert 10", "unexpected_message"),
        ("unknown alert 20", "bad_record_mac"),
        ("unknown alert 21", "decryption_failed"),
        ("unknown alert 22", "record_overflow"),
        ("unknown alert 30", "decompression_failure"),
        ("unknown alert 40", "handshake_failure"),
        ("unknown alert 41", "no_certificate"),
        ("unknown alert 42", "bad_certificate"),
        ("unknown alert 43", "unsupported_certificate"),
        ("unknown alert 44", "certificate_revoked"),
        ("unknown alert 45", "certificate_expired"),
        ("unknown alert 46", "certificate_unknown"),
        ("unknown alert 47", "illegal_parameter"),
        ("unknown alert 48", "unknown_ca"),
        ("unknown alert 49", "access_denied"),
        ("unknown alert 50", "decode_error"),
        ("unknown alert 51", "decrypt_error"),
        ("unknown alert 60", "export_restriction"),
        ("unknown alert 70", "protocol_version"),
        ("unknown alert 71", "insufficient_security"),
        ("unknown alert 80", "internal_error"),
        ("unknown alert 86", "inappropriate_fallback"),
        ("unknown alert 90", "user_canceled"),
        ("unknown alert 100", "no_renegotiation"),
        ("unknown alert 109", "missing_extension"),
        ("unknown alert 110", "unsupported_extension"),
        ("unknown alert 111", "certificate_unobtainable"),
        ("unknown alert 112", "unrecognized_name"),
        ("unknown alert 113", "bad_certificate_status_response"),
        ("unknown alert 114", "bad_certificate_hash_value"),
        ("unknown alert 115", "unknown_psk_identity"),
        ("unknown alert 116", "certificate_required"),
        ("unknown alert 120", "no_application_protocol"),
        ("unknown alert 121", "encrypted_client_hello_required"),
    ],
};

/// TLS versions as the tls probe reports them.
pub const TLS_VERSIONS: ClosedSet = ClosedSet {
    what: "TLS version",
    values: &["1.0", "1.1", "1.2", "1.3"],
    pattern: None,
    pattern_hint: "",
    pattern_example: "",
    excluded: &[],
};

/// Public key types as certificate expectations name them.
pub const KEYS: ClosedSet = ClosedSet {
    what: "key type",
    values: &[
        "RSA 1024",
        "RSA 2048",
        "RSA 3072",
        "RSA 4096",
        "RSA 8192",
        "RSA-PSS 2048",
        "RSA-PSS 3072",
        "RSA-PSS 4096",
        "ECDSA P-256",
        "ECDSA P-384",
        "ECDSA P-521",
        "ECDSA secp256k1",
        "Ed25519",
        "Ed448",
        "DSA",
    ],
    pattern: Some("^RSA(-PSS)? [1-9][0-9]{2,4}$"),
    pattern_hint: "RSA <bits> or RSA-PSS <bits>",
    pattern_example: "RSA 1536",
    excluded: &[],
};

/// Extended key usages by name; others as a dotted OID.
pub const EKUS: ClosedSet = ClosedSet {
    what: "extended key usage",
    values: &[
        "anyExtendedKeyUsage",
        "serverAuth",
        "clientAuth",
        "codeSigning",
        "emailProtection",
        "timeStamping",
        "OCSPSigning",
    ],
    pattern: Some("^[0-2](\\.(0|[1-9][0-9]*))+$"),
    pattern_hint: "a dotted OID of a usage without a name here, such as 1.3.6.1.5.5.7.3.5",
    pattern_example: "1.3.6.1.5.5.7.3.5",
    excluded: &[
        ("2.5.29.37.0", "anyExtendedKeyUsage"),
        ("1.3.6.1.5.5.7.3.1", "serverAuth"),
        ("1.3.6.1.5.5.7.3.2", "clientAuth"),
        ("1.3.6.1.5.5.7.3.3", "codeSigning"),
        ("1.3.6.1.5.5.7.3.4", "emailProtection"),
        ("1.3.6.1.5.5.7.3.8", "timeStamping"),
        ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
    ],
};

/// DNS record types the dns probe asks for.
pub const RECORD_TYPES: ClosedSet = ClosedSet {
    what: "DNS record type",
    values: &[
        "A",
        "AAAA",
        "ANAME",
        "CAA",
        "CDS",
        "CDNSKEY",
        "CERT",
        "CNAME",
        "CSYNC",
        "DNSKEY",
        "DS",
        "HINFO",
        "HTTPS",
        "KEY",
        "MX",
        "NAPTR",
        "NS",
        "NSEC",
        "NSEC3",
        "NSEC3PARAM",
        "OPENPGPKEY",
        "PTR",
        "RRSIG",
        "SIG",
        "SOA",
        "SRV",
        "SSHFP",
        "SVCB",
        "TLSA",
        "TXT",
    ],
    pattern: None,
    pattern_hint: "",
    pattern_example: "",
    excluded: &[],
};

/// The HTTP statuses a server can send: 100 to 599.
pub const STATUS_MIN: i64 = 100;
pub const STATUS_MAX: i64 = 599;

impl ClosedSet {
    /// "a DNS response code", "an extended key usage".
    pub fn a(&self) -> String {
        let article = if self.what.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.what)
    }

    /// Whether `value` belongs to the set, exactly as written.
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains(&value)
            || (self.pattern_matches(value) && !self.excluded.iter().any(|(e, _)| *e == value))
    }

    fn pattern_matches(&self, value: &str) -> bool {
        self.pattern
            .and_then(|p| regex::Regex::new(p).ok())
            .is_some_and(|re| re.is_match(value))
    }

    /// The closest member: the same word in another case first, then a near spelling.
    pub fn suggestion(&self, value: &str) -> Option<&'static str> {
        if let Some((_, named)) = self.excluded.iter().find(|(e, _)| *e == value.trim()) {
            return Some(named);
        }
        self.values
            .iter()
            .copied()
            .find(|v| v.eq_ignore_ascii_case(value.trim()))
            .or_else(|| suggest(value, self.values))
    }

    /// "expected one of: A, B, C (or RCODE<number> ...)", led by "did you mean" when close.
    pub fn expected(&self, value: &str) -> String {
        let mut out = String::new();
        if let Some(s) = self.suggestion(value) {
            out.push_str(&format!("did you mean `{s}`? "));
        }
        out.push_str(&format!("expected one of: {}", self.values.join(", ")));
        if self.pattern.is_some() {
            out.push_str(&format!(", or {}", self.pattern_hint));
        }
        out
    }
}

/// Which closed set a field takes, and the shape of the value the probe observes.
#[derive(Clone, Copy, Debug)]
pub enum Domain {
    /// One name from the set.
    One(&'static ClosedSet),
    /// A list of names from the set (a certificate's EKUs).
    List(&'static ClosedSet),
    /// An HTTP status: 100-599, or a class `1xx`-`5xx`.
    Status,
}

/// Decodes a matcher for a field that takes values of `domain`: a value outside the set is a
/// load error where it is written.
pub fn decode_closed(
    node: &Node,
    what: &str,
    domain: Domain,
    d: &mut Diagnostics,
) -> Option<crate::matcher::Matcher> {
    let matcher = crate::matcher::decode_matcher(node, what, d)?;
    let before = d.len();
    check_matcher(node, domain, what, d);
    (d.len() == before).then_some(matcher)
}

/// Every value a field can have, when the set is small enough to try a matcher on each.
pub struct Members {
    /// What one value is, for messages: "HTTP status".
    name: &'static str,
    values: std::sync::LazyLock<Vec<crate::matcher::Actual>>,
    /// An expectation that decides something, for messages.
    example: &'static str,
}

/// Every status a server can send; the common ones first, so that most expectations are
/// decided within a few tries.
pub static STATUSES: Members = Members {
    name: "HTTP status",
    values: std::sync::LazyLock::new(|| {
        let common = [200, 404, 301, 302, 500, 401, 403, 503];
        common
            .into_iter()
            .chain((STATUS_MIN..=STATUS_MAX).filter(|n| !common.contains(n)))
            .map(|n| crate::matcher::Actual::Number(n as f64))
            .collect()
    }),
    example: "200 or { not: 5xx }",
};

/// Every rcode the dns probe can report (the unassigned ones by two of them).
pub static EVERY_RCODE: Members = Members {
    name: "DNS response code",
    values: std::sync::LazyLock::new(|| {
        RCODES
            .values
            .iter()
            .copied()
            .chain(["RCODE12", "RCODE4095"])
            .map(crate::matcher::Actual::text)
            .collect()
    }),
    example: "NOERROR or { not: SERVFAIL }",
};

/// A matcher of a field that always has a value from a small closed set (a status, an rcode)
/// is tried on the values of the set: one that holds for all of them can never fail (a gate
/// that always passes), one that holds for none can never pass. Both are load errors; the
/// matcher is returned when it decides something. The trial stops at the first value that
/// holds after one that does not (or the reverse).
pub fn decided(
    m: crate::matcher::Matcher,
    node: &Node,
    what: &str,
    members: &Members,
    d: &mut Diagnostics,
) -> Option<crate::matcher::Matcher> {
    let (mut holds, mut misses) = (false, false);
    for v in members.values.iter() {
        if m.test(v).is_ok() {
            holds = true;
        } else {
            misses = true;
        }
        if holds && misses {
            return Some(m);
        }
    }
    let (name, example) = (members.name, members.example);
    let (verdict, never, some) = if holds {
        ("every", "fail", "fail")
    } else {
        ("no", "pass", "pass")
    };
    d.error(
        node.pos,
        format!("{what} holds for {verdict} {name}: it can never {never}"),
        format!("expected an expectation that some {name} would {some}, e.g. {example}"),
    );
    None
}

/// Checks a decoded matcher's node against `domain`; errors go to `d` at the place of the
/// value. Call it only on a node that decoded as a matcher without errors.
pub fn check_matcher(node: &Node, domain: Domain, what: &str, d: &mut Diagnostics) {
    Walker { domain, what, d }.matcher(node, domain_is_list(domain));
}

fn domain_is_list(domain: Domain) -> bool {
    matches!(domain, Domain::List(_))
}

struct Walker<'a, 'd> {
    domain: Domain,
    what: &'a str,
    d: &'d mut Diagnostics,
}

impl Walker<'_, '_> {
    /// `node` is a matcher against a list of members (`list`) or against one member.
    fn matcher(&mut self, node: &Node, list: bool) {
        let NodeValue::Map(entries) = &node.value else {
            return self.equals(node, list);
        };
        for (key, value) in entries {
            let Some(key) = key.scalar_text() else {
                continue;
            };
            match key.as_str() {
                "equals" => self.equals(value, list),
                "one_of" => {
                    if let NodeValue::Seq(items) = &value.value {
                        for item in items {
                            self.equals(item, list);
                        }
                    }
                }
                "contains" if list => self.matcher(value, false),
                "contains" => self.fragment(value, "contains", |m, f| m.contains(f)),
                "starts_with" => self.fragment(value, "starts_with", |m, f| m.starts_with(f)),
                "ends_with" => self.fragment(value, "ends_with", |m, f| m.ends_with(f)),
                "matches" => self.regex(value),
                "each" if list => self.matcher(value, false),
                "not" => self.matcher(value, list),
                "any_of" | "all_of" => {
                    if let NodeValue::Seq(items) = &value.value {
                        for item in items {
                            self.matcher(item, list);
                        }
                    }
                }
                "count" | "each" if !list => self.not_here(
                    value.pos,
                    &key,
                    format!("{} is one value, not a list", self.what),
                ),
                "gt" | "gte" | "lt" | "lte" if matches!(self.domain, Domain::Status) => {
                    self.status_bound(value, &key)
                }
                "gt" | "gte" | "lt" | "lte" => self.not_here(
                    value.pos,
                    &key,
                    format!("{} is a name, not a number", self.what),
                ),
                "in_cidr" => self.not_here(
                    value.pos,
                    &key,
                    format!("{} is not an IP address", self.what),
                ),
                _ => {}
            }
        }
    }

    /// What the members are, for messages: "DNS response code".
    fn members(&self) -> &'static str {
        match self.domain {
            Domain::One(set) | Domain::List(set) => set.what,
            Domain::Status => "HTTP status",
        }
    }

    fn not_here(&mut self, pos: Pos, key: &str, why: String) {
        self.d.error(
            pos,
            format!("`{key}` cannot hold for {}: {why}", self.what),
            self.hint(),
        );
    }

    fn hint(&self) -> String {
        match self.domain {
            Domain::One(set) => format!("expected {}, or a matcher over them", set.a()),
            Domain::List(set) => format!(
                "expected a list of {}s, or a matcher such as {{ contains: {} }}",
                set.what,
                set.values.first().copied().unwrap_or_default()
            ),
            Domain::Status => {
                "expected a status 100-599, a class 1xx-5xx, a list of them, or a matcher".into()
            }
        }
    }

    /// A value written as `equals` (or bare): one member, or for a list a list of members.
    fn equals(&mut self, node: &Node, list: bool) {
        match (&node.value, list, self.domain) {
            (NodeValue::Seq(items), true, _) => {
                for item in items {
                    self.member(item);
                }
            }
            (NodeValue::Seq(items), false, Domain::Status) if items.is_empty() => self.d.error(
                node.pos,
                "an empty list of statuses never matches (and under `not`, always)",
                "expected the statuses it may be, e.g. [301, 308]",
            ),
            (NodeValue::Seq(_), false, Domain::Status) => {
                // `status: [301, 308]` and lists nested in it mean one of.
                if let NodeValue::Seq(items) = &node.value {
                    for item in items {
                        self.member(item);
                    }
                }
            }
            (NodeValue::Seq(_), false, _) => self.d.error(
                node.pos,
                format!("a list never equals one {}", self.members()),
                "write one value, or one_of: [a, b] for any of several",
            ),
            (NodeValue::Null, ..) => self.d.error(
                node.pos,
                format!("{} is empty here", self.members()),
                self.hint(),
            ),
            (_, true, Domain::List(set)) => {
                self.member(node);
                let text = node.scalar_text().unwrap_or_default();
                if set.contains(&text) {
                    self.d.error(
                        node.pos,
                        format!("one {} never equals the list of them", set.what),
                        format!("expected {{ contains: {text} }} (one of them) or a list [{text}, ...] (all of them)"),
                    );
                }
            }
            _ => self.member(node),
        }
    }

    /// One value that must be a member of the set.
    fn member(&mut self, node: &Node) {
        match self.domain {
            Domain::Status => self.status(node),
            Domain::One(set) | Domain::List(set) => {
                let text = match &node.value {
                    NodeValue::Str(s) => Some(s.clone()),
                    // `version: 1.3` is the number 1.3; it compares as "1.3".
                    NodeValue::Float(f) => set.values.iter().find_map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|p| p == f)
                            .map(|_| v.to_string())
                    }),
                    NodeValue::Int(i) => set.values.iter().find_map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|p| *p == *i as f64)
                            .map(|_| v.to_string())
                    }),
                    _ => None,
                };
                match text {
                    Some(t) if set.contains(&t) => {}
                    _ => {
                        let shown = node.scalar_text().unwrap_or_else(|| node.kind().into());
                        self.d.error(
                            node.pos,
                            format!("`{shown}` is not {}", set.a()),
                            set.expected(&shown),
                        );
                    }
                }
            }
        }
    }

    fn status(&mut self, node: &Node) {
        let ok = match &node.value {
            NodeValue::Int(i) => (STATUS_MIN..=STATUS_MAX).contains(i),
            NodeValue::Float(f) => {
                f.fract() == 0.0 && (STATUS_MIN as f64..=STATUS_MAX as f64).contains(f)
            }
            NodeValue::Str(s) => is_status_text(s),
            _ => false,
        };
        if !ok {
            let shown = node.scalar_text().unwrap_or_else(|| node.kind().into());
            self.d.error(
                node.pos,
                format!("`{shown}` is not an HTTP status"),
                "expected a status from 100 to 599 (e.g. 302), or a class: 1xx, 2xx, 3xx, 4xx or 5xx",
            );
        }
    }

    /// A comparison of a status: with a number, and one that some status from 100 to 599
    /// passes and some fails (`lt: 1000` would pass anything, and under `not` nothing).
    fn status_bound(&mut self, node: &Node, key: &str) {
        let bound = match &node.value {
            NodeValue::Int(i) => Some(*i as f64),
            NodeValue::Float(f) => Some(*f),
            NodeValue::Str(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let Some(x) = bound.filter(|x| x.is_finite()) else {
            let shown = node.scalar_text().unwrap_or_else(|| node.kind().into());
            self.d.error(
                node.pos,
                format!("`{key}: {shown}` compares a status with something not a number"),
                "expected a number, e.g. status: { gte: 200, lt: 300 }",
            );
            return;
        };
        let (lo, hi) = (STATUS_MIN as f64, STATUS_MAX as f64);
        let (always, never) = match key {
            "gt" => (x < lo, x >= hi),
            "gte" => (x <= lo, x > hi),
            "lt" => (x > hi, x <= lo),
            _ => (x >= hi, x < lo),
        };
        if always || never {
            let shown = node.scalar_text().unwrap_or_default();
            self.d.error(
                node.pos,
                format!(
                    "`{key}: {shown}` holds for {} HTTP status (100 to 599)",
                    if always { "every" } else { "no" }
                ),
                "expected a bound that some statuses pass and some fail, e.g. { gte: 200, lt: 300 }",
            );
        }
    }

    /// `contains`, `starts_with`, `ends_with` on one value: the text must be part of some
    /// member, or the matcher could never hold.
    fn fragment(&mut self, node: &Node, key: &str, fits: fn(&str, &str) -> bool) {
        if matches!(node.value, NodeValue::Map(_)) {
            // `contains: { matches: .. }` on text: the inner matcher applies to the value.
            return self.matcher(node, false);
        }
        let Some(text) = node.scalar_text() else {
            return;
        };
        let fits_any = match self.domain {
            Domain::Status => (STATUS_MIN..=STATUS_MAX).any(|c| fits(&c.to_string(), &text)),
            Domain::One(set) | Domain::List(set) => {
                set.values.iter().any(|m| fits(m, &text)) || set.contains(&text)
            }
        };
        if !fits_any {
            let expected = match self.domain {
                Domain::Status => "expected part of a status from 100 to 599".to_string(),
                Domain::One(set) | Domain::List(set) => set.expected(&text),
            };
            self.d.error(
                node.pos,
                format!(
                    "`{key}: {text}` for {} matches no {}",
                    self.what,
                    self.members()
                ),
                expected,
            );
        }
    }

    /// `matches`: the regex must match some member.
    fn regex(&mut self, node: &Node) {
        let Some(text) = node.scalar_text() else {
            return;
        };
        let Ok(re) = regex::RegexBuilder::new(&text).size_limit(1 << 20).build() else {
            return;
        };
        let fits_any = match self.domain {
            Domain::Status => (STATUS_MIN..=STATUS_MAX).any(|c| re.is_match(&c.to_string())),
            Domain::One(set) | Domain::List(set) => {
                set.values.iter().any(|m| re.is_match(m))
                    || (set.pattern.is_some() && re.is_match(set.pattern_example))
            }
        };
        if !fits_any {
            self.d.error(
                node.pos,
                format!(
                    "`matches: {text}` for {} matches no {}",
                    self.what,
                    self.members()
                ),
                match self.domain {
                    Domain::Status => {
                        "expected a regex that matches some status from 100 to 599".to_string()
                    }
                    Domain::One(set) | Domain::List(set) => set.expected(""),
                },
            );
        }
    }
}

/// `302` or `3xx` written as text.
pub fn is_status_text(s: &str) -> bool {
    let t = s.trim();
    status_class(t).is_some()
        || t.parse::<i64>()
            .is_ok_and(|n| (STATUS_MIN..=STATUS_MAX).contains(&n) && t.len() == 3)
}

/// `3xx` → 3.
pub fn status_class(s: &str) -> Option<u16> {
    match s.as_bytes() {
        [c @ b'1'..=b'5', b'x', b'x'] => Some(u16::from(c - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

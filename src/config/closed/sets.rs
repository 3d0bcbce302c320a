//! The closed sets themselves: each list of values as the probes report them, and the range
//! and classes of HTTP statuses.

use crate::syntax::diag::suggest;

/// A named list of values, with an optional pattern for open-ended families of them.
#[derive(Debug)]
pub struct ClosedSet {
    /// What one value is, for messages: "DNS response code".
    pub what: &'static str,
    /// Every value, spelled exactly as the probes report it.
    pub values: &'static [&'static str],
    /// Values that are also allowed beyond the list (anchored regex): `RSA 3072`, an OID.
    pub pattern: Option<&'static str>,
    /// How the pattern reads in a message: "`RSA <bits>`".
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

    /// "expected one of: A, B, C (or `RCODE<number>` ...)", led by "did you mean" when close.
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

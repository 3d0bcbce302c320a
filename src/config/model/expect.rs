//! What a check expects of its probe's observation, by probe kind.

use super::*;

/// Expectations on a DNS answer.
#[derive(Debug, Default)]
pub struct DnsExpect {
    /// Default: NOERROR.
    pub rcode: Option<Matcher>,
    /// The records of the asked type, as dig prints their data.
    pub answers: Option<Matcher>,
    /// The CNAME chain that led to the answers.
    pub cnames: Option<Matcher>,
    /// The smallest TTL among the answers.
    pub ttl: Option<Matcher>,
    pub time: Option<Matcher>,
}

/// Expectations on a TCP connection.
#[derive(Debug)]
pub struct TcpExpect {
    pub connect: ConnectExpect,
    /// `connect:` was written (it defaults to accepted).
    pub explicit: bool,
    pub time: Option<Matcher>,
    /// The text the server sent (lossy UTF-8).
    pub received: Option<Matcher>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectExpect {
    Accepted,
    Refused,
    Timeout,
}

/// Expectations on a TLS handshake.
#[derive(Debug, Default)]
pub struct TlsExpect {
    /// Default: accepted.
    pub handshake: Option<HandshakeExpect>,
    /// The name of the alert the server sent (`certificate_required`, `handshake_failure`).
    pub alert: Option<Matcher>,
    /// "1.2" or "1.3".
    pub version: Option<Matcher>,
    pub alpn: Option<Matcher>,
    /// Boxed: few checks have one, and every check would carry its room.
    pub cert: Option<Box<CertExpect>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeExpect {
    Accepted,
    Rejected,
}

#[derive(Clone, Debug, Default)]
pub struct HttpExpect {
    pub status: Option<Matcher>,
    /// Lower-case header names.
    pub headers: Vec<(String, Matcher)>,
    /// A matcher on the whole body as text.
    pub body: Option<Matcher>,
    pub json: Vec<JsonExpect>,
    /// Boxed: few checks have one, and every check would carry its room.
    pub cert: Option<Box<CertExpect>>,
    pub time: Option<Matcher>,
}

#[derive(Clone, Debug)]
pub struct JsonExpect {
    /// As written, for messages.
    pub path_text: String,
    pub path: JsonPath,
    /// Names and indexes only (RFC 9535 §2.3.5.1): matched as the value, or absent.
    pub singular: bool,
    /// A path that is not singular: its singular start (`$.data.users` of
    /// `$.data.users[*].role`). When that is missing, or no list or object, the path's
    /// nodes are absent, not an empty list that `not:` or `count:` would pass on.
    pub parent: Option<JsonPath>,
    pub matcher: Matcher,
}

/// Expectations on a certificate: the leaf (http, tls and cert probes) and, where the probe
/// sees it, the whole chain (tls and cert probes).
#[derive(Clone, Debug, Default)]
pub struct CertExpect {
    pub expires_in: Option<Matcher>,
    /// The earliest notAfter in the chain.
    pub chain_expires_in: Option<Matcher>,
    pub san: Option<Matcher>,
    pub subject: Option<Matcher>,
    pub issuer: Option<Matcher>,
    pub eku: Option<Matcher>,
    /// `ECDSA P-256`, `RSA 2048`, `Ed25519`.
    pub key: Option<Matcher>,
    /// The chain verifies to a trusted root for the probe's name (tls) or at all (cert).
    pub chain_valid: Option<Matcher>,
    /// Lower-case hex, no separators.
    pub fingerprint_sha256: Option<Matcher>,
    /// Lower-case hex.
    pub serial: Option<Matcher>,
}

impl HttpExpect {
    /// Nothing is expected: such an expectation would pass any answer.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.headers.is_empty()
            && self.body.is_none()
            && self.json.is_empty()
            && self.cert.as_ref().is_none_or(|c| c.is_empty())
            && self.time.is_none()
    }
}

impl TlsExpect {
    /// Nothing is expected: such an expectation would pass any answer.
    pub fn is_empty(&self) -> bool {
        self.handshake.is_none()
            && self.alert.is_none()
            && self.version.is_none()
            && self.alpn.is_none()
            && self.cert.as_ref().is_none_or(|c| c.is_empty())
    }
}

impl DnsExpect {
    /// Nothing is expected: such an expectation would pass any answer.
    pub fn is_empty(&self) -> bool {
        self.rcode.is_none()
            && self.answers.is_none()
            && self.cnames.is_none()
            && self.ttl.is_none()
            && self.time.is_none()
    }
}

impl TcpExpect {
    /// Nothing is expected (`connect:` not written, no `time`): such an expectation would
    /// pass any connection that opens.
    pub fn is_empty(&self) -> bool {
        !self.explicit && self.time.is_none() && self.received.is_none()
    }
}

impl CertExpect {
    /// Nothing is expected: such an expectation would pass any answer.
    pub fn is_empty(&self) -> bool {
        self.expires_in.is_none()
            && self.chain_expires_in.is_none()
            && self.san.is_none()
            && self.subject.is_none()
            && self.issuer.is_none()
            && self.eku.is_none()
            && self.key.is_none()
            && self.chain_valid.is_none()
            && self.fingerprint_sha256.is_none()
            && self.serial.is_none()
    }
}

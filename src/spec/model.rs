//! The resolved, typed plan: what every check probes and expects, with variables filled in.
//! Nothing here can fail later on a typo: everything was checked when it was built.

use crate::matcher::Matcher;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json_path::JsonPath;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Everything a run needs: the environment and the checks selected for it.
#[derive(Debug)]
pub struct Plan {
    pub env: Environment,
    pub checks: Vec<Arc<Check>>,
    /// Values of `${secret:..}` variables, removed from every output.
    pub secrets: Secrets,
}

/// Secret values by name; reports redact them at their boundary.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: BTreeMap<String, String>,
}

impl Secrets {
    pub fn insert(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.values.insert(name.to_string(), value.to_string());
        }
    }

    /// `text` with every secret value replaced by `[redacted:NAME]`: as written, and in the
    /// forms the reports may have turned it into (shell-quoted in a reproduce command,
    /// escaped in JSON, percent-encoded in a URL). Longer forms go first, so a secret that
    /// contains another is removed whole.
    pub fn redact(&self, text: &str) -> String {
        let mut forms: Vec<(&str, String)> = Vec::new();
        for (name, value) in &self.values {
            for form in secret_forms(value) {
                forms.push((name.as_str(), form));
            }
        }
        forms.sort_by_key(|(_, f)| std::cmp::Reverse(f.len()));
        let mut out = text.to_string();
        for (name, form) in forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), &format!("[redacted:{name}]"));
            }
        }
        out
    }

    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A secret value as written and as it reads once quoted or encoded for an output.
fn secret_forms(value: &str) -> Vec<String> {
    let mut forms = vec![
        value.to_string(),
        value.replace('\'', "'\\''"),
        // Ids are made from names: lower-cased, punctuation turned into dashes.
        value.to_lowercase(),
        crate::spec::checkfile::slug(value),
    ];
    if let Ok(json) = serde_json::to_string(value) {
        forms.push(json.trim_matches('"').to_string());
    }
    if let Ok(u) = Url::parse(&format!("http://x/{value}?{value}")) {
        forms.push(u.path().trim_start_matches('/').to_string());
        forms.extend(u.query().map(String::from));
    }
    let pieces: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    forms.push(pieces);
    forms.sort();
    forms.dedup();
    forms.retain(|f| !f.is_empty());
    forms
}

#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub file: Option<PathBuf>,
    pub vars: BTreeMap<String, super::vars::VarValue>,
    /// Fixed DNS answers, like curl --resolve: by `host` or `host:port`.
    pub resolve: Vec<ResolveRule>,
    /// DNS servers for every probe; empty means the system's.
    pub resolvers: Vec<SocketAddr>,
    /// Extra trust roots for every probe.
    pub ca: Vec<CertificateDer<'static>>,
    pub ca_files: Vec<PathBuf>,
    pub defaults: RunDefaults,
    pub concurrency: usize,
    pub host_concurrency: usize,
    /// At most this many probes per host per period (`host_rate: 10/s`), evenly spaced.
    pub host_rate: Option<Rate>,
}

/// A request rate: `count` per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    /// The time between two requests at this rate.
    pub fn interval(&self) -> Duration {
        self.per / self.count.max(1)
    }
}

/// `resolve:` entry: `host` (any port) or `host:port`, to an address (whose port, when given,
/// replaces the URL's default port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveRule {
    pub host: String,
    pub port: Option<u16>,
    pub to: std::net::IpAddr,
    pub to_port: Option<u16>,
}

impl Environment {
    /// An environment with nothing set: no vars, resolve rules, trust roots or resolvers,
    /// and the built-in defaults and limits.
    pub fn named(name: &str) -> Environment {
        Environment {
            name: name.to_string(),
            file: None,
            vars: BTreeMap::new(),
            resolve: Vec::new(),
            resolvers: Vec::new(),
            ca: Vec::new(),
            ca_files: Vec::new(),
            defaults: RunDefaults::default(),
            concurrency: crate::spec::environment::DEFAULT_CONCURRENCY,
            host_concurrency: crate::spec::environment::DEFAULT_HOST_CONCURRENCY,
            host_rate: None,
        }
    }

    /// The fixed address for `host` on `port`, if `resolve:` has one; `host:port` rules win.
    pub fn resolve_fixed(&self, host: &str, port: u16) -> Option<SocketAddr> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let rule = self
            .resolve
            .iter()
            .find(|r| r.host == host && r.port == Some(port))
            .or_else(|| {
                self.resolve
                    .iter()
                    .find(|r| r.host == host && r.port.is_none())
            })?;
        Some(SocketAddr::new(rule.to, rule.to_port.unwrap_or(port)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunDefaults {
    pub timeout: Duration,
    pub retries: u32,
    pub retry_delay: Duration,
}

impl Default for RunDefaults {
    fn default() -> Self {
        RunDefaults {
            timeout: Duration::from_secs(10),
            retries: 0,
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// One check, resolved for one environment.
#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub name: String,
    pub suite: String,
    /// The check file, as given on the command line's `--dir` (relative when it was).
    pub file: PathBuf,
    /// Where the check starts in its file.
    pub line: u32,
    pub tags: Vec<String>,
    pub pending: Option<Pending>,
    pub timeout: Duration,
    pub retries: u32,
    pub retry_delay: Duration,
    pub probe: Probe,
    pub expect: Expect,
    /// `${env:..}`/`${secret:..}` values the process environment does not set: an error for
    /// `run` when this check is selected, a warning for `validate`.
    pub unresolved: Vec<super::diag::Diagnostic>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub reason: String,
    /// After this day (UTC) the failure is no longer excused.
    pub until: Option<time::Date>,
}

#[derive(Debug)]
pub enum Probe {
    Http(HttpProbe),
    Tls(TlsProbe),
    Cert(CertProbe),
    Dns(DnsProbe),
    Tcp(TcpProbe),
}

impl Probe {
    /// The host the probe talks to, for the per-host concurrency limit.
    pub fn host_key(&self) -> String {
        match self {
            Probe::Http(h) => match &h.connect_to {
                Some(c) => c.host.clone(),
                None => h.url.host_str().unwrap_or_default().to_ascii_lowercase(),
            },
            Probe::Tls(t) => t.host.to_ascii_lowercase(),
            Probe::Cert(c) => format!("file:{}", c.file.display()),
            Probe::Dns(d) => match d.server {
                Some(server) => server.ip().to_string(),
                None => "dns".to_string(),
            },
            Probe::Tcp(t) => t.host.to_ascii_lowercase(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Probe::Http(_) => "http",
            Probe::Tls(_) => "tls",
            Probe::Cert(_) => "cert",
            Probe::Dns(_) => "dns",
            Probe::Tcp(_) => "tcp",
        }
    }
}

#[derive(Debug)]
pub struct HttpProbe {
    pub url: Url,
    pub method: reqwest::Method,
    /// In file order; names as written.
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    /// 0: do not follow; N: follow up to N hops.
    pub follow_redirects: u32,
    pub connect_to: Option<ConnectTo>,
    pub tls: TlsOptions,
    /// Bodies are read up to this many bytes; more is a failure.
    pub body_limit: u64,
}

impl HttpProbe {
    /// A GET of `url` with every option at its default: no headers or body, redirects not
    /// followed, default TLS, the default body cap.
    pub fn get(url: Url) -> HttpProbe {
        HttpProbe {
            url,
            method: reqwest::Method::GET,
            headers: Vec::new(),
            body: None,
            follow_redirects: 0,
            connect_to: None,
            tls: TlsOptions::default(),
            body_limit: crate::spec::http::DEFAULT_BODY_LIMIT,
        }
    }
}

/// The tls probe: one handshake, observed whole.
#[derive(Debug)]
pub struct TlsProbe {
    pub host: String,
    pub port: u16,
    /// The name sent as SNI and verified against (default: `host`).
    pub sni: String,
    /// ALPN protocols offered, in order (empty: none).
    pub alpn: Vec<String>,
    pub tls: TlsOptions,
}

/// The cert probe: a local PEM file holding a certificate chain, leaf first.
#[derive(Clone, Debug)]
pub struct CertProbe {
    pub file: PathBuf,
    /// Trust roots for `chain_valid` (the probe's `ca_file`, the environment's, the system's).
    pub tls: TlsOptions,
}

/// The dns probe: one question, asked as dig asks it (recursion desired, no cache).
#[derive(Debug)]
pub struct DnsProbe {
    /// Fully qualified, with the trailing dot.
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, `TXT`, `CAA`, `MX`, `NS`, `SOA`, `SRV`, `PTR`, `HTTPS` ...
    pub record_type: hickory_proto::rr::RecordType,
    /// None: the environment's resolvers, else the system's.
    pub server: Option<SocketAddr>,
    pub protocol: DnsProtocol,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsProtocol {
    /// UDP, retried over TCP when the answer is truncated (as dig does).
    Udp,
    Tcp,
}

/// The tcp probe: does a connection open?
#[derive(Debug)]
pub struct TcpProbe {
    pub host: String,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RequestBody {
    Text(String),
    Json(serde_json::Value),
}

/// curl --connect-to: connect here, keep the URL's host for SNI, Host and verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    /// None: the URL's port.
    pub port: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    V1_2,
    V1_3,
}

impl std::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsVersion::V1_2 => "1.2",
            TlsVersion::V1_3 => "1.3",
        })
    }
}

/// TLS client settings of a probe, with the environment's trust roots already merged in.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    pub verify: bool,
    /// Extra trust roots (environment and check), on top of the system's.
    pub extra_roots: Vec<CertificateDer<'static>>,
    pub ca_files: Vec<PathBuf>,
    pub client_identity: Option<ClientIdentity>,
    pub sni: Option<String>,
    /// Empty: rustls's defaults (1.2 and 1.3).
    pub versions: Vec<TlsVersion>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            verify: true,
            extra_roots: Vec::new(),
            ca_files: Vec::new(),
            client_identity: None,
            sni: None,
            versions: Vec::new(),
        }
    }
}

/// A client certificate chain and its key, read from PEM files at load time.
#[derive(Debug)]
pub struct ClientIdentity {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Arc<PrivateKeyDer<'static>>,
}

impl Clone for ClientIdentity {
    fn clone(&self) -> Self {
        ClientIdentity {
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            chain: self.chain.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

#[derive(Debug)]
pub enum Expect {
    Http(HttpExpect),
    Tls(TlsExpect),
    /// The cert probe's expectations: the certificate (chain) only.
    Cert(CertExpect),
    Dns(DnsExpect),
    Tcp(TcpExpect),
}

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
    pub time: Option<Matcher>,
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
    pub cert: Option<CertExpect>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeExpect {
    Accepted,
    Rejected,
}

#[derive(Debug, Default)]
pub struct HttpExpect {
    pub status: Option<Matcher>,
    /// Lower-case header names.
    pub headers: Vec<(String, Matcher)>,
    /// A matcher on the whole body as text.
    pub body: Option<Matcher>,
    pub json: Vec<JsonExpect>,
    pub cert: Option<CertExpect>,
    pub time: Option<Matcher>,
}

#[derive(Debug)]
pub struct JsonExpect {
    /// As written, for messages.
    pub path_text: String,
    pub path: JsonPath,
    /// Names and indexes only (RFC 9535 §2.3.5.1): matched as the value, or absent.
    pub singular: bool,
    pub matcher: Matcher,
}

/// Expectations on a certificate: the leaf (http, tls and cert probes) and, where the probe
/// sees it, the whole chain (tls and cert probes).
#[derive(Debug, Default)]
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

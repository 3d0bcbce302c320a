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

mod expect;
mod flow;
mod kind;
mod options;
mod proxy;
mod secrets;

pub use expect::*;
pub use flow::{
    Capture, CaptureFrom, CaptureUse, Flow, Need, capture_var, fill_http, http_uses, placeholder,
};
pub use kind::{CheckKind, Expect, Probe};
pub use options::{AddressMode, IpFamily, Starttls, TcpDialogue};
pub use proxy::{
    NoProxy, PROXY_VARIABLES, ProxyConfig, ProxyFrom, ProxyRefusal, ProxyRoute, ProxySetting,
    ProxyVar, ProxyVars, parse_proxy_url,
};
pub use secrets::{Secrets, is_short as is_short_secret};

/// Built-in limits: 32 probes at once, 4 per host.
pub const DEFAULT_CONCURRENCY: usize = 32;
pub const DEFAULT_HOST_CONCURRENCY: usize = 4;
/// Default cap on response bodies.
pub const DEFAULT_BODY_LIMIT: u64 = 1 << 20;

/// A resolved variable value, or why it has none.
#[derive(Clone, Debug, PartialEq)]
pub enum VarValue {
    Value(String),
    /// An `${env:..}`/`${secret:..}` the process environment does not set: fine until a check
    /// that is run needs it.
    Missing(String),
}

/// `Root redirects visitors to the app!` → `root-redirects-visitors-to-the-app`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Everything a run needs: the environment and the checks selected for it.
#[derive(Debug)]
pub struct Plan {
    pub env: Environment,
    pub checks: Vec<Arc<Check>>,
    /// Checks whose `envs:` keep them out of this environment, so that a filter that names
    /// one can say so.
    pub kept_out: Vec<KeptOut>,
    /// Values of `${secret:..}` variables, removed from every output.
    pub secrets: Secrets,
}

#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub file: Option<PathBuf>,
    pub vars: BTreeMap<String, VarValue>,
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
    /// The environment's `proxy:` and the process's proxy variables.
    pub proxy: ProxyConfig,
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
            concurrency: DEFAULT_CONCURRENCY,
            host_concurrency: DEFAULT_HOST_CONCURRENCY,
            host_rate: None,
            proxy: ProxyConfig::default(),
        }
    }

    /// The first fixed address for `host` on `port`, if `resolve:` has one; `host:port`
    /// rules win.
    pub fn resolve_fixed(&self, host: &str, port: u16) -> Option<SocketAddr> {
        ResolveRule::answer(self.resolve.iter(), host, port)
    }

    /// Every fixed address for `host` on `port`, in the order written (empty: `resolve:` has
    /// none); `host:port` rules win.
    pub fn resolve_fixed_all(&self, host: &str, port: u16) -> Vec<SocketAddr> {
        ResolveRule::answers(self.resolve.iter(), host, port)
    }
}

impl ResolveRule {
    /// The first fixed address `rules` give `host` on `port`; `host:port` rules win.
    pub fn answer<'a>(
        rules: impl Iterator<Item = &'a ResolveRule> + Clone,
        host: &str,
        port: u16,
    ) -> Option<SocketAddr> {
        Self::answers(rules, host, port).into_iter().next()
    }

    /// Every fixed address `rules` give `host` on `port`, in order: the `host:port` rules'
    /// when there are some, else the `host` rules'.
    pub fn answers<'a>(
        rules: impl Iterator<Item = &'a ResolveRule> + Clone,
        host: &str,
        port: u16,
    ) -> Vec<SocketAddr> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let of = |wanted: Option<u16>| -> Vec<SocketAddr> {
            rules
                .clone()
                .filter(|r| r.host == host && r.port == wanted)
                .map(|r| SocketAddr::new(r.to, r.to_port.unwrap_or(port)))
                .collect()
        };
        let exact = of(Some(port));
        if exact.is_empty() { of(None) } else { exact }
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
    /// The ids of the claims of `claims.yaml` this check verifies, as written.
    pub claims: Vec<String>,
    pub pending: Option<Pending>,
    pub timeout: Duration,
    pub retries: u32,
    pub retry_delay: Duration,
    /// The probe and its expectation, of one kind.
    pub kind: CheckKind,
    /// `needs:`, `capture:` and the `${capture:..}` it uses.
    pub flow: Flow,
    /// `${env:..}`/`${secret:..}` values the process environment does not set: an error for
    /// `run` when this check is selected, a warning for `validate`.
    pub unresolved: Vec<crate::syntax::diag::Diagnostic>,
    /// What is allowed but probably wrong (an http check with no `status`); `--strict` makes
    /// these load errors.
    pub warnings: Vec<crate::syntax::diag::Diagnostic>,
}

/// A check that exists in the files but whose `envs:` does not name the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptOut {
    pub id: String,
    pub name: String,
    pub suite: String,
    pub tags: Vec<String>,
    /// The environments it runs in.
    pub envs: Vec<String>,
    /// The claims it verifies (where it runs).
    pub claims: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub reason: String,
    /// After this day (UTC) the failure is no longer excused.
    pub until: Option<time::Date>,
}

#[derive(Clone, Debug)]
pub struct HttpProbe {
    pub url: Url,
    pub method: reqwest::Method,
    /// In file order; names as written.
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    /// 0: do not follow; N: follow up to N hops.
    pub follow_redirects: u32,
    /// Follow a redirect from https to http too (otherwise it is the final answer).
    pub allow_downgrade: bool,
    pub connect_to: Option<ConnectTo>,
    /// The check's own `proxy:` (None: the environment's and the variables' decide).
    pub proxy: Option<Box<ProxySetting>>,
    /// Shared with the environment (and every check that adds nothing to it) when the check
    /// has no `tls:` settings of its own.
    pub tls: Arc<TlsOptions>,
    /// Bodies are read up to this many bytes; more is a failure.
    pub body_limit: u64,
    /// Some expectation reads the body (`body:`, `json:`); otherwise the probe keeps only its
    /// start, its size and its SHA-256 while it arrives, never the whole of it.
    pub body_judged: bool,
    pub ip: IpFamily,
    pub addresses: AddressMode,
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
            allow_downgrade: false,
            connect_to: None,
            proxy: None,
            tls: Arc::default(),
            body_limit: DEFAULT_BODY_LIMIT,
            body_judged: true,
            ip: IpFamily::Any,
            addresses: AddressMode::One,
        }
    }
}

/// The tls probe: one handshake, observed whole.
#[derive(Clone, Debug)]
pub struct TlsProbe {
    pub host: String,
    pub port: u16,
    /// The name sent as SNI and verified against (default: `host`).
    pub sni: String,
    /// ALPN protocols offered, in order (empty: none).
    pub alpn: Vec<String>,
    pub tls: Arc<TlsOptions>,
    /// The plain-text upgrade spoken before the handshake, if any.
    pub starttls: Option<Starttls>,
    pub ip: IpFamily,
    pub addresses: AddressMode,
}

/// The cert probe: a local PEM file holding a certificate chain, leaf first.
#[derive(Clone, Debug)]
pub struct CertProbe {
    pub file: PathBuf,
    /// Trust roots for `chain_valid` (the probe's `ca_file`, the environment's, the system's).
    pub tls: Arc<TlsOptions>,
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
#[derive(Clone, Debug)]
pub struct TcpProbe {
    pub host: String,
    pub port: u16,
    /// Something to send and an answer to read (`send:`, `read_until:`, `read_limit:`, or an
    /// expectation on `received`); None: only connect.
    pub dialogue: Option<TcpDialogue>,
    pub ip: IpFamily,
    pub addresses: AddressMode,
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

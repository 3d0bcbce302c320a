//! A check's probe paired with its expectation, and borrowed views of either half.

use super::*;

/// What a check probes and what it expects of the answer: one variant per probe kind, so a
/// probe is only ever judged with an expectation of its own kind.
#[derive(Debug)]
pub enum CheckKind {
    Http {
        probe: HttpProbe,
        expect: HttpExpect,
    },
    Tls {
        probe: TlsProbe,
        expect: TlsExpect,
    },
    /// A local certificate file: the expectation is on the certificate (chain) only.
    Cert {
        probe: CertProbe,
        /// Boxed: the largest expectation, on the rarest kind.
        expect: Box<CertExpect>,
    },
    Dns {
        probe: DnsProbe,
        expect: DnsExpect,
    },
    Tcp {
        probe: TcpProbe,
        expect: TcpExpect,
    },
}

impl CheckKind {
    /// The key that names each kind in a check file, in the order they are offered; every
    /// list of the kinds (the check keys, the decoder, the JSON Schema) is held to this one.
    pub const NAMES: [&'static str; 5] = ["http", "tls", "dns", "tcp", "cert"];

    /// The probe half, for what only needs to know where the check goes (targets, host
    /// limits, reproduce commands, `explain`).
    pub fn probe(&self) -> Probe<'_> {
        match self {
            CheckKind::Http { probe, .. } => Probe::Http(probe),
            CheckKind::Tls { probe, .. } => Probe::Tls(probe),
            CheckKind::Cert { probe, .. } => Probe::Cert(probe),
            CheckKind::Dns { probe, .. } => Probe::Dns(probe),
            CheckKind::Tcp { probe, .. } => Probe::Tcp(probe),
        }
    }

    /// The expectation half, for what only describes it (`explain`).
    pub fn expect(&self) -> Expect<'_> {
        match self {
            CheckKind::Http { expect, .. } => Expect::Http(expect),
            CheckKind::Tls { expect, .. } => Expect::Tls(expect),
            CheckKind::Cert { expect, .. } => Expect::Cert(expect),
            CheckKind::Dns { expect, .. } => Expect::Dns(expect),
            CheckKind::Tcp { expect, .. } => Expect::Tcp(expect),
        }
    }
}

/// A check's probe, borrowed from its [`CheckKind`].
#[derive(Clone, Copy, Debug)]
pub enum Probe<'a> {
    Http(&'a HttpProbe),
    Tls(&'a TlsProbe),
    Cert(&'a CertProbe),
    Dns(&'a DnsProbe),
    Tcp(&'a TcpProbe),
}

impl Probe<'_> {
    /// The host the probe talks to, for the per-host concurrency limit.
    pub fn host_key(self) -> String {
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

    pub fn kind(self) -> &'static str {
        match self {
            Probe::Http(_) => "http",
            Probe::Tls(_) => "tls",
            Probe::Cert(_) => "cert",
            Probe::Dns(_) => "dns",
            Probe::Tcp(_) => "tcp",
        }
    }
}

/// A check's expectation, borrowed from its [`CheckKind`].
#[derive(Clone, Copy, Debug)]
pub enum Expect<'a> {
    Http(&'a HttpExpect),
    Tls(&'a TlsExpect),
    Cert(&'a CertExpect),
    Dns(&'a DnsExpect),
    Tcp(&'a TcpExpect),
}

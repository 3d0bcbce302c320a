//! The options of the network probes beyond where they go: the STARTTLS upgrade of the tls
//! probe, the dialogue of the tcp probe, and which addresses (`ip:`, `addresses:`) the http,
//! tls and tcp probes use.

/// A protocol whose plain connection is upgraded to TLS (`starttls:` on the tls probe).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Starttls {
    Smtp,
    Imap,
    Pop3,
    Ftp,
    Postgres,
}

impl Starttls {
    /// Every value, as written in a check file and as `openssl s_client -starttls` names it.
    pub const NAMES: &[&str] = &["smtp", "imap", "pop3", "ftp", "postgres"];
    pub const ALL: [Starttls; 5] = [
        Starttls::Smtp,
        Starttls::Imap,
        Starttls::Pop3,
        Starttls::Ftp,
        Starttls::Postgres,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Starttls::Smtp => "smtp",
            Starttls::Imap => "imap",
            Starttls::Pop3 => "pop3",
            Starttls::Ftp => "ftp",
            Starttls::Postgres => "postgres",
        }
    }

    pub fn from_name(name: &str) -> Option<Starttls> {
        Starttls::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// What the tcp probe says once connected, and how much of the answer it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpDialogue {
    /// The bytes sent once connected (escapes decoded); empty: nothing, read the banner.
    pub send: Vec<u8>,
    /// Reading stops once these bytes have been received; None: at the end of the first line.
    pub read_until: Option<Vec<u8>>,
    /// The most bytes read.
    pub read_limit: u64,
}

impl TcpDialogue {
    /// The default `read_limit`: 64 KiB.
    pub const DEFAULT_READ_LIMIT: u64 = 64 << 10;

    /// The bytes whose arrival ends the reading.
    pub fn until(&self) -> &[u8] {
        self.read_until.as_deref().unwrap_or(b"\n")
    }
}

impl Default for TcpDialogue {
    fn default() -> Self {
        TcpDialogue {
            send: Vec::new(),
            read_until: None,
            read_limit: Self::DEFAULT_READ_LIMIT,
        }
    }
}

/// `addresses:` of the http, tls and tcp probes: probe one address of the host (the first
/// that answers), or every one, each on its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AddressMode {
    #[default]
    One,
    All,
}

impl AddressMode {
    pub const WORDS: &[&str] = &["one", "all"];
}

/// `ip:` of the http, tls and tcp probes: which resolved addresses may be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IpFamily {
    #[default]
    Any,
    V4,
    V6,
}

impl IpFamily {
    pub const WORDS: &[&str] = &["v4", "v6", "any"];

    /// Whether an address of this family may be used.
    pub fn admits(self, ip: std::net::IpAddr) -> bool {
        match self {
            IpFamily::Any => true,
            IpFamily::V4 => ip.is_ipv4(),
            IpFamily::V6 => ip.is_ipv6(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::Any => "any",
            IpFamily::V4 => "v4",
            IpFamily::V6 => "v6",
        }
    }

    /// The family's name in messages: `IPv4`, `IPv6` (`any` for either).
    pub fn name(self) -> &'static str {
        match self {
            IpFamily::Any => "any",
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        }
    }
}

//! Proxies: the `proxy:` setting of an environment or an http check, the process's proxy
//! variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), and which proxy, if any,
//! a request goes through. The rules are curl's, so that a reproduce command behaves alike.

use ipnet::IpNet;
use std::net::IpAddr;
use url::Url;

/// `proxy:` as written in an environment or an http check.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProxySetting {
    /// `none`: straight to the server, whatever the variables say.
    Off,
    /// `proxy: URL`.
    Via(Url),
    /// A value that cannot be used (a variable or secret in it is not set): every http check
    /// that would go through it ends in an error with this text, unprobed.
    Unusable(String),
}

/// One proxy variable of the process, by the name it was found under (`https_proxy` before
/// `HTTPS_PROXY`, as curl reads them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyVar {
    pub name: &'static str,
    /// The proxy, or why the value is not one.
    pub url: Result<Url, String>,
}

/// The process's proxy variables, read once when the environment is loaded. An empty value
/// counts as unset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyVars {
    pub http: Option<ProxyVar>,
    pub https: Option<ProxyVar>,
    pub all: Option<ProxyVar>,
    pub no_proxy: Option<NoProxy>,
}

/// How a run chooses proxies: the environment's `proxy:` (if written) and the variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    pub setting: Option<ProxySetting>,
    pub vars: ProxyVars,
}

/// Where the proxy a request goes through was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyFrom {
    Check,
    Environment,
    /// A process variable, by the name it was found under.
    Variable(&'static str),
}

/// The proxy one request goes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRoute {
    /// With its credentials, if any; shown only through [`ProxyRoute::shown`].
    pub url: Url,
    pub from: ProxyFrom,
}

impl ProxyRoute {
    /// The proxy as reports show it: `http://user:***@proxy:3128`, never its password.
    pub fn shown(&self) -> String {
        shown(&self.url)
    }

    /// Where it was set, in words: `HTTPS_PROXY`, `the environment's proxy:`.
    pub fn source(&self) -> String {
        match self.from {
            ProxyFrom::Check => "the check's proxy:".into(),
            ProxyFrom::Environment => "the environment's proxy:".into(),
            ProxyFrom::Variable(name) => name.into(),
        }
    }
}

/// A proxy URL with its password as `***`.
pub fn shown(url: &Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    let text = url.to_string();
    text.strip_suffix('/').unwrap_or(&text).to_string()
}

/// Why a request cannot be sent through the proxy it should take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyRefusal {
    /// A variable or secret in `proxy:` is not set.
    Unset(String),
    /// A proxy variable's value is not a usable proxy.
    Invalid(String),
}

impl ProxyConfig {
    /// The proxy a request to `url` goes through (None: straight to the server), or why it
    /// cannot be sent. The most specific setting decides: the check's `proxy:`, then the
    /// environment's, then the variables (`http_proxy`/`HTTP_PROXY` for http://,
    /// `https_proxy`/`HTTPS_PROXY` for https://, then `all_proxy`/`ALL_PROXY`). `NO_PROXY`
    /// exempts hosts from the environment's proxy and the variables' (as curl does for
    /// `-x`), never from a proxy the check itself names.
    pub fn choose(
        &self,
        check: Option<&ProxySetting>,
        url: &Url,
    ) -> Result<Option<ProxyRoute>, ProxyRefusal> {
        match check {
            Some(ProxySetting::Off) => return Ok(None),
            Some(ProxySetting::Via(proxy)) => {
                return Ok(Some(ProxyRoute {
                    url: proxy.clone(),
                    from: ProxyFrom::Check,
                }));
            }
            Some(ProxySetting::Unusable(why)) => return Err(ProxyRefusal::Unset(why.clone())),
            None => {}
        }
        let (candidate, from) = match &self.setting {
            Some(ProxySetting::Off) => return Ok(None),
            Some(ProxySetting::Unusable(why)) => return Err(ProxyRefusal::Unset(why.clone())),
            Some(ProxySetting::Via(proxy)) => (Ok(proxy.clone()), ProxyFrom::Environment),
            None => {
                let by_scheme = match url.scheme() {
                    "https" => self.vars.https.as_ref(),
                    _ => self.vars.http.as_ref(),
                };
                match by_scheme.or(self.vars.all.as_ref()) {
                    Some(var) => (var.url.clone(), ProxyFrom::Variable(var.name)),
                    None => return Ok(None),
                }
            }
        };
        let host = url.host_str().unwrap_or_default();
        if self.vars.no_proxy.as_ref().is_some_and(|n| n.matches(host)) {
            return Ok(None);
        }
        match candidate {
            Ok(url) => Ok(Some(ProxyRoute { url, from })),
            Err(why) => Err(ProxyRefusal::Invalid(why)),
        }
    }
}

/// A proxy URL as curl reads one: no scheme means `http://`; no port means 1080 for http://
/// (curl's default) and 443 for https://. SOCKS and other schemes are refused, by name.
pub fn parse_proxy_url(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let full = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let mut url = Url::parse(&full).map_err(|e| format!("is not a proxy URL ({e})"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "is a {other}:// proxy; only http:// and https:// proxies are supported"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("names no proxy host".into());
    }
    if url.port().is_none() {
        let port = if url.scheme() == "https" { 443 } else { 1080 };
        let _ = url.set_port(Some(port));
    }
    url.set_path("");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// `NO_PROXY`: the hosts that go straight to the server, by curl's rules. Entries are
/// separated by commas or spaces; `*` matches every host; a name matches itself and every
/// name under it (`example.com` and `.example.com` both match `example.com` and
/// `www.example.com`); an IP address matches itself, a CIDR (`10.0.0.0/8`, `fd00::/8`) every
/// address in it. Names are compared without case and without a trailing dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoProxy {
    /// The variable it was read from (`no_proxy` or `NO_PROXY`).
    pub name: &'static str,
    every: bool,
    names: Vec<String>,
    nets: Vec<IpNet>,
}

impl NoProxy {
    pub fn parse(name: &'static str, text: &str) -> NoProxy {
        let mut list = NoProxy {
            name,
            every: false,
            names: Vec::new(),
            nets: Vec::new(),
        };
        for entry in text.split([',', ' ', '\t']).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                list.every = true;
                continue;
            }
            // `[::1]` or `[::1]:8080`: the address in the brackets (a port is not matched).
            let bare = match entry.strip_prefix('[') {
                Some(rest) => rest.split(']').next().unwrap_or_default().to_string(),
                None => entry.to_string(),
            };
            if let Ok(net) = bare.parse::<IpNet>() {
                list.nets.push(net);
            } else if let Ok(ip) = bare.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else {
                let name = entry.trim_start_matches("*.").trim_start_matches('.');
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if !name.is_empty() {
                    list.names.push(name);
                }
            }
        }
        list
    }

    /// Whether a request to `host` (a name or an address, bracketed or not) skips the proxy.
    pub fn matches(&self, host: &str) -> bool {
        if self.every {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self.nets.iter().any(|net| net.contains(&ip));
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.names.iter().any(|name| {
            host == *name
                || (host.len() > name.len()
                    && host.ends_with(name.as_str())
                    && host.as_bytes()[host.len() - name.len() - 1] == b'.')
        })
    }
}

/// The proxy variables conform reads, each lower case first: for http://, https://, any
/// scheme, and the hosts that go direct. Whoever starts conform without a proxy removes these.
pub const PROXY_VARIABLES: [[&str; 2]; 4] = [
    ["http_proxy", "HTTP_PROXY"],
    ["https_proxy", "HTTPS_PROXY"],
    ["all_proxy", "ALL_PROXY"],
    ["no_proxy", "NO_PROXY"],
];

impl ProxyVars {
    /// The proxy variables `getenv` gives, lower case first (curl reads `http_proxy` only in
    /// lower case; here both cases count, lower case first). A value that is not a usable
    /// proxy is kept as the reason, so the checks that would use it are errors, not direct.
    pub fn read(getenv: &dyn Fn(&str) -> Option<String>) -> ProxyVars {
        let find = |names: [&'static str; 2]| {
            names.into_iter().find_map(|name| {
                getenv(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (name, v))
            })
        };
        let proxy = |names| {
            find(names).map(|(name, value)| ProxyVar {
                name,
                url: parse_proxy_url(&value).map_err(|why| format!("{name} {why}")),
            })
        };
        let [http, https, all, no_proxy] = PROXY_VARIABLES;
        ProxyVars {
            http: proxy(http),
            https: proxy(https),
            all: proxy(all),
            no_proxy: find(no_proxy).map(|(name, v)| NoProxy::parse(name, &v)),
        }
    }

    /// The passwords in the variables' proxy URLs (as written, and percent-decoded), by a
    /// name for redaction: they are secrets like any `${secret:..}`.
    pub fn passwords(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for var in [&self.http, &self.https, &self.all].into_iter().flatten() {
            if let Ok(url) = &var.url {
                out.extend(url_passwords(&format!("{} password", var.name), url));
            }
        }
        out
    }
}

/// The password of a proxy URL, as written (percent-encoded) and decoded, named `label` (and
/// `label, decoded`) for redaction; none when the URL has none.
pub fn url_passwords(label: &str, url: &Url) -> Vec<(String, String)> {
    let Some(password) = url.password() else {
        return Vec::new();
    };
    let mut out = vec![(label.to_string(), password.to_string())];
    if let Ok(plain) = percent_encoding::percent_decode_str(password).decode_utf8() {
        out.push((format!("{label}, decoded"), plain.into_owned()));
    }
    out
}

impl ProxySetting {
    /// Registers the password of a `proxy: URL` as a secret (a password written as it is
    /// in a file is one as much as a `${secret:..}`), unless a secret already has that value
    /// (it came from `${secret:..}`, whose name reports keep).
    pub fn register_password(&self, label: &str, secrets: &mut super::Secrets) {
        if let ProxySetting::Via(url) = self {
            for (name, value) in url_passwords(label, url) {
                if !secrets.values().any(|(_, known)| known == value) {
                    secrets.insert(&name, &value);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;

//! `conform probe`'s TARGET: which probe, and its keys as a check file would hold them.

use serde_json::{Map, Value, json};

/// A parsed TARGET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `http://…` or `https://…`, as given.
    Http { url: String },
    /// `tls://HOST[:PORT][?sni=NAME][&starttls=PROTOCOL]`.
    Tls {
        host: String,
        port: u16,
        sni: Option<String>,
        /// As given; the tls probe's decoder checks it.
        starttls: Option<String>,
    },
    /// `tcp://HOST:PORT`.
    Tcp { host: String, port: u16 },
    /// `dns://[SERVER[:PORT]/]NAME[?type=T]`, or `dns://NAME/TYPE`.
    Dns {
        server: Option<String>,
        name: String,
        record_type: String,
    },
    /// `cert:PATH`.
    Cert { file: String },
}

const FORMS: &str = "expected http://…, https://…, tls://HOST[:PORT][?sni=NAME&starttls=P], \
                     tcp://HOST:PORT, dns://[SERVER[:PORT]/]NAME[?type=T] or cert:PATH";

impl Target {
    /// The check file's key of this probe.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Http { .. } => "http",
            Target::Tls { .. } => "tls",
            Target::Tcp { .. } => "tcp",
            Target::Dns { .. } => "dns",
            Target::Cert { .. } => "cert",
        }
    }

    /// The probe's keys, as a check file would write them.
    pub fn keys(&self) -> Map<String, Value> {
        let mut keys = Map::new();
        match self {
            Target::Http { url } => {
                keys.insert("url".into(), json!(url));
            }
            Target::Tls {
                host,
                port,
                sni,
                starttls,
            } => {
                keys.insert("host".into(), json!(host));
                keys.insert("port".into(), json!(port));
                if let Some(sni) = sni {
                    keys.insert("sni".into(), json!(sni));
                }
                if let Some(starttls) = starttls {
                    keys.insert("starttls".into(), json!(starttls));
                }
            }
            Target::Tcp { host, port } => {
                keys.insert("host".into(), json!(host));
                keys.insert("port".into(), json!(port));
            }
            Target::Dns {
                server,
                name,
                record_type,
            } => {
                keys.insert("name".into(), json!(name));
                keys.insert("type".into(), json!(record_type));
                if let Some(server) = server {
                    keys.insert("server".into(), json!(server));
                }
            }
            Target::Cert { file } => {
                keys.insert("file".into(), json!(file));
            }
        }
        keys
    }
}

/// Reads a TARGET, or says what is wrong with it and which forms there are.
pub fn parse_target(text: &str) -> Result<Target, String> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(Target::Http {
            url: text.to_string(),
        });
    }
    if let Some(path) = text.strip_prefix("cert:") {
        if path.is_empty() {
            return Err(format!("`{text}` names no file; expected cert:PATH"));
        }
        return Ok(Target::Cert {
            file: path.to_string(),
        });
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(format!("`{text}` is not a target; {FORMS}"));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "tls" => tls(text, rest),
        "tcp" => {
            let (host, port) = host_port(text, rest)?;
            let port = port.ok_or_else(|| {
                format!("`{text}` has no port; expected tcp://HOST:PORT, such as tcp://db:5432")
            })?;
            Ok(Target::Tcp { host, port })
        }
        "dns" => dns(text, rest),
        other => Err(format!("`{text}`: unknown scheme `{other}`; {FORMS}")),
    }
}

fn tls(text: &str, rest: &str) -> Result<Target, String> {
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    let (host, port) = host_port(text, authority)?;
    let (mut sni, mut starttls) = (None, None);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sni", name)) if !name.is_empty() => sni = Some(name.to_string()),
            Some(("starttls", p)) if !p.is_empty() => starttls = Some(p.to_string()),
            _ => {
                return Err(format!(
                    "`{text}`: unknown option `{pair}`; expected ?sni=NAME or \
                     ?starttls=smtp|imap|pop3|ftp|postgres"
                ));
            }
        }
    }
    Ok(Target::Tls {
        host,
        port: port.unwrap_or(443),
        sni,
        starttls,
    })
}

fn dns(text: &str, rest: &str) -> Result<Target, String> {
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut record_type = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("type", t)) if !t.is_empty() => record_type = Some(t.to_string()),
            _ => {
                return Err(format!(
                    "`{text}`: unknown option `{pair}`; expected ?type=T, such as ?type=AAAA"
                ));
            }
        }
    }
    let (server, name) = match path.split_once('/') {
        // `dns://NAME/TYPE`: the part after the slash is a type (upper case, no dot).
        Some((name, t)) if looks_like_type(t) && record_type.is_none() => {
            record_type = Some(t.to_string());
            (None, name)
        }
        Some((server, name)) => (Some(server), name),
        None => (None, path),
    };
    if name.is_empty() {
        return Err(format!(
            "`{text}` names no host; expected dns://[SERVER[:PORT]/]NAME[?type=T], such as \
             dns://1.1.1.1/example.com?type=AAAA"
        ));
    }
    let server = match server {
        Some(s) => {
            let (host, port) = host_port(text, s)?;
            Some(match (host.contains(':'), port) {
                (true, Some(p)) => format!("[{host}]:{p}"),
                (true, None) => format!("[{host}]:53"),
                (false, Some(p)) => format!("{host}:{p}"),
                (false, None) => format!("{host}:53"),
            })
        }
        None => None,
    };
    Ok(Target::Dns {
        server,
        name: name.to_string(),
        record_type: record_type.unwrap_or_else(|| "A".into()),
    })
}

fn looks_like_type(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 10
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`: the host (without brackets) and the port.
fn host_port(text: &str, authority: &str) -> Result<(String, Option<u16>), String> {
    let bad_port = |p: &str| format!("`{text}`: `{p}` is not a port; expected 1 to 65535");
    let port = |p: &str| match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(bad_port(p)),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((host, after)) = v6.split_once(']') else {
            return Err(format!(
                "`{text}`: `[` without `]`; expected [ADDRESS]:PORT"
            ));
        };
        match after.strip_prefix(':') {
            Some(p) => (host, Some(port(p)?)),
            None if after.is_empty() => (host, None),
            None => return Err(format!("`{text}`: expected `:PORT` after `]`")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, p)) if !host.contains(':') => (host, Some(port(p)?)),
            _ => (authority, None),
        }
    };
    if host.is_empty() || host.contains('/') {
        return Err(format!("`{text}` names no host; {FORMS}"));
    }
    Ok((host.to_string(), port))
}

//! Commands that repeat a probe by hand, printed with failures. They must do what the probe
//! did (same connect target, SNI, trust, body), so that a person sees the same answer.
//! Secrets are not removed here: reports redact the finished text.

use crate::config::model::{
    CertProbe, Environment, HttpProbe, RequestBody, TlsOptions, TlsProbe, TlsVersion,
};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use url::Url;

/// A curl command line for `probe`, bounded by the environment's default timeout.
pub fn curl_command(probe: &HttpProbe, env: &Environment) -> String {
    curl_command_with_timeout(probe, env, env.defaults.timeout)
}

/// A curl command line for `probe`, with `--max-time` from the check's own timeout.
pub fn curl_command_with_timeout(
    probe: &HttpProbe,
    env: &Environment,
    timeout: Duration,
) -> String {
    let mut args: Vec<String> = vec!["curl".into(), "-sS".into(), "-i".into()];
    let url = &probe.url;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url.port_or_known_default().unwrap_or(0);
    let has_header = |name: &str| {
        probe
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };

    // curl turns a request with --data-raw into a POST, and HEAD needs -I to not wait for a body.
    if probe.method == reqwest::Method::HEAD {
        args.push("-I".into());
    } else if probe.method != reqwest::Method::GET || probe.body.is_some() {
        args.extend(["-X".into(), quote(probe.method.as_str())]);
    }

    // tls.sni: like the probe, ask for the SNI name and send the original authority in Host.
    let sni = probe.tls.sni.as_deref().filter(|_| url.scheme() == "https");
    let mut shown_url = url.clone();
    if let Some(sni) = sni
        && shown_url.set_host(Some(sni)).is_ok()
        && !has_header("host")
    {
        args.extend(header_arg("Host", &authority(url)));
    }
    for (name, value) in &probe.headers {
        args.extend(header_arg(name, value));
    }
    match &probe.body {
        None => {}
        Some(RequestBody::Text(text)) => {
            if !has_header("content-type") {
                // `Content-Type:` with no value stops curl adding its form content type,
                // which the probe does not send.
                args.extend(["-H".into(), quote("Content-Type:")]);
            }
            args.extend(["--data-raw".into(), quote(text)]);
        }
        Some(RequestBody::Json(value)) => {
            if !has_header("content-type") {
                args.extend(header_arg("content-type", "application/json"));
            }
            let json = serde_json::to_string(value).unwrap_or_default();
            args.extend(["--data-raw".into(), quote(&json)]);
        }
    }
    if probe.follow_redirects > 0 {
        args.extend([
            "-L".into(),
            "--max-redirs".into(),
            probe.follow_redirects.to_string(),
        ]);
    }

    let wire_host = shown_url
        .host_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut resolve_hosts = vec![host.clone()];
    let mut resolve_port = port;
    if let Some(to) = &probe.connect_to {
        let target = bracket(&to.host);
        let tport = to.port.unwrap_or(port);
        args.extend([
            "--connect-to".into(),
            quote(&format!("{}:{port}:{target}:{tport}", bracket(&wire_host))),
        ]);
        resolve_hosts = vec![to.host.to_ascii_lowercase()];
        resolve_port = tport;
    } else if wire_host != host {
        args.extend([
            "--connect-to".into(),
            quote(&format!(
                "{}:{port}:{}:{port}",
                bracket(&wire_host),
                bracket(&host)
            )),
        ]);
    }
    for (rule_host, rule_port, addr) in resolve_rules(env, &resolve_hosts, resolve_port) {
        let ip = bracket(&addr.ip().to_string());
        if addr.port() == rule_port {
            args.extend([
                "--resolve".into(),
                quote(&format!("{rule_host}:{rule_port}:{ip}")),
            ]);
        } else {
            // --resolve cannot change the port; --connect-to can.
            let arg = format!("{rule_host}:{rule_port}:{ip}:{}", addr.port());
            args.extend(["--connect-to".into(), quote(&arg)]);
        }
    }

    let tls = &probe.tls;
    if !tls.verify {
        args.push("-k".into());
    }
    if let Some(ca_file) = ca_file_arg(tls, env) {
        args.extend(["--cacert".into(), ca_file]);
    }
    if let Some(id) = &tls.client_identity {
        args.extend(["--cert".into(), quote_path(&id.cert_file)]);
        args.extend(["--key".into(), quote_path(&id.key_file)]);
    }
    if let (Some(min), Some(max)) = (tls.versions.iter().min(), tls.versions.iter().max()) {
        let name = |v: &TlsVersion| v.to_string();
        args.extend([
            format!("--tlsv{}", name(min)),
            "--tls-max".into(),
            name(max),
        ]);
    }
    args.extend(["--max-time".into(), seconds(timeout)]);
    args.push(quote(shown_url.as_str()));
    args.join(" ")
}

/// The environment's fixed answers for `hosts` on `port`, as (host, port, address); a rule
/// for this exact port wins over a rule for any port, as in the probe.
fn resolve_rules(env: &Environment, hosts: &[String], port: u16) -> Vec<(String, u16, SocketAddr)> {
    let mut out = Vec::new();
    for host in hosts {
        let mut ports: Vec<u16> = env
            .resolve
            .iter()
            .filter(|r| &r.host == host)
            .map(|r| r.port.unwrap_or(port))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        for p in ports {
            if let Some(addr) = env.resolve_fixed(host, p) {
                out.push((host.clone(), p, addr));
            }
        }
    }
    out
}

/// The extra trust roots of a probe as the one shell word a CA-file option takes: the probe's
/// `ca_file`s, then the environment's not named already; `None` when there are none. curl
/// keeps only its last `--cacert` and s_client takes one `-CAfile`, so several files are
/// joined for them (`<(cat a b)`, bash and zsh).
fn ca_file_arg(tls: &TlsOptions, env: &Environment) -> Option<String> {
    let mut ca_files: Vec<&Path> = tls.ca_files.iter().map(|p| p.as_path()).collect();
    for file in &env.ca_files {
        if !ca_files.contains(&file.as_path()) {
            ca_files.push(file.as_path());
        }
    }
    match ca_files.as_slice() {
        [] => None,
        [one] => Some(quote_path(one)),
        many => {
            let files: Vec<String> = many.iter().map(|p| quote_path(p)).collect();
            Some(format!("<(cat {})", files.join(" ")))
        }
    }
}

fn header_arg(name: &str, value: &str) -> [String; 2] {
    // curl drops a header given as `name:`; `name;` sends it empty.
    let text = if value.is_empty() {
        format!("{name};")
    } else {
        format!("{name}: {value}")
    };
    ["-H".into(), quote(&text)]
}

fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// IPv6 addresses in brackets, as curl's host:port syntax needs.
fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", d.as_secs())
    } else {
        format!("{s}")
    }
}

fn quote_path(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

/// POSIX shell quoting: bare when every character is safe, else single quotes (a single quote
/// inside becomes `'\''`).
pub fn quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// An `openssl s_client` command that repeats a tls probe's handshake: the same address
/// (the environment's `resolve:` answer, if any), SNI, ALPN, versions, client identity and
/// trust, verifying the chain and the name when the probe does. Its input is `/dev/null`, so
/// it ends after the handshake instead of waiting at the terminal.
pub fn openssl_command(probe: &TlsProbe, env: &Environment) -> String {
    let mut args: Vec<String> = vec!["openssl".into(), "s_client".into()];
    let target = match env.resolve_fixed(&probe.host, probe.port) {
        Some(addr) => addr.to_string(),
        None => format!("{}:{}", bracket(&probe.host), probe.port),
    };
    args.extend(["-connect".into(), quote(&target)]);
    // rustls sends no SNI for an address; openssl would send one if told to.
    let sni_is_address = probe.sni.parse::<std::net::IpAddr>().is_ok();
    if sni_is_address {
        args.push("-noservername".into());
    } else {
        args.extend(["-servername".into(), quote(&probe.sni)]);
    }
    if !probe.alpn.is_empty() {
        args.extend(["-alpn".into(), quote(&probe.alpn.join(","))]);
    }
    let tls = &probe.tls;
    match tls.versions.as_slice() {
        [TlsVersion::V1_2] => args.push("-tls1_2".into()),
        [TlsVersion::V1_3] => args.push("-tls1_3".into()),
        _ => {}
    }
    if let Some(id) = &tls.client_identity {
        args.extend(["-cert".into(), quote_path(&id.cert_file)]);
        args.extend(["-key".into(), quote_path(&id.key_file)]);
    }
    if let Some(ca_file) = ca_file_arg(tls, env) {
        args.extend(["-CAfile".into(), ca_file]);
    }
    if tls.verify {
        // s_client checks the chain but, unasked, not the name.
        let check_name = if sni_is_address {
            "-verify_ip"
        } else {
            "-verify_hostname"
        };
        args.extend([
            "-verify_return_error".into(),
            check_name.into(),
            quote(&probe.sni),
        ]);
    }
    args.push("</dev/null".into());
    args.join(" ")
}

/// An `openssl x509` command that shows what the cert probe judges of its file's leaf.
pub fn openssl_x509_command(probe: &CertProbe) -> String {
    format!(
        "openssl x509 -noout -subject -issuer -dates -ext subjectAltName,extendedKeyUsage -in {}",
        quote_path(&probe.file)
    )
}

#[cfg(test)]
mod tests;

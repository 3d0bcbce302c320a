//! `curl` for the http probe: the same method, headers, body, redirects, connect target,
//! SNI, trust and versions.

use super::{FixedAnswers, ShellCommand, bracket, ca_file_arg, path_text, push_arg};
use crate::config::model::{Environment, HttpProbe, ProxyFrom, RequestBody, TlsVersion};
use std::net::SocketAddr;
use std::time::Duration;
use url::Url;

/// A curl command for `probe`, bounded by the environment's default timeout.
pub fn curl_command(probe: &HttpProbe, env: &Environment) -> ShellCommand {
    curl_command_with_timeout(probe, env, env.defaults.timeout)
}

/// A curl command for `probe`, with `--max-time` from the check's own timeout.
pub fn curl_command_with_timeout(
    probe: &HttpProbe,
    env: &Environment,
    timeout: Duration,
) -> ShellCommand {
    curl(probe, &FixedAnswers::of(env), timeout)
}

pub(super) fn curl(
    probe: &HttpProbe,
    answers: &FixedAnswers<'_>,
    timeout: Duration,
) -> ShellCommand {
    let env = answers.env();
    let mut args = ShellCommand::new("curl");
    args.push_family(probe.ip);
    args.push("-sS");
    args.push("-i");
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
        args.push("-I");
    } else if probe.method != reqwest::Method::GET || probe.body.is_some() {
        args.push("-X");
        args.push(probe.method.as_str());
    }

    // tls.sni: like the probe, ask for the SNI name and send the original authority in Host.
    let sni = probe.tls.sni.as_deref().filter(|_| url.scheme() == "https");
    let mut shown_url = url.clone();
    if let Some(sni) = sni
        && shown_url.set_host(Some(sni)).is_ok()
        && !has_header("host")
    {
        header_arg(&mut args, "Host", &authority(url));
    }
    for (name, value) in &probe.headers {
        header_arg(&mut args, name, value);
    }
    match &probe.body {
        None => {}
        Some(RequestBody::Text(text)) => {
            if !has_header("content-type") {
                // `Content-Type:` with no value stops curl adding its form content type,
                // which the probe does not send.
                args.push("-H");
                args.push("Content-Type:");
            }
            args.push("--data-raw");
            args.push(text.as_str());
        }
        Some(RequestBody::Json(value)) => {
            if !has_header("content-type") {
                header_arg(&mut args, "content-type", "application/json");
            }
            let json = serde_json::to_string(value).unwrap_or_default();
            args.push("--data-raw");
            args.push(json);
        }
    }
    if probe.follow_redirects > 0 {
        args.push("-L");
        args.push("--max-redirs");
        args.push(probe.follow_redirects.to_string());
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
        args.push("--connect-to");
        args.push(format!("{}:{port}:{target}:{tport}", bracket(&wire_host)));
        resolve_hosts = vec![to.host.to_ascii_lowercase()];
        resolve_port = tport;
    } else if wire_host != host {
        args.push("--connect-to");
        args.push(format!(
            "{}:{port}:{}:{port}",
            bracket(&wire_host),
            bracket(&host)
        ));
    }
    for (rule_host, rule_port, addr) in resolve_rules(answers, &resolve_hosts, resolve_port) {
        let ip = bracket(&addr.ip().to_string());
        if addr.port() == rule_port {
            args.push("--resolve");
            args.push(format!("{rule_host}:{rule_port}:{ip}"));
        } else {
            // --resolve cannot change the port; --connect-to can.
            args.push("--connect-to");
            args.push(format!("{rule_host}:{rule_port}:{ip}:{}", addr.port()));
        }
    }

    // An http:// URL takes no TLS options, unless a followed redirect may lead to https.
    if url.scheme() == "https" || probe.follow_redirects > 0 {
        tls_args(&mut args, probe, env);
    }
    proxy_args(&mut args, probe, env);
    args.push("--max-time");
    args.push(seconds(timeout));
    args.push(shown_url.as_str());
    args
}

/// The proxy the probe went through (`-x`), or `--noproxy '*'` when it went straight to the
/// server although a proxy is configured, so that the command does what the probe did
/// wherever it runs. A proxy from a variable with credentials in it is given as the variable
/// (`-x "${HTTPS_PROXY}"`), so that the password is not in the text.
fn proxy_args(args: &mut ShellCommand, probe: &HttpProbe, env: &Environment) {
    match env.proxy.choose(probe.proxy.as_deref(), &probe.url) {
        Ok(Some(proxy)) => {
            args.push("-x");
            match proxy.from {
                ProxyFrom::Variable(name) if proxy.url.password().is_some() => {
                    args.push_raw(format!("\"${{{name}}}\""));
                }
                _ => args.push(proxy.url.as_str().trim_end_matches('/')),
            }
            // A check's own proxy is not subject to NO_PROXY: neither is the command's.
            if proxy.from == ProxyFrom::Check {
                args.push("--noproxy");
                args.push("");
            }
            // An https:// proxy is verified against the same trust roots as the server.
            if proxy.url.scheme() == "https"
                && let Some(ca_file) = ca_file_arg(&probe.tls, env)
            {
                args.push("--proxy-cacert");
                push_arg(args, ca_file);
            }
        }
        Ok(None) => {
            let vars = &env.proxy.vars;
            let configured = probe.proxy.is_some()
                || env.proxy.setting.is_some()
                || vars.http.is_some()
                || vars.https.is_some()
                || vars.all.is_some();
            if configured {
                args.push("--noproxy");
                args.push("*");
            }
        }
        // The probe was not sent; the command shows the request it would be.
        Err(_) => {}
    }
}

/// Trust, client identity and versions.
fn tls_args(args: &mut ShellCommand, probe: &HttpProbe, env: &Environment) {
    let tls = &probe.tls;
    if !tls.verify {
        args.push("-k");
    }
    if let Some(ca_file) = ca_file_arg(tls, env) {
        args.push("--cacert");
        push_arg(args, ca_file);
    }
    if let Some(id) = &tls.client_identity {
        args.push("--cert");
        args.push(path_text(&id.cert_file));
        args.push("--key");
        args.push(path_text(&id.key_file));
    }
    if let (Some(min), Some(max)) = (tls.versions.iter().min(), tls.versions.iter().max()) {
        let name = |v: &TlsVersion| v.to_string();
        args.push(format!("--tlsv{}", name(min)));
        args.push("--tls-max");
        args.push(name(max));
    }
}

/// The environment's fixed answers for `hosts` on `port`, as (host, port, address); a rule
/// for this exact port wins over a rule for any port, as in the probe.
fn resolve_rules(
    answers: &FixedAnswers<'_>,
    hosts: &[String],
    port: u16,
) -> Vec<(String, u16, SocketAddr)> {
    let mut out = Vec::new();
    for host in hosts {
        let mut ports: Vec<u16> = answers
            .rules()
            .filter(|r| &r.host == host)
            .map(|r| r.port.unwrap_or(port))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        for p in ports {
            if let Some(addr) = answers.resolve_fixed(host, p) {
                out.push((host.clone(), p, addr));
            }
        }
    }
    out
}

fn header_arg(args: &mut ShellCommand, name: &str, value: &str) {
    // curl drops a header given as `name:`; `name;` sends it empty.
    let text = if value.is_empty() {
        format!("{name};")
    } else {
        format!("{name}: {value}")
    };
    args.push("-H");
    args.push(text);
}

fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
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

//! Commands that repeat a probe by hand, printed with failures. They must do what the probe
//! did (same connect target, SNI, trust, body), so that a person sees the same answer.
//! Secrets are not removed here: reports redact the finished text.

use crate::spec::model::{
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
mod tests {
    use super::*;
    use crate::spec::model::{ClientIdentity, ConnectTo, ResolveRule, TlsOptions};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::path::PathBuf;
    use std::sync::Arc;

    fn env(resolve: Vec<ResolveRule>) -> Environment {
        Environment {
            resolve,
            ..Environment::named("test")
        }
    }

    fn probe(url: &str) -> HttpProbe {
        HttpProbe::get(Url::parse(url).unwrap())
    }

    fn rule(host: &str, port: Option<u16>, to: &str, to_port: Option<u16>) -> ResolveRule {
        ResolveRule {
            host: host.into(),
            port,
            to: to.parse().unwrap(),
            to_port,
        }
    }

    #[test]
    fn plain_get() {
        assert_eq!(
            curl_command(&probe("https://chat.example/"), &env(vec![])),
            "curl -sS -i --max-time 10 https://chat.example/"
        );
    }

    #[test]
    fn post_json_with_headers_and_redirects() {
        let mut p = probe("https://api.example/v1/graphql?x=1&y=2");
        p.method = reqwest::Method::POST;
        p.headers = vec![
            ("authorization".into(), "Bearer t0k'en".into()),
            ("x-empty".into(), String::new()),
        ];
        p.body = Some(RequestBody::Json(
            serde_json::json!({"query": "{ __typename }"}),
        ));
        p.follow_redirects = 3;
        assert_eq!(
            curl_command_with_timeout(&p, &env(vec![]), Duration::from_millis(2500)),
            "curl -sS -i -X POST -H 'authorization: Bearer t0k'\\''en' -H 'x-empty;' \
             -H 'content-type: application/json' --data-raw '{\"query\":\"{ __typename }\"}' \
             -L --max-redirs 3 --max-time 2.5 'https://api.example/v1/graphql?x=1&y=2'"
        );
    }

    #[test]
    fn text_body_keeps_method_and_no_form_content_type() {
        let mut p = probe("http://h.example:8080/x");
        p.body = Some(RequestBody::Text("a b".into()));
        assert_eq!(
            curl_command(&p, &env(vec![])),
            "curl -sS -i -X GET -H Content-Type: --data-raw 'a b' --max-time 10 \
             http://h.example:8080/x"
        );
    }

    #[test]
    fn head_uses_dash_i() {
        let mut p = probe("https://h.example/");
        p.method = reqwest::Method::HEAD;
        assert_eq!(
            curl_command(&p, &env(vec![])),
            "curl -sS -i -I --max-time 10 https://h.example/"
        );
    }

    #[test]
    fn connect_to_and_resolve_rules() {
        let mut p = probe("https://chat.example/");
        p.connect_to = Some(ConnectTo {
            host: "alb.example".into(),
            port: Some(8443),
        });
        let e = env(vec![
            rule("alb.example", None, "10.0.0.1", None),
            rule("chat.example", None, "10.0.0.9", None),
        ]);
        assert_eq!(
            curl_command(&p, &e),
            "curl -sS -i --connect-to chat.example:443:alb.example:8443 \
             --resolve alb.example:8443:10.0.0.1 --max-time 10 https://chat.example/"
        );
    }

    #[test]
    fn resolve_rules_for_the_url_host() {
        let p = probe("https://chat.example/");
        let e = env(vec![
            rule("chat.example", None, "127.0.0.10", None),
            rule("chat.example", Some(8443), "::1", Some(9443)),
            rule("other.example", None, "127.0.0.11", None),
        ]);
        assert_eq!(
            curl_command(&p, &e),
            "curl -sS -i --resolve chat.example:443:127.0.0.10 \
             --connect-to 'chat.example:8443:[::1]:9443' --max-time 10 https://chat.example/"
        );
    }

    #[test]
    fn tls_options() {
        let mut p = probe("https://chat.example:8443/");
        p.tls = TlsOptions {
            verify: false,
            extra_roots: Vec::new(),
            ca_files: vec![PathBuf::from("pki/ca.pem")],
            client_identity: Some(ClientIdentity {
                cert_file: PathBuf::from("pki/client cert.pem"),
                key_file: PathBuf::from("pki/client.key"),
                chain: Vec::new(),
                key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![0u8]))),
            }),
            sni: Some("other.example".into()),
            versions: vec![TlsVersion::V1_3, TlsVersion::V1_2],
        };
        assert_eq!(
            curl_command(&p, &env(vec![])),
            "curl -sS -i -H 'Host: chat.example:8443' \
             --connect-to other.example:8443:chat.example:8443 -k --cacert pki/ca.pem \
             --cert 'pki/client cert.pem' --key pki/client.key --tlsv1.2 --tls-max 1.3 \
             --max-time 10 https://other.example:8443/"
        );
    }

    #[test]
    fn several_ca_files_are_joined() {
        let mut p = probe("https://h.example/");
        p.tls.ca_files = vec![PathBuf::from("a.pem")];
        let mut e = env(vec![]);
        e.ca_files = vec![PathBuf::from("a.pem"), PathBuf::from("b c.pem")];
        p.tls.versions = vec![TlsVersion::V1_3];
        assert_eq!(
            curl_command(&p, &e),
            "curl -sS -i --cacert <(cat a.pem 'b c.pem') --tlsv1.3 --tls-max 1.3 \
             --max-time 10 https://h.example/"
        );
    }

    fn tls_probe(host: &str, port: u16, sni: &str) -> TlsProbe {
        TlsProbe {
            host: host.into(),
            port,
            sni: sni.into(),
            alpn: Vec::new(),
            tls: TlsOptions::default(),
        }
    }

    #[test]
    fn openssl_plain_handshake() {
        assert_eq!(
            openssl_command(
                &tls_probe("chat.example", 443, "chat.example"),
                &env(vec![])
            ),
            "openssl s_client -connect chat.example:443 -servername chat.example \
             -verify_return_error -verify_hostname chat.example </dev/null"
        );
    }

    #[test]
    fn openssl_with_every_option() {
        let mut p = tls_probe("alb.example", 8443, "chat.example");
        p.alpn = vec!["h2".into(), "http/1.1".into()];
        p.tls = TlsOptions {
            verify: false,
            extra_roots: Vec::new(),
            ca_files: vec![PathBuf::from("pki/ca.pem")],
            client_identity: Some(ClientIdentity {
                cert_file: PathBuf::from("pki/client cert.pem"),
                key_file: PathBuf::from("pki/client.key"),
                chain: Vec::new(),
                key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![0u8]))),
            }),
            sni: None,
            versions: vec![TlsVersion::V1_3],
        };
        let e = env(vec![rule("alb.example", None, "10.0.0.1", None)]);
        assert_eq!(
            openssl_command(&p, &e),
            "openssl s_client -connect 10.0.0.1:8443 -servername chat.example \
             -alpn h2,http/1.1 -tls1_3 -cert 'pki/client cert.pem' -key pki/client.key \
             -CAfile pki/ca.pem </dev/null"
        );
    }

    #[test]
    fn openssl_versions_trust_and_addresses() {
        let mut p = tls_probe("::1", 443, "10.0.0.7");
        p.tls.versions = vec![TlsVersion::V1_2, TlsVersion::V1_3];
        p.tls.ca_files = vec![PathBuf::from("a.pem")];
        let mut e = env(vec![rule("other.example", None, "10.0.0.1", None)]);
        e.ca_files = vec![PathBuf::from("a.pem"), PathBuf::from("b c.pem")];
        assert_eq!(
            openssl_command(&p, &e),
            "openssl s_client -connect '[::1]:443' -noservername \
             -CAfile <(cat a.pem 'b c.pem') -verify_return_error -verify_ip 10.0.0.7 </dev/null"
        );
        // A port-specific rule, to another port.
        let p = tls_probe("chat.example", 443, "chat.example");
        let e = env(vec![rule("chat.example", Some(443), "::1", Some(9443))]);
        assert!(
            openssl_command(&p, &e)
                .starts_with("openssl s_client -connect '[::1]:9443' -servername chat.example ")
        );
    }

    #[test]
    fn openssl_x509_shows_the_judged_fields() {
        let p = CertProbe {
            file: PathBuf::from("pki/aop client.pem"),
            tls: TlsOptions::default(),
        };
        assert_eq!(
            openssl_x509_command(&p),
            "openssl x509 -noout -subject -issuer -dates -ext subjectAltName,extendedKeyUsage \
             -in 'pki/aop client.pem'"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("plain-text_1.2:3/x"), "plain-text_1.2:3/x");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
    }
}

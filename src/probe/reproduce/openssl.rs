//! `openssl` for the tls probe (`s_client`, the same handshake) and the cert probe (`x509`,
//! the same file).

use super::{FixedAnswers, ShellCommand, bracket, ca_file_arg, path_text, push_arg};
use crate::config::model::{CertProbe, Environment, TlsProbe, TlsVersion};

/// An `openssl s_client` command that repeats a tls probe's handshake: the same address
/// (the environment's `resolve:` answer, if any), STARTTLS upgrade, SNI, ALPN, versions,
/// client identity and trust, verifying the chain and the name when the probe does. Its
/// input is `/dev/null`, so it ends after the handshake instead of waiting at the terminal.
pub fn openssl_command(probe: &TlsProbe, env: &Environment) -> ShellCommand {
    s_client(probe, &FixedAnswers::of(env))
}

pub(super) fn s_client(probe: &TlsProbe, answers: &FixedAnswers<'_>) -> ShellCommand {
    let mut args = ShellCommand::new("openssl").arg("s_client");
    args.push_family(probe.ip);
    let target = match answers.resolve_fixed(&probe.host, probe.port) {
        Some(addr) => addr.to_string(),
        None => format!("{}:{}", bracket(&probe.host), probe.port),
    };
    args.push("-connect");
    args.push(target);
    if let Some(protocol) = probe.starttls {
        args.push("-starttls");
        args.push(protocol.as_str());
    }
    // rustls sends no SNI for an address; openssl would send one if told to.
    let sni_is_address = probe.sni.parse::<std::net::IpAddr>().is_ok();
    if sni_is_address {
        args.push("-noservername");
    } else {
        args.push("-servername");
        args.push(probe.sni.as_str());
    }
    if !probe.alpn.is_empty() {
        args.push("-alpn");
        args.push(probe.alpn.join(","));
    }
    let tls = &probe.tls;
    match tls.versions.as_slice() {
        [TlsVersion::V1_2] => args.push("-tls1_2"),
        [TlsVersion::V1_3] => args.push("-tls1_3"),
        _ => {}
    }
    if let Some(id) = &tls.client_identity {
        args.push("-cert");
        args.push(path_text(&id.cert_file));
        args.push("-key");
        args.push(path_text(&id.key_file));
    }
    if let Some(ca_file) = ca_file_arg(tls, answers.env()) {
        args.push("-CAfile");
        push_arg(&mut args, ca_file);
    }
    if tls.verify {
        // s_client checks the chain but, unasked, not the name.
        let check_name = if sni_is_address {
            "-verify_ip"
        } else {
            "-verify_hostname"
        };
        args.push("-verify_return_error");
        args.push(check_name);
        args.push(probe.sni.as_str());
    }
    args.push_raw("</dev/null");
    args
}

/// An `openssl x509` command that shows what the cert probe judges of its file's leaf, then
/// `openssl verify` of the file's chain with the probe's trust roots (its `ca_file`s, then
/// the environment's, and the system's, as `chain_valid` judges it).
pub fn openssl_x509_command(probe: &CertProbe, env: &Environment) -> ShellCommand {
    let mut args = ShellCommand::new("openssl");
    for word in ["x509", "-noout", "-subject", "-issuer", "-dates", "-ext"] {
        args.push(word);
    }
    args.push("subjectAltName,extendedKeyUsage");
    args.push("-in");
    args.push(path_text(&probe.file));
    args.push_raw("&&");
    args.push("openssl");
    args.push("verify");
    if let Some(ca_file) = ca_file_arg(&probe.tls, env) {
        args.push("-CAfile");
        push_arg(&mut args, ca_file);
    }
    // The file's other certificates are the intermediates, as the probe reads them.
    args.push("-untrusted");
    args.push(path_text(&probe.file));
    args.push(path_text(&probe.file));
    args
}

//! The command that repeats a check's probe by hand, with the address the probe reached when
//! only the environment's resolvers know the name.

use crate::config::model::{Environment, Probe};
use crate::probe::Observation;
use std::time::Duration;

/// The shell command that repeats `probe` by hand.
pub fn reproduce(probe: Probe<'_>, env: &Environment, timeout: Duration) -> String {
    match probe {
        Probe::Http(h) => crate::report::reproduce::curl_command_with_timeout(h, env, timeout),
        Probe::Tls(t) => crate::report::reproduce::openssl_command(t, env),
        Probe::Cert(c) => crate::report::reproduce::openssl_x509_command(c),
        Probe::Dns(d) => {
            crate::report::reproduce_dns::dig_command(d, env.resolvers.first().copied())
        }
        Probe::Tcp(t) => crate::report::reproduce_dns::nc_command(t, env, timeout),
    }
}

/// Names that only the environment's resolvers know would not resolve for curl, openssl or
/// nc: the address the probe reached goes into the reproduce command as a fixed answer.
pub(super) fn with_observed_address(
    probe: Probe<'_>,
    env: &Environment,
    seen: &Option<&Observation>,
) -> Environment {
    let mut env = env.clone();
    if env.resolvers.is_empty() {
        return env;
    }
    let (host, port, addr) = match (probe, seen) {
        (Probe::Http(h), Some(Observation::Http(o)))
            if h.connect_to.is_none() && o.redirects.is_empty() =>
        {
            let port = h.url.port_or_known_default().unwrap_or(443);
            (
                h.url.host_str().unwrap_or_default().to_string(),
                port,
                o.remote_addr,
            )
        }
        (Probe::Tls(t), Some(Observation::Tls(o))) => {
            (t.host.clone(), t.port, o.target.parse().ok())
        }
        (Probe::Tcp(t), Some(Observation::Tcp(o))) => {
            (t.host.clone(), t.port, o.target.parse().ok())
        }
        _ => return env,
    };
    if let Some(addr) = addr
        && host.parse::<std::net::IpAddr>().is_err()
        && env.resolve_fixed(&host, port).is_none()
    {
        env.resolve.push(crate::config::model::ResolveRule {
            host: host.to_ascii_lowercase(),
            port: Some(port),
            to: addr.ip(),
            to_port: (addr.port() != port).then_some(addr.port()),
        });
    }
    env
}

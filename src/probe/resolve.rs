//! Name resolution for every probe: the environment's `resolvers:` when it names some, else
//! the system's.

use super::dns::exchange::ask;
use super::dns::{dns_name, rcode_text, read_answer};
use crate::config::model::{DnsProtocol, IpFamily};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, RecordType};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one server may take before the next is asked (the caller's timeout bounds the
/// whole lookup).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

/// One resolver per run, shared by every probe. Addresses found are kept for the run, so that
/// every check of a run talks to the same hosts (an answer with one family's lookup failed
/// excepted: it is asked again); nothing outlives the run.
pub struct Resolver {
    servers: Vec<SocketAddr>,
    attempt_timeout: Duration,
    found: Mutex<HashMap<String, Found>>,
}

/// A name's addresses as the servers gave them.
#[derive(Clone)]
struct Found {
    ips: Vec<IpAddr>,
    /// The family whose lookup failed while the other's answered (`AAAA` timed out, say):
    /// its record type and why. Its addresses are unknown, not absent.
    unknown: Option<(RecordType, String)>,
}

/// What a probe needs of a name's addresses: those `family` admits, and, for
/// `addresses: all`, `every` one of them.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    pub family: IpFamily,
    pub every: bool,
}

impl Wanted {
    /// One address of any family that answers: what a probe needs by default.
    pub const ANY: Wanted = Wanted {
        family: IpFamily::Any,
        every: false,
    };

    /// One address of `family`.
    pub fn one(family: IpFamily) -> Wanted {
        Wanted {
            family,
            every: false,
        }
    }
}

/// Why one server gave no usable answer.
enum Failure {
    /// An answer that settles it: the next server would say the same.
    Final(String),
    /// No answer, or one that says nothing (SERVFAIL, REFUSED): ask the next server.
    TryNext(String),
}

impl Resolver {
    pub fn new(servers: &[SocketAddr]) -> Resolver {
        Resolver {
            servers: servers.to_vec(),
            attempt_timeout: ATTEMPT_TIMEOUT,
            found: Mutex::default(),
        }
    }

    /// How long each server may take before the next one is asked (default 3 s).
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Resolver {
        self.attempt_timeout = timeout;
        self
    }

    /// The addresses of `host`, with `port`; the error is for people. A family whose lookup
    /// failed while the other's answered is an error when `wanted` needs it (`ip:` names it,
    /// or every address is wanted), else the other family's addresses do.
    pub async fn lookup(
        &self,
        host: &str,
        port: u16,
        wanted: Wanted,
    ) -> Result<Vec<SocketAddr>, String> {
        if self.servers.is_empty() {
            return system_lookup(host, port).await;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        // RFC 6761: localhost is loopback, never a question for the servers.
        if key == "localhost" || key.ends_with(".localhost") {
            let loopback = [
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ];
            return Ok(loopback
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect());
        }
        let cached = self
            .found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        let found = match cached {
            Some(found) => found,
            None => {
                let found = self.ask_servers(host).await?;
                // An answer with a family unknown is not kept: the next probe asks again.
                if found.unknown.is_none() {
                    self.found
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(key, found.clone());
                }
                found
            }
        };
        if let Some((record_type, why)) = &found.unknown {
            let family = match record_type {
                RecordType::AAAA => IpFamily::V6,
                _ => IpFamily::V4,
            };
            // Only a family `ip:` admits matters: `ip: v4` with every address is served.
            let consequence = if wanted.family == family {
                Some(format!(
                    "its {} addresses are unknown (`ip: {}`)",
                    family.name(),
                    family.as_str()
                ))
            } else if wanted.family == IpFamily::Any && wanted.every {
                Some("not every address is known (`addresses: all`)".to_string())
            } else {
                None
            };
            if let Some(consequence) = consequence {
                return Err(format!(
                    "{host}: the {record_type} lookup failed ({why}), so {consequence}"
                ));
            }
        }
        Ok(found
            .ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect())
    }

    /// Each server in turn until one answers for certain, both families; an answer with one
    /// family's lookup failed is taken only when no later server answers both.
    async fn ask_servers(&self, host: &str) -> Result<Found, String> {
        let name = dns_name(host)?;
        let mut failures = Vec::new();
        let mut partial = None;
        for &server in &self.servers {
            match self.ask_server(host, &name, server).await {
                Ok(found) if found.unknown.is_none() => return Ok(found),
                Ok(found) => {
                    partial.get_or_insert(found);
                }
                Err(Failure::Final(message)) => return partial.ok_or(message),
                Err(Failure::TryNext(message)) => failures.push(message),
            }
        }
        partial.ok_or_else(|| format!("{host} did not resolve: {}", failures.join("; ")))
    }

    /// A and AAAA at once from one server; either family's addresses answer, and the other's
    /// failure is kept with them.
    async fn ask_server(
        &self,
        host: &str,
        name: &Name,
        server: SocketAddr,
    ) -> Result<Found, Failure> {
        let (v4, v6) = futures::join!(
            self.addresses(host, name, RecordType::A, server),
            self.addresses(host, name, RecordType::AAAA, server),
        );
        let why = |failure: Failure| match failure {
            Failure::Final(why) | Failure::TryNext(why) => why,
        };
        match (v4, v6) {
            (Ok(mut v4), Ok(v6)) => {
                v4.extend(v6);
                if v4.is_empty() {
                    return Err(Failure::Final(format!("{host} has no A or AAAA record")));
                }
                Ok(Found {
                    ips: v4,
                    unknown: None,
                })
            }
            (Ok(ips), Err(e)) if !ips.is_empty() => Ok(Found {
                ips,
                unknown: Some((RecordType::AAAA, why(e))),
            }),
            (Err(e), Ok(ips)) if !ips.is_empty() => Ok(Found {
                ips,
                unknown: Some((RecordType::A, why(e))),
            }),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    async fn addresses(
        &self,
        host: &str,
        name: &Name,
        record_type: RecordType,
        server: SocketAddr,
    ) -> Result<Vec<IpAddr>, Failure> {
        let started = Instant::now();
        let exchange = ask(
            server,
            name,
            record_type,
            DnsProtocol::Udp,
            started,
            self.attempt_timeout,
        )
        .await
        .map_err(|e| Failure::TryNext(e.message))?;
        let response = &exchange.response;
        match response.response_code {
            ResponseCode::NoError => {}
            ResponseCode::NXDomain => {
                return Err(Failure::Final(format!(
                    "{host} does not exist (NXDOMAIN from {server})"
                )));
            }
            code => {
                return Err(Failure::TryNext(format!(
                    "{server} answered {} for {host} {record_type}",
                    rcode_text(code)
                )));
            }
        }
        let answer = read_answer(response, name, record_type);
        Ok(answer
            .records
            .iter()
            .filter_map(|r| match &r.data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                _ => None,
            })
            .collect())
    }
}

/// The system's resolver (getaddrinfo: /etc/hosts, then its DNS servers).
async fn system_lookup(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("{host} did not resolve ({e})"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    Ok(addrs)
}

/// The addresses `ip:` admits, in order; none: an error for people that says what `host`
/// resolves to.
pub fn of_family(
    addrs: Vec<SocketAddr>,
    family: IpFamily,
    host: &str,
) -> Result<Vec<SocketAddr>, String> {
    let (kept, other): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.into_iter().partition(|a| family.admits(a.ip()));
    if !kept.is_empty() || other.is_empty() {
        return Ok(kept);
    }
    let wanted = family.name();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() {
        return Err(format!(
            "{bare} is not an {wanted} address, but the check says `ip: {}`",
            family.as_str()
        ));
    }
    let mut found: Vec<String> = other.iter().map(|a| a.ip().to_string()).collect();
    found.dedup();
    Err(format!(
        "{bare} has no {wanted} address, but the check says `ip: {}` (it resolves to {})",
        family.as_str(),
        found.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().filter_map(|a| a.parse().ok()).collect()
    }

    #[test]
    fn a_family_keeps_its_addresses_in_order() {
        let both = addrs(&["[::1]:80", "127.0.0.1:80", "127.0.0.2:80"]);
        assert_eq!(
            of_family(both.clone(), IpFamily::V4, "h"),
            Ok(addrs(&["127.0.0.1:80", "127.0.0.2:80"]))
        );
        assert_eq!(
            of_family(both.clone(), IpFamily::V6, "h"),
            Ok(addrs(&["[::1]:80"]))
        );
        assert_eq!(of_family(both.clone(), IpFamily::Any, "h"), Ok(both));
    }

    #[test]
    fn no_address_of_the_family_is_an_error_naming_what_there_is() {
        assert_eq!(
            of_family(addrs(&["[::1]:80"]), IpFamily::V4, "v6only.test"),
            Err(
                "v6only.test has no IPv4 address, but the check says `ip: v4` \
                 (it resolves to ::1)"
                    .to_string()
            )
        );
        assert_eq!(
            of_family(addrs(&["127.0.0.1:80"]), IpFamily::V6, "127.0.0.1"),
            Err("127.0.0.1 is not an IPv6 address, but the check says `ip: v6`".to_string())
        );
    }
}

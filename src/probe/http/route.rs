//! Where each hop connects: `connect_to`, the environment's `resolve:` answers, `tls.sni`;
//! and the shared client for each distinct setting.

use super::super::resolve::{Resolver, Wanted};
use super::super::{ProbeErrorKind, tls_client};
use super::failure::root_cause;
use super::phase::{Phase, PhaseLayer, State};
use super::{HttpProber, authority};
use crate::config::model::{
    AddressMode, HttpProbe, IpFamily, ProxyRefusal, ProxyRoute, TlsOptions,
};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Where one hop goes on the wire. reqwest always derives SNI, certificate name and DNS name
/// from the URL, so `tls.sni` and a `connect_to` port the URL's explicit port would override
/// are done by requesting a *wire URL* (host = the SNI name, port = the port to connect to),
/// resolving its host to the target address, and sending the original authority in `Host`.
/// Such requests go over HTTP/1.1 only: in HTTP/2 the wire URL would become `:authority`,
/// which servers take over (or reject when it differs from) `Host`. Without `tls.sni` the
/// wire URL is the URL itself and nothing changes.
pub(super) struct Route {
    pub(super) wire_url: Url,
    /// The original authority, when the wire URL's differs.
    pub(super) host_header: Option<String>,
    /// Addresses the wire URL's host resolves to; empty: the system resolver decides.
    pub(super) addrs: Vec<SocketAddr>,
    /// "127.0.0.1:8443" or "example.com:443", for messages.
    pub(super) target: String,
    /// The proxy the request goes through, if any: it connects by name, so then `addrs` is
    /// empty and the wire URL is the URL.
    pub(super) proxy: Option<ProxyRoute>,
}

impl Route {
    /// The port the wire URL connects to.
    pub(super) fn port(&self) -> u16 {
        self.wire_url.port_or_known_default().unwrap_or(443)
    }
}

impl HttpProber {
    /// Decides where `url` connects. `connect_to` and `tls.sni` apply to the probe's own
    /// host and port (and scheme), also after a redirect back to it, like curl --connect-to.
    pub(super) async fn route(
        &self,
        probe: &HttpProbe,
        url: &Url,
        phase: &Phase,
    ) -> Result<Route, (ProbeErrorKind, String)> {
        let bad_url = || (ProbeErrorKind::Connect, "the URL has no host".to_string());
        let host = url.host_str().ok_or_else(bad_url)?.to_ascii_lowercase();
        let port = url.port_or_known_default().ok_or_else(bad_url)?;
        let own = url.scheme() == probe.url.scheme()
            && Some(host.as_str()) == probe.url.host_str().map(str::to_ascii_lowercase).as_deref()
            && Some(port) == probe.url.port_or_known_default();
        let sni = probe
            .tls
            .sni
            .as_deref()
            .filter(|_| own && url.scheme() == "https");
        let proxy =
            self.env.proxy.choose(probe.proxy.as_deref(), url).map_err(
                |refusal| match refusal {
                    ProxyRefusal::Unset(why) => (ProbeErrorKind::Unset, why),
                    ProxyRefusal::Invalid(why) => (ProbeErrorKind::Proxy, why),
                },
            )?;
        if let Some(proxy) = proxy {
            let pinned = [
                (
                    probe.addresses == AddressMode::All,
                    "`addresses: all`".into(),
                ),
                (
                    probe.ip != IpFamily::Any,
                    format!("`ip: {}`", probe.ip.as_str()),
                ),
                (own && probe.connect_to.is_some(), "`connect_to`".into()),
                (sni.is_some(), "`tls.sni`".into()),
                (
                    self.env.resolve_fixed(&host, port).is_some(),
                    format!("the environment's `resolve:` answer for {host}"),
                ),
            ];
            if let Some((_, why)) = pinned.into_iter().find(|(set, _)| *set) {
                let what = format!(
                    "{why} cannot be honoured through the proxy {} ({}): a proxy connects to \
                     the name itself; add {host} to NO_PROXY, or set `proxy: none` on the check",
                    proxy.shown(),
                    proxy.source()
                );
                return Err((ProbeErrorKind::Proxy, what));
            }
            return Ok(Route {
                wire_url: url.clone(),
                host_header: None,
                addrs: Vec::new(),
                target: format!("{}:{port}", url.host_str().unwrap_or_default()),
                proxy: Some(proxy),
            });
        }

        let mut addrs = match probe.connect_to.as_ref().filter(|_| own) {
            Some(to) => {
                let wanted = Wanted::one(probe.ip);
                self.resolve_name(&to.host, to.port.unwrap_or(port), wanted, phase)
                    .await?
            }
            None => self.env.resolve_fixed_all(&host, port),
        };
        // `ip:` chooses among the addresses, so they are looked up here, not by the client.
        if (sni.is_some() || probe.ip != IpFamily::Any) && addrs.is_empty() {
            addrs = self
                .resolve_name(&host, port, Wanted::one(probe.ip), phase)
                .await?;
        }
        let addrs = super::super::resolve::of_family(addrs, probe.ip, &host)
            .map_err(|e| (ProbeErrorKind::Dns, e))?;

        let mut wire_url = url.clone();
        if let Some(sni) = sni {
            wire_url
                .set_host(Some(sni))
                .map_err(|e| (ProbeErrorKind::Connect, format!("tls.sni {sni:?}: {e}")))?;
        }
        if let Some(first) = addrs.first() {
            // An IP literal is never looked up, so the override must go into the URL itself
            // (verification then checks the certificate against the target's address).
            if matches!(
                wire_url.host(),
                Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))
            ) {
                let _ = wire_url.set_ip_host(first.ip());
            }
            // reqwest keeps a resolved address's port only when the URL names none; an
            // explicit URL port wins, so a different target port goes into the wire URL.
            if wire_url.port().is_some() && first.port() != port {
                let _ = wire_url.set_port(Some(first.port()));
            }
        }
        let host_header = (authority(&wire_url) != authority(url)).then(|| authority(url));
        let target = match addrs.as_slice() {
            [] => format!("{}:{port}", url.host_str().unwrap_or_default()),
            [one] => one.to_string(),
            many => format!("{} (or {} more)", many[0], many.len() - 1),
        };
        Ok(Route {
            wire_url,
            host_header,
            addrs,
            target,
            proxy: None,
        })
    }

    /// Addresses for a `connect_to` host (or a host to reach under another SNI name): an IP
    /// as it is, then the environment's `resolve:` answers, then the system resolver.
    pub(super) async fn resolve_name(
        &self,
        host: &str,
        port: u16,
        wanted: Wanted,
        phase: &Phase,
    ) -> Result<Vec<SocketAddr>, (ProbeErrorKind, String)> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let fixed = self.env.resolve_fixed_all(host, port);
        if !fixed.is_empty() {
            return Ok(fixed);
        }
        phase.set(State::Resolving, host);
        let mut addrs = self
            .resolver
            .lookup(host, port, wanted)
            .await
            .map_err(|e| (ProbeErrorKind::Dns, e))?;
        // Sorted so that a round-robin answer does not make a new client every time.
        addrs.sort();
        addrs.dedup();
        Ok(addrs)
    }

    /// The shared client for these TLS settings and this address override, and its key.
    pub(super) fn client(
        &self,
        tls: &TlsOptions,
        route: &Route,
        timeout: Duration,
    ) -> Result<(reqwest::Client, String), (ProbeErrorKind, String)> {
        let wire_host = route
            .wire_url
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        // A rewritten authority only travels correctly in HTTP/1.1's Host (see `Route`).
        let http1_only = route.host_header.is_some();
        let tls_key = format!("{}|{http1_only}", tls_client::settings_key(tls));
        let proxy = route.proxy.as_ref().map(|p| p.url.as_str());
        let key = format!(
            "{tls_key}|{wire_host}={:?}|{timeout:?}|{proxy:?}",
            route.addrs
        );
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.http.get(&key) {
            return Ok((client.clone(), key));
        }
        // One TLS configuration per distinct TLS settings, shared by the clients of every
        // host: one verifier, one client identity (never a session to resume: see
        // `tls_client::config_with_verifier`).
        let config = match clients.tls.get(&tls_key) {
            Some(config) => config.clone(),
            None => {
                let alpn: &[&[u8]] = if http1_only {
                    &[b"http/1.1"]
                } else {
                    &[b"h2", b"http/1.1"]
                };
                let config =
                    tls_client::client_config(tls, alpn).map_err(|e| (ProbeErrorKind::Tls, e))?;
                clients.tls.insert(tls_key, config.clone());
                config
            }
        };
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .tls_info(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
            .connector_layer(PhaseLayer);
        if http1_only {
            builder = builder.http1_only();
        }
        // The run decides the proxy (see `ProxyConfig::choose`), never reqwest's own reading
        // of the variables.
        builder = match &route.proxy {
            None => builder.no_proxy(),
            Some(proxy) => {
                let through = reqwest::Proxy::all(proxy.url.as_str()).map_err(|e| {
                    let what = format!(
                        "the proxy {} is not usable: {}",
                        proxy.shown(),
                        root_cause(&e)
                    );
                    (ProbeErrorKind::Proxy, what)
                })?;
                builder.proxy(through)
            }
        };
        if !route.addrs.is_empty() {
            builder = builder.resolve_to_addrs(&wire_host, &route.addrs);
        }
        builder = builder.dns_resolver(Arc::new(ResolveWith(Arc::clone(&self.resolver))));
        let client = builder.build().map_err(|e| {
            let what = format!("cannot set up the HTTP client: {}", root_cause(&e));
            (ProbeErrorKind::Connect, what)
        })?;
        clients.http.insert(key.clone(), client.clone());
        Ok((client, key))
    }
}

/// The run's resolver, for reqwest: names go to the environment's resolvers when it names
/// some, as for every other probe.
struct ResolveWith(Arc<Resolver>);

impl reqwest::dns::Resolve for ResolveWith {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = Arc::clone(&self.0);
        let phase = super::phase::current();
        Box::pin(async move {
            if let Some(phase) = &phase {
                phase.set(State::Resolving, name.as_str());
            }
            let addrs = resolver.lookup(name.as_str(), 0, Wanted::ANY).await?;
            if let Some(phase) = &phase {
                phase.set_state(State::Connecting);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

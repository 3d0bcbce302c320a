//! The http probe: one request (and its redirects), observed whole.
//!
//! reqwest does the HTTP; this file decides where each hop connects (`connect_to`, the
//! environment's `resolve:` answers, `tls.sni`), follows redirects itself so that every hop is
//! seen, reads bodies up to the cap, and turns failures into errors written for people.

use super::tls_client;
use super::{ProbeError, ProbeErrorKind};
use crate::spec::model::{Environment, HttpProbe, RequestBody, TlsOptions};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use url::Url;

/// One HTTP exchange as seen: the final response, and the redirects that led to it.
#[derive(Clone, Debug, Default)]
pub struct HttpObservation {
    /// The request as sent (first hop): method and URL.
    pub method: String,
    pub url: String,
    /// Request headers as sent on the first hop, in order (values may hold secrets:
    /// reports redact them).
    pub request_headers: Vec<(String, String)>,
    /// Every redirect response followed, in order (empty when none was followed).
    pub redirects: Vec<RedirectHop>,
    /// The URL of the final response.
    pub final_url: String,
    pub status: u16,
    /// "HTTP/1.1", "HTTP/2".
    pub version: String,
    /// Response headers in order, names lower-case, values as text (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The body, at most `body_limit` bytes.
    pub body: Vec<u8>,
    /// The server sent more than `body_limit` bytes; reading stopped there.
    pub body_exceeded: Option<u64>,
    /// The leaf certificate the server presented (DER), for https.
    pub peer_certificate: Option<Vec<u8>>,
    /// The address connected to.
    pub remote_addr: Option<SocketAddr>,
    /// From sending the first request to the end of the final body.
    pub elapsed: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectHop {
    pub url: String,
    pub status: u16,
    pub location: String,
}

impl HttpObservation {
    /// All values of a header (name case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Headers that must not follow a redirect to another origin (as curl and browsers do).
const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "cookie", "proxy-authorization", "host"];
/// Headers that describe a request body, dropped with the body when a redirect becomes a GET.
const BODY_HEADERS: [&str; 4] = [
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
];

/// The run's HTTP clients, one per distinct (TLS settings, address override, timeout), so
/// that checks with the same settings share a connection pool.
pub struct HttpProber {
    env: Environment,
    clients: Mutex<HashMap<String, reqwest::Client>>,
}

/// Where one hop goes on the wire. reqwest always derives SNI, certificate name and DNS name
/// from the URL, so `tls.sni` and a `connect_to` port the URL's explicit port would override
/// are done by requesting a *wire URL* (host = the SNI name, port = the port to connect to),
/// resolving its host to the target address, and sending the original authority in `Host`.
/// Such requests go over HTTP/1.1 only: in HTTP/2 the wire URL would become `:authority`,
/// which servers take over (or reject when it differs from) `Host`. Without `tls.sni` the
/// wire URL is the URL itself and nothing changes.
struct Route {
    wire_url: Url,
    /// The original authority, when the wire URL's differs.
    host_header: Option<String>,
    /// Addresses the wire URL's host resolves to; empty: the system resolver decides.
    addrs: Vec<SocketAddr>,
    /// "127.0.0.1:8443" or "example.com:443", for messages.
    target: String,
}

impl HttpProber {
    pub fn new(env: &Environment) -> HttpProber {
        HttpProber {
            env: env.clone(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    pub async fn probe(
        &self,
        probe: &HttpProbe,
        timeout: Duration,
    ) -> Result<HttpObservation, ProbeError> {
        let phase = Phase::default();
        let work = PHASE.scope(phase.clone(), self.exchange(probe, timeout, &phase));
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(timed_out(probe, timeout, &phase)),
        }
    }

    async fn exchange(
        &self,
        probe: &HttpProbe,
        timeout: Duration,
        phase: &Phase,
    ) -> Result<HttpObservation, ProbeError> {
        let started = Instant::now();
        let mut hop = Hop::first(probe);
        let request_headers = hop.headers.clone();
        let mut redirects = Vec::new();
        loop {
            let (route, response) = self.send(probe, &hop, timeout, phase).await?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let next = location.as_deref().and_then(|l| hop.url.join(l).ok());
            let follow = status.is_redirection()
                && (redirects.len() as u64) < u64::from(probe.follow_redirects);
            if let (true, Some(location), Some(next)) = (follow, location, next)
                && matches!(next.scheme(), "http" | "https")
            {
                redirects.push(RedirectHop {
                    url: hop.url.to_string(),
                    status: status.as_u16(),
                    location,
                });
                hop.redirect(status, next);
                continue;
            }

            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (n.as_str().to_string(), value)
                })
                .collect();
            let peer_certificate = response
                .extensions()
                .get::<reqwest::tls::TlsInfo>()
                .and_then(|info| info.peer_certificate())
                .map(<[u8]>::to_vec);
            let mut seen = HttpObservation {
                method: probe.method.to_string(),
                url: probe.url.to_string(),
                request_headers,
                redirects,
                final_url: hop.url.to_string(),
                status: status.as_u16(),
                version: version_text(response.version()),
                headers,
                peer_certificate,
                remote_addr: response.remote_addr(),
                ..HttpObservation::default()
            };
            (seen.body, seen.body_exceeded) =
                read_body(response, probe.body_limit, phase, &route.target)
                    .await
                    .map_err(|what| ProbeError {
                        kind: ProbeErrorKind::Protocol,
                        message: format!("{} {}: {what}", hop.method, hop.url),
                    })?;
            seen.elapsed = started.elapsed();
            return Ok(seen);
        }
    }

    /// Sends one hop's request and waits for its response headers.
    async fn send(
        &self,
        probe: &HttpProbe,
        hop: &Hop,
        timeout: Duration,
        phase: &Phase,
    ) -> Result<(Route, reqwest::Response), ProbeError> {
        let fail = |kind, what: String| ProbeError {
            kind,
            message: format!("{} {}: {what}", hop.method, hop.url),
        };
        let route = self
            .route(probe, &hop.url, phase)
            .await
            .map_err(|(k, w)| fail(k, w))?;
        let client = self
            .client(&probe.tls, &route, timeout)
            .map_err(|(k, w)| fail(k, w))?;

        let mut request = client.request(hop.method.clone(), route.wire_url.clone());
        let user_host = hop
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"));
        if let (Some(host), false) = (&route.host_header, user_host) {
            request = request.header(reqwest::header::HOST, host.as_str());
        }
        for (name, value) in &hop.headers {
            let name_ok = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string());
            let value_ok = HeaderValue::from_str(value).map_err(|e| e.to_string());
            match (name_ok, value_ok) {
                (Ok(n), Ok(v)) => request = request.header(n, v),
                (Err(e), _) | (_, Err(e)) => {
                    let what = format!("header {name:?} cannot be sent: {e}");
                    return Err(fail(ProbeErrorKind::Protocol, what));
                }
            }
        }
        if let Some(body) = &hop.body {
            request = request.body(body.clone());
        }
        // A pooled connection goes straight to waiting; a new one passes through
        // `PhaseService`, which says "connecting" until it is up.
        phase.set(State::AwaitingHeaders, &route.target);
        let response = request.send().await.map_err(|e| {
            // reqwest's connect timeout is the check's timeout too; say it the same way.
            if e.is_timeout() {
                return timed_out(probe, timeout, phase);
            }
            let (kind, what) = classify(&e, &route.target);
            fail(kind, what)
        })?;
        Ok((route, response))
    }

    /// Decides where `url` connects. `connect_to` and `tls.sni` apply to the probe's own
    /// host and port (and scheme), also after a redirect back to it, like curl --connect-to.
    async fn route(
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

        let mut addrs = match probe.connect_to.as_ref().filter(|_| own) {
            Some(to) => {
                self.resolve_name(&to.host, to.port.unwrap_or(port), phase)
                    .await?
            }
            None => self.env.resolve_fixed(&host, port).into_iter().collect(),
        };
        if sni.is_some() && addrs.is_empty() {
            addrs = self.resolve_name(&host, port, phase).await?;
        }

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
        })
    }

    /// Addresses for a `connect_to` host (or a host to reach under another SNI name): an IP
    /// as it is, then the environment's `resolve:` answers, then the system resolver.
    async fn resolve_name(
        &self,
        host: &str,
        port: u16,
        phase: &Phase,
    ) -> Result<Vec<SocketAddr>, (ProbeErrorKind, String)> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        if let Some(addr) = self.env.resolve_fixed(host, port) {
            return Ok(vec![addr]);
        }
        phase.set(State::Resolving, host);
        let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| (ProbeErrorKind::Dns, format!("{host} did not resolve ({e})")))?
            .collect();
        if addrs.is_empty() {
            return Err((ProbeErrorKind::Dns, format!("{host} has no address")));
        }
        // Sorted so that a round-robin answer does not make a new client every time.
        addrs.sort();
        addrs.dedup();
        Ok(addrs)
    }

    /// The shared client for these TLS settings and this address override.
    fn client(
        &self,
        tls: &TlsOptions,
        route: &Route,
        timeout: Duration,
    ) -> Result<reqwest::Client, (ProbeErrorKind, String)> {
        let wire_host = route
            .wire_url
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        // A rewritten authority only travels correctly in HTTP/1.1's Host (see `Route`).
        let http1_only = route.host_header.is_some();
        let key = format!(
            "{}|{wire_host}={:?}|{timeout:?}|{http1_only}",
            tls_client::settings_key(tls),
            route.addrs
        );
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let alpn: &[&[u8]] = if http1_only {
            &[b"http/1.1"]
        } else {
            &[b"h2", b"http/1.1"]
        };
        let config = tls_client::client_config(tls, alpn).map_err(|e| (ProbeErrorKind::Tls, e))?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .tls_info(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout)
            .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
            .connector_layer(PhaseLayer);
        if http1_only {
            builder = builder.http1_only();
        }
        if !route.addrs.is_empty() {
            builder = builder.resolve_to_addrs(&wire_host, &route.addrs);
        }
        let client = builder.build().map_err(|e| {
            let what = format!("cannot set up the HTTP client: {}", root_cause(&e));
            (ProbeErrorKind::Connect, what)
        })?;
        clients.insert(key, client.clone());
        Ok(client)
    }
}

/// The request of one hop: the probe's, then as each followed redirect changed it.
struct Hop {
    url: Url,
    method: Method,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Hop {
    fn first(probe: &HttpProbe) -> Hop {
        let mut headers = probe.headers.clone();
        let body = match &probe.body {
            None => None,
            Some(RequestBody::Text(text)) => Some(text.clone().into_bytes()),
            Some(RequestBody::Json(value)) => {
                if !headers.iter().any(|(n, _)| is_one_of(n, &["content-type"])) {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                Some(serde_json::to_vec(value).unwrap_or_default())
            }
        };
        Hop {
            url: probe.url.clone(),
            method: probe.method.clone(),
            headers,
            body,
        }
    }

    /// Follows a `status` redirect to `next` as curl -L and browsers do: credentials stay
    /// with their origin; 303, and 301/302 after a POST, become a GET without body.
    fn redirect(&mut self, status: StatusCode, next: Url) {
        if next.origin() != self.url.origin() {
            self.headers
                .retain(|(n, _)| !is_one_of(n, &CREDENTIAL_HEADERS));
        }
        let to_get = status == StatusCode::SEE_OTHER
            || (matches!(status.as_u16(), 301 | 302) && self.method == Method::POST);
        if to_get {
            self.method = Method::GET;
            self.body = None;
            self.headers.retain(|(n, _)| !is_one_of(n, &BODY_HEADERS));
        }
        self.url = next;
    }
}

/// Reads the body up to `limit` bytes. Past the limit reading stops (the connection is
/// dropped) and the count of bytes seen so far is returned beside the first `limit`.
async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
    phase: &Phase,
    target: &str,
) -> Result<(Vec<u8>, Option<u64>), String> {
    let mut body = Vec::new();
    let mut seen: u64 = 0;
    phase.set(State::ReadingBody(0), target);
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            let why = root_cause(&e);
            format!("the body from {target} broke off after {seen} bytes: {why}")
        })?;
        let Some(chunk) = chunk else {
            return Ok((body, None));
        };
        seen += chunk.len() as u64;
        let room = limit.saturating_sub(body.len() as u64);
        let keep = chunk.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        body.extend_from_slice(&chunk[..keep]);
        if seen > limit {
            return Ok((body, Some(seen)));
        }
        phase.set(State::ReadingBody(seen), target);
    }
}

/// `host[:port]` as written in the URL (the port only when it is not the scheme's default).
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

fn is_one_of(name: &str, set: &[&str]) -> bool {
    set.iter().any(|s| name.eq_ignore_ascii_case(s))
}

fn version_text(version: reqwest::Version) -> String {
    match version {
        reqwest::Version::HTTP_09 => "HTTP/0.9".into(),
        reqwest::Version::HTTP_10 => "HTTP/1.0".into(),
        reqwest::Version::HTTP_11 => "HTTP/1.1".into(),
        reqwest::Version::HTTP_2 => "HTTP/2".into(),
        reqwest::Version::HTTP_3 => "HTTP/3".into(),
        other => format!("{other:?}"),
    }
}

fn timed_out(probe: &HttpProbe, timeout: Duration, phase: &Phase) -> ProbeError {
    ProbeError {
        kind: ProbeErrorKind::Timeout,
        message: format!(
            "{} {}: no complete answer within {} (timeout) while {}",
            probe.method,
            probe.url,
            humantime::format_duration(timeout),
            phase.describe()
        ),
    }
}

/// Sorts a failed request into an error kind, with the cause in words.
fn classify(err: &reqwest::Error, target: &str) -> (ProbeErrorKind, String) {
    if let Some(why) = tls_client::tls_failure(err) {
        let what = format!("TLS with {target} failed: {why}");
        return (ProbeErrorKind::Tls, what);
    }
    if err.is_dns() {
        return (
            ProbeErrorKind::Dns,
            format!("{target} did not resolve ({})", root_cause(err)),
        );
    }
    if has_io_kind(err, std::io::ErrorKind::ConnectionRefused) {
        return (
            ProbeErrorKind::Refused,
            format!("connection refused ({target})"),
        );
    }
    if err.is_connect() {
        if has_io_kind(err, std::io::ErrorKind::UnexpectedEof) {
            let what = format!("{target} closed the connection during the TLS handshake");
            return (ProbeErrorKind::Tls, what);
        }
        return (
            ProbeErrorKind::Connect,
            format!("could not connect to {target}: {}", root_cause(err)),
        );
    }
    (
        ProbeErrorKind::Protocol,
        format!("no valid HTTP answer from {target}: {}", root_cause(err)),
    )
}

fn has_io_kind(err: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    tls_client::causes(err).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// The innermost error's text: the most specific words ("Connection refused (os error 111)").
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    tls_client::causes(err)
        .last()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// What the probe is waiting for, shared with the timeout message.
#[derive(Clone, Default)]
struct Phase(Arc<Mutex<(State, String)>>);

#[derive(Clone, Copy, Default)]
enum State {
    #[default]
    Starting,
    Resolving,
    Connecting,
    AwaitingHeaders,
    ReadingBody(u64),
}

impl Phase {
    fn set(&self, state: State, target: &str) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *guard = (state, target.to_string());
    }

    fn set_state(&self, state: State) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).0 = state;
    }

    /// A connection finished opening; a connect that outlived its request (finishing in
    /// the background for the pool) leaves a later phase alone.
    fn connected(&self) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(guard.0, State::Connecting) {
            guard.0 = State::AwaitingHeaders;
        }
    }

    fn describe(&self) -> String {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let target = &guard.1;
        match guard.0 {
            State::Starting => "starting".into(),
            State::Resolving => format!("resolving {target}"),
            State::Connecting => format!("connecting to {target} (TCP and TLS handshake)"),
            State::AwaitingHeaders => format!("waiting for the response headers from {target}"),
            State::ReadingBody(n) => format!("reading the body from {target} ({n} bytes so far)"),
        }
    }
}

tokio::task_local! {
    /// The running probe's phase. Connections are opened inside the request's own task, so
    /// the connector can report "connecting" to the probe that asked for it.
    static PHASE: Phase;
}

/// Wraps reqwest's connector to mark the time spent opening a connection.
#[derive(Clone)]
struct PhaseLayer;

impl<S> tower_layer::Layer<S> for PhaseLayer {
    type Service = PhaseService<S>;

    fn layer(&self, inner: S) -> PhaseService<S> {
        PhaseService { inner }
    }
}

#[derive(Clone)]
struct PhaseService<S> {
    inner: S,
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<S, R> tower_service::Service<R> for PhaseService<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let phase = PHASE.try_with(Phase::clone).ok();
        if let Some(phase) = &phase {
            phase.set_state(State::Connecting);
        }
        let connecting = self.inner.call(request);
        Box::pin(async move {
            let connected = connecting.await;
            if let (Some(phase), true) = (phase, connected.is_ok()) {
                phase.connected();
            }
            connected
        })
    }
}

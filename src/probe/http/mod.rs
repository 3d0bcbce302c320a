//! The http probe: one request (and its redirects), observed whole.
//!
//! reqwest does the HTTP; `route.rs` decides where each hop connects (`connect_to`, the
//! environment's `resolve:` answers, `tls.sni`), follows redirects itself so that every hop is
//! seen, reads bodies up to the cap, and turns failures into errors written for people
//! (`failure.rs`, `phase.rs`).

mod failure;
mod observation;
mod phase;
mod route;

pub use observation::{BodyDigest, HttpObservation, RedirectHop};

use super::resolve::{Resolver, Wanted};
use super::tls::TlsProber;
use super::{ProbeError, ProbeErrorKind};
use crate::config::model::{Environment, HttpProbe, RequestBody, TlsOptions};
use failure::{broke_off, classify, root_cause, tls_refusal};
use phase::{Openings, PHASE, Phase, State, timed_out};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use route::Route;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use url::Url;

/// Headers that describe a request body, dropped with the body when a redirect becomes a GET.
const BODY_HEADERS: [&str; 4] = [
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
];

/// The HTTP clients made so far, by settings, and the TLS configurations they share.
#[derive(Default)]
struct Clients {
    http: HashMap<String, reqwest::Client>,
    tls: HashMap<String, rustls::ClientConfig>,
}

/// The run's HTTP clients, one per distinct (TLS settings, address override, timeout), so
/// that checks with the same settings share a connection pool.
pub struct HttpProber {
    env: Environment,
    clients: Mutex<Clients>,
    openings: Openings,
    resolver: Arc<Resolver>,
    /// For the second look at an https server that broke off a request (see
    /// [`failure::tls_refusal`]): the run's environment and resolver, as every probe has.
    second_look: TlsProber,
}

impl HttpProber {
    /// A prober with a resolver of its own for the environment's resolvers.
    pub fn new(env: &Environment) -> HttpProber {
        HttpProber::with_resolver(env, Arc::new(Resolver::new(&env.resolvers)))
    }

    /// A prober that shares the run's resolver.
    pub fn with_resolver(env: &Environment, resolver: Arc<Resolver>) -> HttpProber {
        HttpProber {
            env: env.clone(),
            second_look: TlsProber::with_resolver(env, Arc::clone(&resolver)),
            resolver,
            clients: Mutex::default(),
            openings: Openings::default(),
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
        // The certificate judged is the URL's own (the first one presented), not the last
        // hop's: a redirect must not stand in another host's certificate for it.
        let mut first_certificate: Option<Vec<u8>> = None;
        loop {
            let (route, response) = self.send(probe, &hop, timeout, phase).await?;
            let proxy = route
                .proxy
                .as_ref()
                .map(|p| format!("{} ({})", p.shown(), p.source()));
            let status = response.status();
            // The URL's own hop only: an http:// URL redirected to https has no certificate.
            if redirects.is_empty() {
                first_certificate = response
                    .extensions()
                    .get::<reqwest::tls::TlsInfo>()
                    .and_then(|info| info.peer_certificate())
                    .map(<[u8]>::to_vec);
            }
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let next = location.as_deref().and_then(|l| hop.url.join(l).ok());
            let follow = failure::redirects(status.as_u16())
                && (redirects.len() as u64) < u64::from(probe.follow_redirects);
            if let Some(why) = failure::unfollowable(
                probe,
                status.as_u16(),
                location.as_deref(),
                next.as_ref(),
                redirects.len(),
            ) {
                return Err(ProbeError {
                    kind: ProbeErrorKind::Protocol,
                    message: format!("{} {}: {why}", hop.method, hop.url),
                });
            }
            let mut not_followed = None;
            if let (true, Some(location), Some(next)) = (follow, location, next)
                && matches!(next.scheme(), "http" | "https")
            {
                if hop.url.scheme() == "https" && next.scheme() == "http" && !probe.allow_downgrade
                {
                    not_followed = Some(format!(
                        "not followed: https → http downgrade to {next}; set `follow_redirects: \
                         {{ max: {}, allow_downgrade: true }}` to follow",
                        probe.follow_redirects
                    ));
                } else {
                    redirects.push(RedirectHop {
                        url: hop.url.to_string(),
                        status: status.as_u16(),
                        location,
                        proxy,
                    });
                    hop.redirect(status, next);
                    continue;
                }
            }

            let headers = observation::header_pairs(response.headers());
            let peer_certificate = first_certificate.take();
            let mut seen = HttpObservation {
                method: probe.method.to_string(),
                url: probe.url.to_string(),
                request_headers,
                redirects,
                final_url: hop.url.to_string(),
                not_followed,
                status: status.as_u16(),
                version: version_text(response.version()),
                headers,
                peer_certificate,
                remote_addr: response.remote_addr(),
                proxy,
                ..HttpObservation::default()
            };
            let read = BodyRead {
                limit: probe.body_limit,
                keep: if probe.body_judged {
                    None
                } else {
                    Some(UNJUDGED_BODY_KEPT)
                },
            };
            (seen.body, seen.body_exceeded, seen.body_digest) =
                read_body(response, read, phase, &route.target)
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
        // The client certificate stays with the check's origin.
        let stripped;
        let tls = if hop.identity {
            &*probe.tls
        } else {
            stripped = TlsOptions {
                client_identity: None,
                ..(*probe.tls).clone()
            };
            &stripped
        };
        let (client, client_key) = self
            .client(tls, &route, timeout)
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
        let origin = format!(
            "{client_key}|{}",
            route.wire_url.origin().ascii_serialization()
        );
        phase.set_role(self.openings.claim(&origin));
        // A pooled connection goes straight to waiting; a new one passes through
        // `PhaseService`, which says "connecting" until it is up.
        phase.set(State::AwaitingHeaders, &route.target);
        let sent = request.send().await;
        // A role the connector did not take (a pooled connection served) ends here.
        drop(phase.take_role());
        let e = match sent {
            // A 407 over plain http can only be the proxy's: servers ask with 401. Over https
            // the proxy refuses the tunnel (an error, below), and an answer from inside the
            // tunnel is the server's.
            Ok(response)
                if response.status() == StatusCode::PROXY_AUTHENTICATION_REQUIRED
                    && route.wire_url.scheme() == "http"
                    && let Some(proxy) = &route.proxy =>
            {
                let what = failure::proxy_asks_for_credentials(proxy, &route.target);
                return Err(fail(ProbeErrorKind::Proxy, what));
            }
            Ok(response) => return Ok((route, response)),
            Err(e) => e,
        };
        // reqwest's connect timeout is the check's timeout too; say it the same way.
        if e.is_timeout() {
            return Err(timed_out(probe, timeout, phase));
        }
        if let Some(proxy) = &route.proxy
            && let Some(what) = failure::proxy_failure(&e, proxy, &route.target)
        {
            return Err(fail(ProbeErrorKind::Proxy, what));
        }
        let (kind, what) = classify(&e, &route.target);
        // Through a proxy there is no second look: only the proxy can reach the server.
        if matches!(kind, ProbeErrorKind::Protocol | ProbeErrorKind::Connect)
            && route.proxy.is_none()
            && route.wire_url.scheme() == "https"
            && broke_off(&e)
        {
            let name = route.wire_url.host_str().unwrap_or_default();
            let addr = match route.addrs.first() {
                Some(addr) => Some(*addr),
                None => self
                    .resolve_name(name, route.port(), Wanted::ANY, phase)
                    .await
                    .ok()
                    .and_then(|a| a.first().copied()),
            };
            if let Some(addr) = addr
                && let Some(why) = tls_refusal(&self.second_look, tls, name, addr).await
            {
                let what = format!("TLS with {} failed: {why}", route.target);
                return Err(fail(ProbeErrorKind::Tls, what));
            }
        }
        Err(fail(kind, what))
    }
}

/// The request of one hop: the probe's, then as each followed redirect changed it.
struct Hop {
    url: Url,
    method: Method,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// The check's client certificate is offered (until a hop leaves its origin).
    identity: bool,
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
            identity: true,
        }
    }

    /// Follows a `status` redirect to `next`: 303, and 301/302 after a POST, become a GET
    /// without body. A hop to another origin (scheme, host or port) carries nothing of the
    /// check's: none of its headers (custom ones such as `x-api-key` included), no body, no
    /// client certificate; and they do not come back on a later hop.
    fn redirect(&mut self, status: StatusCode, next: Url) {
        if next.origin() != self.url.origin() {
            self.headers.clear();
            self.body = None;
            self.identity = false;
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

/// How much of a body no expectation reads is kept: enough for every report's excerpt.
const UNJUDGED_BODY_KEPT: usize = 16 << 10;

/// How a body is read: up to `limit` bytes; `keep`, when no expectation reads the body, how
/// much of its start is kept (the rest is only counted and hashed as it arrives).
struct BodyRead {
    limit: u64,
    keep: Option<usize>,
}

/// Reads the body up to `read.limit` bytes. Past the limit reading stops (the connection is
/// dropped) and the count of bytes seen so far is returned beside what was kept. With
/// `read.keep`, the body's size and SHA-256 come back too, and only its start is kept.
async fn read_body(
    mut response: reqwest::Response,
    read: BodyRead,
    phase: &Phase,
    target: &str,
) -> Result<(Vec<u8>, Option<u64>, Option<BodyDigest>), String> {
    use sha2::{Digest, Sha256};
    let limit = read.limit;
    let kept_at_most = read.keep.map_or(limit, |k| k as u64).min(limit);
    // Sized once from Content-Length (within what is kept): no copies while it grows.
    let expected = response.content_length().unwrap_or(0).min(kept_at_most);
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut hash = read.keep.map(|_| Sha256::new());
    let mut within_limit: u64 = 0;
    let mut seen: u64 = 0;
    phase.set(State::ReadingBody(0), target);
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            let why = root_cause(&e);
            format!("the body from {target} broke off after {seen} bytes: {why}")
        })?;
        let Some(chunk) = chunk else {
            let digest = hash.map(|h| BodyDigest {
                size: usize::try_from(within_limit).unwrap_or(usize::MAX),
                sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            });
            return Ok((body, None, digest));
        };
        seen += chunk.len() as u64;
        let room = limit.saturating_sub(within_limit);
        let in_limit = &chunk[..chunk.len().min(usize::try_from(room).unwrap_or(usize::MAX))];
        within_limit += in_limit.len() as u64;
        if let Some(h) = &mut hash {
            h.update(in_limit);
        }
        let room = kept_at_most.saturating_sub(body.len() as u64);
        let keep = in_limit
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        body.extend_from_slice(&in_limit[..keep]);
        if seen > limit {
            let digest = hash.map(|h| BodyDigest {
                size: usize::try_from(within_limit).unwrap_or(usize::MAX),
                sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            });
            return Ok((body, Some(seen), digest));
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

//! The key sets (JWKS) that `jwt: { signed_by: URL }` verifies with: each URL fetched once
//! per run, however many checks name it and however many ask at once, through the run's
//! http prober (its trust roots, proxy, `resolve:` answers and resolvers), bounded in size
//! and by the time of the check that asked first.

use super::http::HttpProber;
use super::{ProbeError, ProbeErrorKind};
use crate::config::model::{Environment, HttpProbe, ProxySetting, TlsOptions};
use crate::matcher::Jwks;
use crate::syntax::quantity::format_size;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// A key set larger than this is refused (a real one is a few KiB).
pub const JWKS_LIMIT: u64 = 256 * 1024;

/// Redirects followed to a key set (never from https to http).
const JWKS_REDIRECTS: u32 = 5;

type Fetched = Result<Arc<Jwks>, ProbeError>;

/// A key set's URL and the asking check's own `proxy:`.
type Asked = (String, Option<ProxySetting>);

/// The run's key sets by URL and the check's own `proxy:` (a key set fetched through one
/// proxy is not taken for another's), each fetched (or failed) once.
#[derive(Default)]
pub struct JwksCache {
    sets: Mutex<HashMap<Asked, Arc<OnceCell<Fetched>>>>,
}

impl JwksCache {
    /// The key set at `url`, through `proxy` (the asking check's own `proxy:`; `None`: the
    /// environment's and the variables'): fetched by the first caller within `timeout`, then
    /// shared, an error as well (an unreachable set stays unreachable for the run).
    pub async fn get(
        &self,
        http: &HttpProber,
        env: &Environment,
        (url, proxy): (&str, Option<&ProxySetting>),
        timeout: Duration,
    ) -> Fetched {
        let cell = {
            let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
            let key = (url.to_string(), proxy.cloned());
            Arc::clone(sets.entry(key).or_default())
        };
        cell.get_or_init(|| fetch(http, env, (url, proxy), timeout))
            .await
            .clone()
    }
}

async fn fetch(
    http: &HttpProber,
    env: &Environment,
    (url, proxy): (&str, Option<&ProxySetting>),
    timeout: Duration,
) -> Fetched {
    let failed = |kind, why: String| ProbeError {
        kind,
        message: format!("the JWKS at {url} {why}"),
    };
    let parsed = url::Url::parse(url)
        .map_err(|e| failed(ProbeErrorKind::Internal, format!("is not a URL ({e})")))?;
    let plain = parsed.scheme() == "http";
    let mut probe = HttpProbe::get(parsed);
    probe.headers = vec![("accept".into(), "application/json".into())];
    probe.follow_redirects = JWKS_REDIRECTS;
    probe.body_limit = JWKS_LIMIT;
    if plain {
        // Allowed only to a loopback address (see the decoder): straight there, never through
        // a proxy, and no redirect, which could lead the clear text off this machine.
        probe.proxy = Some(Box::new(ProxySetting::Off));
        probe.follow_redirects = 0;
    } else {
        // The way out that the check asking for it has: a network reached only through a
        // proxy serves its issuer through it too.
        probe.proxy = proxy.cloned().map(Box::new);
    }
    // The environment's trust roots, as every probe has them (a check's own `tls:` is for
    // its own server, not the key set's).
    probe.tls = std::sync::Arc::new(TlsOptions {
        extra_roots: env.ca.clone(),
        ca_files: env.ca_files.clone(),
        ..TlsOptions::default()
    });
    let seen = http.probe(&probe, timeout).await.map_err(|e| {
        // The key set's server, not the check's: its certificate failing is an error of the
        // check, never a failure of what the check looks at.
        let kind = match e.kind {
            ProbeErrorKind::Certificate => ProbeErrorKind::Tls,
            kind => kind,
        };
        ProbeError {
            kind,
            message: format!("the JWKS could not be fetched: {}", e.message),
        }
    })?;
    let protocol = |why: String| failed(ProbeErrorKind::Protocol, why);
    if seen.status != 200 {
        return Err(protocol(format!("answered {}, not 200", seen.status)));
    }
    if seen.body_exceeded.is_some() {
        return Err(protocol(format!(
            "is larger than {} (the limit of a key set)",
            format_size(JWKS_LIMIT)
        )));
    }
    let set = Jwks::parse(&seen.body).map_err(|why| protocol(format!("is {why}")))?;
    Ok(Arc::new(set))
}

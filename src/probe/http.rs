//! The http probe: one request (and its redirects), observed whole.

use super::ProbeError;
use crate::spec::model::{Environment, HttpProbe};
use std::net::SocketAddr;
use std::time::Duration;

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

pub struct HttpProber {}

impl HttpProber {
    pub fn new(_env: &Environment) -> HttpProber {
        HttpProber {}
    }

    pub async fn probe(
        &self,
        _probe: &HttpProbe,
        _timeout: Duration,
    ) -> Result<HttpObservation, ProbeError> {
        Err(ProbeError {
            kind: super::ProbeErrorKind::Protocol,
            message: "the http probe is being built".into(),
        })
    }
}

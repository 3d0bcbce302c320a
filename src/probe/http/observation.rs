//! What the http probe saw: the final response, the redirects before it, and the body or,
//! once it is judged, only its size, digest and first bytes.

use super::super::cert_facts::{ChainFacts, ReadCert};
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
    /// Why the final response, a redirect, was not followed although `follow_redirects` asked
    /// for it (an https → http downgrade); a note for people.
    pub not_followed: Option<String>,
    pub status: u16,
    /// "HTTP/1.1", "HTTP/2".
    pub version: String,
    /// Response headers in order, names lower-case, values as text (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The body, at most `body_limit` bytes; once judged (see [`HttpObservation::release_body`]),
    /// only its start, or nothing.
    pub body: Vec<u8>,
    /// Set once the body was let go after judging: its size and SHA-256 as received.
    pub body_digest: Option<BodyDigest>,
    /// The server sent more than `body_limit` bytes; reading stopped there.
    pub body_exceeded: Option<u64>,
    /// The leaf certificate the URL's own server presented (DER): the first one of the
    /// exchange, whatever the redirects that followed.
    pub peer_certificate: Option<Vec<u8>>,
    /// `peer_certificate` as read: see [`Self::peer_facts`].
    pub facts: ChainFacts,
    /// The address connected to (the proxy's, through a proxy).
    pub remote_addr: Option<SocketAddr>,
    /// The proxy of the final request (the first when no redirect was followed), as shown:
    /// `http://127.0.0.1:3128 (HTTPS_PROXY)`; each hop's own is on the hop.
    pub proxy: Option<String>,
    /// From sending the first request to the end of the final body.
    pub elapsed: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectHop {
    pub url: String,
    pub status: u16,
    pub location: String,
    /// The proxy the request for `url` went through, as shown (None: straight to the
    /// server): `NO_PROXY` may send hops of one check different ways.
    pub proxy: Option<String>,
}

/// What is kept of a body that was let go: its size and SHA-256 (lower-case hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyDigest {
    pub size: usize,
    pub sha256: String,
}

impl HttpObservation {
    /// The server certificate as read (once, when first asked), if one was presented.
    pub fn peer_facts(&self) -> Option<&ReadCert> {
        let der = self.peer_certificate.as_ref()?;
        self.facts.of(std::slice::from_ref(der)).first()
    }

    /// Lets the body go once judged: keeps its size and SHA-256, and its first `keep` bytes
    /// (cut back to a UTF-8 character boundary), so that a run holds no whole bodies.
    pub fn release_body(&mut self, keep: usize) {
        use sha2::{Digest, Sha256};
        // A body no expectation reads was hashed as it arrived, and only its start kept.
        if self.body_digest.is_none() {
            let sha256 = Sha256::digest(&self.body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            self.body_digest = Some(BodyDigest {
                size: self.body.len(),
                sha256,
            });
        }
        if self.body.len() > keep {
            let mut cut = keep;
            // Back over at most three UTF-8 continuation bytes.
            while cut > 0 && keep - cut < 3 && self.body[cut] & 0xc0 == 0x80 {
                cut -= 1;
            }
            if self.body[cut] & 0xc0 == 0x80 {
                cut = keep;
            }
            self.body = self.body[..cut].to_vec();
        }
    }

    /// The size of the body as received, kept or not.
    pub fn body_size(&self) -> usize {
        self.body_digest
            .as_ref()
            .map_or(self.body.len(), |d| d.size)
    }

    /// All values of a header (name case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Each header as received, in order: its name and its value (invalid UTF-8 replaced).
pub(super) fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (n.as_str().to_string(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_body_keeps_its_size_digest_and_start() {
        let mut o = HttpObservation {
            body: "aé".repeat(3000).into_bytes(),
            ..HttpObservation::default()
        };
        o.release_body(1001);
        // Byte 1001 is the second of an "é" (bytes 1000-1001): cut back to 1000.
        assert_eq!(o.body.len(), 1000);
        assert!(std::str::from_utf8(&o.body).is_ok());
        assert_eq!(o.body_size(), 9000);
        let digest = o.body_digest.clone().expect("a digest");
        assert_eq!(digest.size, 9000);
        assert_eq!(digest.sha256.len(), 64);
        // Releasing again keeps the digest of the whole body and cuts what is kept further.
        o.release_body(0);
        assert!(o.body.is_empty());
        assert_eq!(o.body_digest, Some(digest));

        let mut passed = HttpObservation {
            body: vec![b'x'; 1 << 20],
            ..HttpObservation::default()
        };
        passed.release_body(0);
        assert!(passed.body.is_empty());
        assert_eq!(passed.body.capacity(), 0);
        assert_eq!(passed.body_size(), 1 << 20);
    }
}

//! The tls and cert probes through the binary: client certificates required under TLS 1.3
//! and 1.2, certificate expectations on a server's chain (expiry, names, issuer, EKU, key,
//! verification), an intermediate that expires first, ALPN, the handshake's errors, the
//! verbose handshake view, the cert probe on local files, and `list`.

use crate::harness::*;
use crate::support::*;
use rustls::SupportedProtocolVersion;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod cert_files;
mod client_certs;
mod handshake;
mod server_chain;

/// `2026-12-07T10:00:00Z`, as a verification failure names a certificate's notAfter.
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

// ---- client certificates -------------------------------------------------------------

/// When the certificate of every [`mtls_server`] ends.
fn mtls_server_cert_end() -> OffsetDateTime {
    whole_second(days_from_now(90))
}

/// A server for `chat.test` that requires a client certificate from `pki`'s client CA,
/// speaking `version` only, writing a greeting once a handshake is done; its certificate
/// ends at `not_after`.
async fn mtls_server(
    pki: &Pki,
    version: &'static SupportedProtocolVersion,
    not_after: OffsetDateTime,
) -> TlsServer {
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-1), not_after);
    TlsServer::start(
        TlsServerConfig::new(&chain, &key)
            .require_client_cert(&pki.client_ca_pem())
            .versions(&[version])
            .after(AfterHandshake::Greet),
    )
    .await
}

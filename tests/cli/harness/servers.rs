//! The loopback servers most tests start, and certificate times as reports print them.

use super::project::Project;
use crate::support::*;
use time::OffsetDateTime;
use time::macros::format_description;

// ---------------------------------------------------------------------------------------------
// Certificate times.

/// The whole second before `t`: what a certificate made with `t` as a bound says.
pub(crate) fn whole_second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).expect("nanosecond 0")
}

/// `2026-12-07 10:00:00 UTC`, as the judge shows a certificate's notAfter.
pub(crate) fn utc_text(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
    ))
    .expect("format")
}

// ---------------------------------------------------------------------------------------------
// Servers.

/// An HTTPS server for `chat.test` signed by `pki`'s CA.
pub(crate) async fn https(
    pki: &Pki,
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServer {
    TestServer::start(https_config(pki, &["chat.test"], handler)).await
}

/// The configuration of an HTTPS server for `names` signed by `pki`'s CA.
pub(crate) fn https_config(
    pki: &Pki,
    names: &[&str],
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServerConfig {
    let (chain, key) = pki.valid_server_cert(names);
    TestServerConfig::https(&chain, &key, handler)
}

pub(crate) async fn http(
    handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
) -> TestServer {
    TestServer::start(TestServerConfig::http(handler)).await
}

/// An HTTP server that answers every request with `response`, and a project whose environment
/// routes `chat.test:${port}` to it (see [`Project::prod_env`]).
pub(crate) async fn http_project(response: TestResponse) -> (TestServer, Project) {
    let server = http(move |_| response.clone()).await;
    let p = Project::with_prod_env(server.port(), None, "");
    (server, p)
}

pub(crate) fn json_app() -> TestResponse {
    TestResponse::ok(r#"{"status":"ok","items":[{"name":"a"},{"name":"b"}],"count":2}"#)
        .header("content-type", "application/json")
        .header("x-app", "conform-test")
}

pub(crate) fn paths(server: &TestServer) -> Vec<String> {
    let mut v: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    v.sort();
    v
}

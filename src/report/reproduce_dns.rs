//! Reproduce commands for the dns and tcp probes: `dig` and `nc`.

use crate::config::model::{DnsProbe, DnsProtocol, Environment, TcpProbe};

/// `dig @server -p port name TYPE [+tcp]`; without a server, dig asks the system's resolvers
/// (the environment's are named by the caller when it has them).
pub fn dig_command(probe: &DnsProbe, default_server: Option<std::net::SocketAddr>) -> String {
    let mut parts = vec!["dig".to_string()];
    if let Some(server) = probe.server.or(default_server) {
        parts.push(format!("@{}", server.ip()));
        if server.port() != 53 {
            parts.push(format!("-p {}", server.port()));
        }
    }
    parts.push(probe.name.clone());
    parts.push(probe.record_type.to_string());
    if probe.protocol == DnsProtocol::Tcp {
        parts.push("+tcp".into());
    }
    parts.join(" ")
}

/// `nc -vz -w SECONDS host port`, to the environment's fixed answer when it has one.
pub fn nc_command(probe: &TcpProbe, env: &Environment, timeout: std::time::Duration) -> String {
    let seconds = timeout.as_secs_f64().ceil().max(1.0) as u64;
    match env.resolve_fixed(&probe.host, probe.port) {
        Some(addr) => format!("nc -vz -w {seconds} {} {}", addr.ip(), addr.port()),
        None => format!("nc -vz -w {seconds} {} {}", probe.host, probe.port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::RecordType;

    #[test]
    fn dig_and_nc() {
        let p = DnsProbe {
            name: "nest.example.".into(),
            record_type: RecordType::CNAME,
            server: Some("127.0.0.1:5353".parse().unwrap()),
            protocol: DnsProtocol::Tcp,
        };
        assert_eq!(
            dig_command(&p, None),
            "dig @127.0.0.1 -p 5353 nest.example. CNAME +tcp"
        );
        let p = DnsProbe {
            server: None,
            protocol: DnsProtocol::Udp,
            ..p
        };
        assert_eq!(dig_command(&p, None), "dig nest.example. CNAME");
        assert_eq!(
            dig_command(&p, Some("1.1.1.1:53".parse().unwrap())),
            "dig @1.1.1.1 nest.example. CNAME"
        );
        let t = TcpProbe {
            host: "alb.example".into(),
            port: 22,
        };
        let mut env = Environment::named("test");
        let wait = std::time::Duration::from_millis(2500);
        assert_eq!(nc_command(&t, &env, wait), "nc -vz -w 3 alb.example 22");
        env.resolve.push(crate::config::model::ResolveRule {
            host: "alb.example".into(),
            port: None,
            to: "127.0.0.1".parse().unwrap(),
            to_port: Some(2222),
        });
        assert_eq!(nc_command(&t, &env, wait), "nc -vz -w 3 127.0.0.1 2222");
    }
}

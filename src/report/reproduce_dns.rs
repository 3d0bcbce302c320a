//! Reproduce commands for the dns and tcp probes: `dig` and `nc`.

use crate::spec::model::{DnsProbe, DnsProtocol, TcpProbe};

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

/// `nc -vz -w SECONDS host port`.
pub fn nc_command(probe: &TcpProbe, timeout: std::time::Duration) -> String {
    let seconds = timeout.as_secs_f64().ceil().max(1.0) as u64;
    format!("nc -vz -w {seconds} {} {}", probe.host, probe.port)
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
        assert_eq!(
            nc_command(&t, std::time::Duration::from_millis(2500)),
            "nc -vz -w 3 alb.example 22"
        );
    }
}

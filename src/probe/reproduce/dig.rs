//! `dig` for the dns probe and `nc` for the tcp probe.

use super::{FixedAnswers, ShellCommand};
use crate::config::model::{DnsProbe, DnsProtocol, Environment, TcpProbe};
use std::time::Duration;

/// `dig @server -p port name TYPE [+tcp]`; without a server, dig asks the system's resolvers
/// (the environment's are named by the caller when it has them).
pub fn dig_command(probe: &DnsProbe, default_server: Option<std::net::SocketAddr>) -> ShellCommand {
    let mut args = ShellCommand::new("dig");
    if let Some(server) = probe.server.or(default_server) {
        args.push(format!("@{}", server.ip()));
        if server.port() != 53 {
            args.push("-p");
            args.push(server.port().to_string());
        }
    }
    args.push_raw(probe.name.as_str());
    args.push(probe.record_type.to_string());
    if probe.protocol == DnsProtocol::Tcp {
        args.push("+tcp");
    }
    args
}

/// `nc -vz -w SECONDS host port`, to the environment's fixed answer when it has one.
pub fn nc_command(probe: &TcpProbe, env: &Environment, timeout: Duration) -> ShellCommand {
    nc(probe, &FixedAnswers::of(env), timeout)
}

pub(super) fn nc(probe: &TcpProbe, answers: &FixedAnswers<'_>, timeout: Duration) -> ShellCommand {
    let seconds = timeout.as_secs_f64().ceil().max(1.0) as u64;
    let mut args = ShellCommand::new("nc");
    args.push_family(probe.ip);
    let mut args = args.arg("-vz").arg("-w").arg(seconds.to_string());
    match answers.resolve_fixed(&probe.host, probe.port) {
        Some(addr) => {
            args.push(addr.ip().to_string());
            args.push(addr.port().to_string());
        }
        None => {
            args.push_raw(probe.host.as_str());
            args.push(probe.port.to_string());
        }
    }
    args
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
            dig_command(&p, None).to_string(),
            "dig @127.0.0.1 -p 5353 nest.example. CNAME +tcp"
        );
        let p = DnsProbe {
            server: None,
            protocol: DnsProtocol::Udp,
            ..p
        };
        assert_eq!(dig_command(&p, None).to_string(), "dig nest.example. CNAME");
        assert_eq!(
            dig_command(&p, Some("1.1.1.1:53".parse().unwrap())).to_string(),
            "dig @1.1.1.1 nest.example. CNAME"
        );
        let t = TcpProbe {
            host: "alb.example".into(),
            port: 22,
            ip: crate::config::model::IpFamily::Any,
            addresses: crate::config::model::AddressMode::One,
        };
        let mut env = Environment::named("test");
        let wait = std::time::Duration::from_millis(2500);
        assert_eq!(
            nc_command(&t, &env, wait).to_string(),
            "nc -vz -w 3 alb.example 22"
        );
        env.resolve.push(crate::config::model::ResolveRule {
            host: "alb.example".into(),
            port: None,
            to: "127.0.0.1".parse().unwrap(),
            to_port: Some(2222),
        });
        assert_eq!(
            nc_command(&t, &env, wait).to_string(),
            "nc -vz -w 3 127.0.0.1 2222"
        );
    }
}

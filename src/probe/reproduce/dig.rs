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
    let mut args = match &probe.dialogue {
        // `printf '%s\r\n' 'EHLO conform' | nc -w 10 host port`, or the banner alone.
        Some(d) if !d.send.is_empty() => {
            let (format, words) = printf_args(&d.send);
            let mut printf = ShellCommand::new("printf").arg(format);
            for word in words {
                printf.push(word);
            }
            printf.push_raw("|");
            printf.push_raw("nc");
            printf.push_family(probe.ip);
            printf
        }
        Some(_) => {
            let mut nc = ShellCommand::new("nc");
            nc.push_family(probe.ip);
            nc
        }
        None => {
            let mut nc = ShellCommand::new("nc");
            nc.push_family(probe.ip);
            nc.arg("-vz")
        }
    };
    args.push("-w");
    args.push(seconds.to_string());
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
    if probe.dialogue.as_ref().is_some_and(|d| d.send.is_empty()) {
        args.push_raw("</dev/null");
    }
    args
}

/// `bytes` as printf's arguments: a format and the words it prints. Each run of printable
/// text is one `%s` word, taken as it is (so that a secret in it stands in a word of its own
/// and is shown as its variable), and every control or non-UTF-8 byte is an escape in the
/// format: `\r`, `\n`, `\t`, else octal.
fn printf_args(bytes: &[u8]) -> (String, Vec<String>) {
    let mut format = String::new();
    let mut words = Vec::new();
    let escape = |format: &mut String, b: u8| match b {
        b'\r' => format.push_str("\\r"),
        b'\n' => format.push_str("\\n"),
        b'\t' => format.push_str("\\t"),
        _ => format.push_str(&format!("\\{b:03o}")),
    };
    for chunk in bytes.utf8_chunks() {
        let mut text = String::new();
        for c in chunk.valid().chars() {
            if c.is_ascii_control() {
                if !text.is_empty() {
                    format.push_str("%s");
                    words.push(std::mem::take(&mut text));
                }
                escape(&mut format, c as u8);
            } else {
                text.push(c);
            }
        }
        if !text.is_empty() {
            format.push_str("%s");
            words.push(text);
        }
        for &b in chunk.invalid() {
            escape(&mut format, b);
        }
    }
    (format, words)
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
            dialogue: None,
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

    /// A dialogue pipes its bytes into nc: printable text as `%s` words taken as they are,
    /// control and non-UTF-8 bytes as escapes of the format; a banner reads with no input.
    #[test]
    fn nc_with_a_dialogue() {
        let mut t = TcpProbe {
            host: "mail.example".into(),
            port: 25,
            dialogue: Some(crate::config::model::TcpDialogue {
                send: b"EHLO 100%\\ 'x'\t\x00\xff\r\n".to_vec(),
                ..Default::default()
            }),
            ip: crate::config::model::IpFamily::Any,
            addresses: crate::config::model::AddressMode::One,
        };
        let env = Environment::named("test");
        let wait = std::time::Duration::from_secs(10);
        assert_eq!(
            nc_command(&t, &env, wait).to_string(),
            r"printf '%s\t\000\377\r\n' 'EHLO 100%\ '\''x'\''' | nc -w 10 mail.example 25"
        );
        assert_eq!(
            printf_args("a\r\nb é\n".as_bytes()),
            (
                r"%s\r\n%s\n".to_string(),
                vec!["a".to_string(), "b é".to_string()]
            )
        );
        t.dialogue = Some(Default::default());
        assert_eq!(
            nc_command(&t, &env, wait).to_string(),
            "nc -w 10 mail.example 25 </dev/null"
        );
    }
}

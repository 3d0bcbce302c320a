use super::*;
use crate::config::model::{
    CertProbe, ClientIdentity, ConnectTo, HttpProbe, RequestBody, TlsProbe, TlsVersion,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

fn env(resolve: Vec<ResolveRule>) -> Environment {
    Environment {
        resolve,
        ..Environment::named("test")
    }
}

fn probe(url: &str) -> HttpProbe {
    HttpProbe::get(Url::parse(url).unwrap())
}

fn rule(host: &str, port: Option<u16>, to: &str, to_port: Option<u16>) -> ResolveRule {
    ResolveRule {
        host: host.into(),
        port,
        to: to.parse().unwrap(),
        to_port,
    }
}

#[test]
fn plain_get() {
    assert_eq!(
        curl_command(&probe("https://chat.example/"), &env(vec![])).to_string(),
        "curl -sS -i --max-time 10 https://chat.example/"
    );
}

#[test]
fn post_json_with_headers_and_redirects() {
    let mut p = probe("https://api.example/v1/graphql?x=1&y=2");
    p.method = reqwest::Method::POST;
    p.headers = vec![
        ("authorization".into(), "Bearer t0k'en".into()),
        ("x-empty".into(), String::new()),
    ];
    p.body = Some(RequestBody::Json(
        serde_json::json!({"query": "{ __typename }"}),
    ));
    p.follow_redirects = 3;
    assert_eq!(
        curl_command_with_timeout(&p, &env(vec![]), Duration::from_millis(2500)).to_string(),
        "curl -sS -i -X POST -H 'authorization: Bearer t0k'\\''en' -H 'x-empty;' \
         -H 'content-type: application/json' --data-raw '{\"query\":\"{ __typename }\"}' \
         -L --max-redirs 3 --max-time 2.5 'https://api.example/v1/graphql?x=1&y=2'"
    );
}

#[test]
fn text_body_keeps_method_and_no_form_content_type() {
    let mut p = probe("http://h.example:8080/x");
    p.body = Some(RequestBody::Text("a b".into()));
    assert_eq!(
        curl_command(&p, &env(vec![])).to_string(),
        "curl -sS -i -X GET -H Content-Type: --data-raw 'a b' --max-time 10 \
         http://h.example:8080/x"
    );
}

#[test]
fn head_uses_dash_i() {
    let mut p = probe("https://h.example/");
    p.method = reqwest::Method::HEAD;
    assert_eq!(
        curl_command(&p, &env(vec![])).to_string(),
        "curl -sS -i -I --max-time 10 https://h.example/"
    );
}

#[test]
fn connect_to_and_resolve_rules() {
    let mut p = probe("https://chat.example/");
    p.connect_to = Some(ConnectTo {
        host: "alb.example".into(),
        port: Some(8443),
    });
    let e = env(vec![
        rule("alb.example", None, "10.0.0.1", None),
        rule("chat.example", None, "10.0.0.9", None),
    ]);
    assert_eq!(
        curl_command(&p, &e).to_string(),
        "curl -sS -i --connect-to chat.example:443:alb.example:8443 \
         --resolve alb.example:8443:10.0.0.1 --max-time 10 https://chat.example/"
    );
}

#[test]
fn resolve_rules_for_the_url_host() {
    let p = probe("https://chat.example/");
    let e = env(vec![
        rule("chat.example", None, "127.0.0.10", None),
        rule("chat.example", Some(8443), "::1", Some(9443)),
        rule("other.example", None, "127.0.0.11", None),
    ]);
    assert_eq!(
        curl_command(&p, &e).to_string(),
        "curl -sS -i --resolve chat.example:443:127.0.0.10 \
         --connect-to 'chat.example:8443:[::1]:9443' --max-time 10 https://chat.example/"
    );
}

#[test]
fn tls_options() {
    let mut p = probe("https://chat.example:8443/");
    p.tls = std::sync::Arc::new(TlsOptions {
        verify: false,
        extra_roots: Vec::new(),
        ca_files: vec![PathBuf::from("pki/ca.pem")],
        client_identity: Some(ClientIdentity {
            cert_file: PathBuf::from("pki/client cert.pem"),
            key_file: PathBuf::from("pki/client.key"),
            chain: Vec::new(),
            key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![0u8]))),
        }),
        sni: Some("other.example".into()),
        versions: vec![TlsVersion::V1_3, TlsVersion::V1_2],
    });
    assert_eq!(
        curl_command(&p, &env(vec![])).to_string(),
        "curl -sS -i -H 'Host: chat.example:8443' \
         --connect-to other.example:8443:chat.example:8443 -k --cacert pki/ca.pem \
         --cert 'pki/client cert.pem' --key pki/client.key --tlsv1.2 --tls-max 1.3 \
         --max-time 10 https://other.example:8443/"
    );
}

#[test]
fn several_ca_files_are_joined() {
    let mut p = probe("https://h.example/");
    std::sync::Arc::make_mut(&mut p.tls).ca_files = vec![PathBuf::from("a.pem")];
    let mut e = env(vec![]);
    e.ca_files = vec![PathBuf::from("a.pem"), PathBuf::from("b c.pem")];
    std::sync::Arc::make_mut(&mut p.tls).versions = vec![TlsVersion::V1_3];
    assert_eq!(
        curl_command(&p, &e).to_string(),
        "curl -sS -i --cacert <(cat a.pem 'b c.pem') --tlsv1.3 --tls-max 1.3 \
         --max-time 10 https://h.example/"
    );
}

fn tls_probe(host: &str, port: u16, sni: &str) -> TlsProbe {
    TlsProbe {
        host: host.into(),
        port,
        sni: sni.into(),
        alpn: Vec::new(),
        tls: Default::default(),
        starttls: None,
        ip: crate::config::model::IpFamily::Any,
        addresses: crate::config::model::AddressMode::One,
    }
}

#[test]
fn openssl_plain_handshake() {
    assert_eq!(
        openssl_command(
            &tls_probe("chat.example", 443, "chat.example"),
            &env(vec![])
        )
        .to_string(),
        "openssl s_client -connect chat.example:443 -servername chat.example \
         -verify_return_error -verify_hostname chat.example </dev/null"
    );
}

#[test]
fn openssl_speaks_the_starttls_upgrade() {
    for protocol in crate::config::model::Starttls::ALL {
        let mut p = tls_probe("mail.example", 587, "mail.example");
        p.starttls = Some(protocol);
        assert_eq!(
            openssl_command(&p, &env(vec![])).to_string(),
            format!(
                "openssl s_client -connect mail.example:587 -starttls {} -servername \
                 mail.example -verify_return_error -verify_hostname mail.example </dev/null",
                protocol.as_str()
            )
        );
    }
}

#[test]
fn openssl_with_every_option() {
    let mut p = tls_probe("alb.example", 8443, "chat.example");
    p.alpn = vec!["h2".into(), "http/1.1".into()];
    p.tls = std::sync::Arc::new(TlsOptions {
        verify: false,
        extra_roots: Vec::new(),
        ca_files: vec![PathBuf::from("pki/ca.pem")],
        client_identity: Some(ClientIdentity {
            cert_file: PathBuf::from("pki/client cert.pem"),
            key_file: PathBuf::from("pki/client.key"),
            chain: Vec::new(),
            key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![0u8]))),
        }),
        sni: None,
        versions: vec![TlsVersion::V1_3],
    });
    let e = env(vec![rule("alb.example", None, "10.0.0.1", None)]);
    assert_eq!(
        openssl_command(&p, &e).to_string(),
        "openssl s_client -connect 10.0.0.1:8443 -servername chat.example \
         -alpn h2,http/1.1 -tls1_3 -cert 'pki/client cert.pem' -key pki/client.key \
         -CAfile pki/ca.pem </dev/null"
    );
}

#[test]
fn openssl_versions_trust_and_addresses() {
    let mut p = tls_probe("::1", 443, "10.0.0.7");
    std::sync::Arc::make_mut(&mut p.tls).versions = vec![TlsVersion::V1_2, TlsVersion::V1_3];
    std::sync::Arc::make_mut(&mut p.tls).ca_files = vec![PathBuf::from("a.pem")];
    let mut e = env(vec![rule("other.example", None, "10.0.0.1", None)]);
    e.ca_files = vec![PathBuf::from("a.pem"), PathBuf::from("b c.pem")];
    assert_eq!(
        openssl_command(&p, &e).to_string(),
        "openssl s_client -connect '[::1]:443' -noservername \
         -CAfile <(cat a.pem 'b c.pem') -verify_return_error -verify_ip 10.0.0.7 </dev/null"
    );
    // A port-specific rule, to another port.
    let p = tls_probe("chat.example", 443, "chat.example");
    let e = env(vec![rule("chat.example", Some(443), "::1", Some(9443))]);
    assert!(
        openssl_command(&p, &e)
            .to_string()
            .starts_with("openssl s_client -connect '[::1]:9443' -servername chat.example ")
    );
}

#[test]
fn openssl_x509_shows_the_judged_fields() {
    let p = CertProbe {
        file: PathBuf::from("pki/aop client.pem"),
        tls: Default::default(),
    };
    assert_eq!(
        openssl_x509_command(&p, &env(vec![])).to_string(),
        "openssl x509 -noout -subject -issuer -dates -ext subjectAltName,extendedKeyUsage \
         -in 'pki/aop client.pem' && openssl verify -untrusted 'pki/aop client.pem' \
         'pki/aop client.pem'"
    );
    let p = CertProbe {
        file: PathBuf::from("leaf.pem"),
        tls: std::sync::Arc::new(TlsOptions {
            ca_files: vec![PathBuf::from("ca.pem")],
            ..TlsOptions::default()
        }),
    };
    assert!(
        openssl_x509_command(&p, &env(vec![]))
            .to_string()
            .ends_with(
                " -in leaf.pem && openssl verify -CAfile ca.pem -untrusted leaf.pem leaf.pem"
            )
    );
}

#[test]
fn quoting() {
    assert_eq!(quote("plain-text_1.2:3/x"), "plain-text_1.2:3/x");
    assert_eq!(quote(""), "''");
    assert_eq!(quote("it's"), r"'it'\''s'");
    assert_eq!(quote("$HOME"), "'$HOME'");
}

#[test]
fn words_are_quoted_and_shell_syntax_is_not() {
    let mut command = ShellCommand::new("openssl").arg("s_client").arg("a b");
    command.push_raw("</dev/null");
    assert_eq!(command.to_string(), "openssl s_client 'a b' </dev/null");
    assert_eq!(command.program(), "openssl");
    assert_eq!(
        command.args(),
        &[
            ShellArg::Word("s_client".into()),
            ShellArg::Word("a b".into()),
            ShellArg::Raw("</dev/null".into()),
        ]
    );
}

/// A name only the environment's resolvers know: the address reached is a fixed answer, unless
/// a `resolve:` rule answers already or the environment names no resolvers; a `resolve:` list
/// gives the address reached when it is not the list's first.
#[test]
fn the_address_reached_is_given_when_only_the_resolvers_know_the_name() {
    use crate::probe::{ConnectOutcome, TcpObservation};
    let tcp = crate::config::model::TcpProbe {
        host: "db.internal".into(),
        port: 5432,
        dialogue: None,
        ip: crate::config::model::IpFamily::Any,
        addresses: crate::config::model::AddressMode::One,
    };
    let probe = Probe::Tcp(&tcp);
    let seen = Observation::Tcp(TcpObservation {
        target: "10.0.0.5:5432".into(),
        outcome: ConnectOutcome::Refused,
        elapsed: Duration::from_millis(3),
        exchange: None,
    });
    let wait = Duration::from_secs(2);
    let mut e = env(vec![]);
    assert_eq!(
        command(probe, &e, wait, Some(&seen)).to_string(),
        "nc -vz -w 2 db.internal 5432"
    );
    e.resolvers = vec!["127.0.0.1:5353".parse().unwrap()];
    assert_eq!(
        command(probe, &e, wait, Some(&seen)).to_string(),
        "nc -vz -w 2 10.0.0.5 5432"
    );
    assert_eq!(
        command(probe, &e, wait, None).to_string(),
        "nc -vz -w 2 db.internal 5432"
    );
    e.resolve = vec![rule("db.internal", None, "10.0.0.9", None)];
    assert_eq!(
        command(probe, &e, wait, Some(&seen)).to_string(),
        "nc -vz -w 2 10.0.0.9 5432"
    );
    // A `resolve:` list: the address reached, when it is not the first of the list.
    e.resolve.push(rule("db.internal", None, "10.0.0.5", None));
    assert_eq!(
        command(probe, &e, wait, Some(&seen)).to_string(),
        "nc -vz -w 2 10.0.0.5 5432"
    );
}

#[test]
fn an_http_url_gets_no_tls_options() {
    let mut p = probe("http://h.example/");
    std::sync::Arc::make_mut(&mut p.tls).verify = false;
    std::sync::Arc::make_mut(&mut p.tls).ca_files = vec![PathBuf::from("ca.pem")];
    assert_eq!(
        curl_command(&p, &env(vec![])).to_string(),
        "curl -sS -i --max-time 10 http://h.example/"
    );
    p.follow_redirects = 2;
    assert_eq!(
        curl_command(&p, &env(vec![])).to_string(),
        "curl -sS -i -L --max-redirs 2 -k --cacert ca.pem --max-time 10 http://h.example/"
    );
}

#[test]
fn a_secret_is_a_reference_to_its_variable() {
    let mut secrets = crate::config::model::Secrets::default();
    secrets.insert("TOKEN", "s3cr3t-t0ken");
    secrets.insert("PIN", "ab");
    let cmd = ShellCommand::new("curl")
        .arg("authorization: Bearer s3cr3t-t0ken")
        .arg("s3cr3t-t0ken")
        .arg("tab ab")
        .arg("it's s3cr3t-t0ken's");
    assert_eq!(
        cmd.to_shell(&secrets),
        r#"curl 'authorization: Bearer '"${TOKEN}" "${TOKEN}" 'tab '"${PIN}" 'it'\''s '"${TOKEN}"''\''s'"#
    );
}

/// The proxy a probe goes through is in its curl command: `-x URL`, the variable itself when
/// it holds a password, `--noproxy '*'` when the probe went direct although a proxy is set.
#[test]
fn curl_carries_the_proxy() {
    use crate::config::model::{ProxyConfig, ProxySetting, ProxyVars};
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        ProxyVars::read(&|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    };
    let with = |vars: ProxyVars| Environment {
        proxy: ProxyConfig {
            setting: None,
            vars,
        },
        ..Environment::named("test")
    };
    let p = probe("https://chat.example/");
    let plain = with(vars(&[("HTTPS_PROXY", "proxy.corp:3128")]));
    assert_eq!(
        curl_command(&p, &plain).to_string(),
        "curl -sS -i -x http://proxy.corp:3128 --max-time 10 https://chat.example/"
    );
    let secret = with(vars(&[("https_proxy", "http://ci:pw@proxy.corp:3128")]));
    assert_eq!(
        curl_command(&p, &secret).to_string(),
        "curl -sS -i -x \"${https_proxy}\" --max-time 10 https://chat.example/"
    );
    let bypassed = with(vars(&[
        ("HTTPS_PROXY", "proxy.corp:3128"),
        ("NO_PROXY", ".example"),
    ]));
    assert_eq!(
        curl_command(&p, &bypassed).to_string(),
        "curl -sS -i --noproxy '*' --max-time 10 https://chat.example/"
    );
    let mut own = probe("https://chat.example/");
    own.proxy = Some(Box::new(ProxySetting::Via(
        url::Url::parse("http://own.proxy:8080").unwrap(),
    )));
    assert_eq!(
        curl_command(&own, &bypassed).to_string(),
        "curl -sS -i -x http://own.proxy:8080 --noproxy '' --max-time 10 https://chat.example/"
    );
    let mut off = probe("https://chat.example/");
    off.proxy = Some(Box::new(ProxySetting::Off));
    assert_eq!(
        curl_command(&off, &plain).to_string(),
        "curl -sS -i --noproxy '*' --max-time 10 https://chat.example/"
    );
    assert_eq!(
        curl_command(&off, &env(vec![])).to_string(),
        "curl -sS -i --noproxy '*' --max-time 10 https://chat.example/"
    );
    assert_eq!(
        curl_command(&p, &env(vec![])).to_string(),
        "curl -sS -i --max-time 10 https://chat.example/"
    );
}

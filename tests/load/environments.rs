//! Environments: `extends`, variables and secrets resolved or deferred to the checks that need
//! them, cycles, and `envs:` on a check.

use super::Project;
use conform::config::model::Probe;
use std::time::Duration;

#[test]
fn environments_extend_and_resolve_variables() {
    let p = Project::new(&[
        (
            "environments/base.yaml",
            "vars: { chat_host: base.test, try: https://try.test }\ndefaults: { timeout: 7s, retries: 1 }\nresolve: { chat.test: 127.0.0.1 }\n",
        ),
        (
            "environments/prod.yaml",
            "extends: base\nvars: { chat_host: chat.test, alb: '${env:ALB_HOST}', token: '${secret:HASURA_TOKEN}' }\nresolve: { 'chat.test:443': '127.0.0.2:8443' }\nconcurrency: 8\n",
        ),
        (
            "checks/chat.yaml",
            "checks:\n  - name: a\n    http: { url: 'https://${chat_host}/${alb}', headers: { authorization: 'Bearer ${token}' } }\n    expect: { headers: { location: '${try}' } }\n",
        ),
    ]);
    let plan = p.load("prod").expect("loads");
    assert_eq!(plan.env.name, "prod");
    assert_eq!(plan.env.concurrency, 8);
    assert_eq!(plan.env.host_concurrency, 4);
    assert_eq!(plan.env.defaults.timeout, Duration::from_secs(7));
    assert_eq!(plan.checks[0].timeout, Duration::from_secs(7));
    assert_eq!(plan.checks[0].retries, 1);
    assert_eq!(
        plan.env.resolve_fixed("chat.test", 443),
        Some("127.0.0.2:8443".parse().expect("addr"))
    );
    assert_eq!(
        plan.env.resolve_fixed("chat.test", 80),
        Some("127.0.0.1:80".parse().expect("addr"))
    );
    let Probe::Http(h) = plan.checks[0].kind.probe() else {
        panic!("an http probe")
    };
    assert_eq!(h.url.as_str(), "https://chat.test/alb.test");
    assert_eq!(
        h.headers,
        [("authorization".to_string(), "Bearer tok-123".to_string())]
    );
    assert_eq!(
        plan.secrets.redact("Bearer tok-123"),
        "Bearer [redacted:HASURA_TOKEN]"
    );
}

#[test]
fn missing_secrets_are_deferred_to_the_checks_that_need_them() {
    let p = Project::new(&[
        (
            "environments/prod.yaml",
            "vars: { token: '${secret:NOT_SET}' }\n",
        ),
        (
            "checks/a.yaml",
            "checks:\n  - name: needs it\n    http: { url: 'https://x/', headers: { authorization: '${token}' } }\n    expect: { status: 200 }\n  - name: does not\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n",
        ),
    ]);
    let plan = p.load("prod").expect("loads");
    assert_eq!(plan.checks[1].unresolved.len(), 0);
    let u: Vec<String> = plan.checks[0]
        .unresolved
        .iter()
        .map(|d| {
            d.to_string()
                .replace(&format!("{}/", p.path().display()), "")
        })
        .collect();
    assert_eq!(u.len(), 1);
    assert!(u[0].starts_with("checks/a.yaml:3:58: secret `NOT_SET` is not set (needed by `${secret:NOT_SET}`) (in `vars.token` of "), "{u:?}");
}

#[test]
fn extends_cycles_and_unknown_environments() {
    let p = Project::new(&[
        ("environments/a.yaml", "extends: b\n"),
        ("environments/b.yaml", "extends: a\n"),
        (
            "checks/x.yaml",
            "checks:\n  - name: x\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n",
        ),
    ]);
    let errors = p.load("a").unwrap_err();
    assert_eq!(
        errors,
        [
            "environments/b.yaml:1:10: `extends` makes a cycle: a -> b -> a; expected a chain of environments that ends"
        ]
    );
    let errors = p.load("prod").unwrap_err();
    // The folder as a whole: no made-up position.
    assert_eq!(
        errors,
        [
            "environments: environment `prod` not found: there is no environments/prod.yaml; expected one of: a, b"
        ]
    );
}

#[test]
fn envs_limits_a_check_to_its_environments() {
    let p = Project::new(&[
        ("environments/prod.yaml", ""),
        ("environments/dev.yaml", ""),
        (
            "checks/x.yaml",
            "checks:\n  - name: prod only\n    envs: [prod]\n    http: { url: 'https://${only_in_prod}/' }\n    expect: { status: 200 }\n  - name: everywhere\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n",
        ),
    ]);
    let dev = p
        .load("dev")
        .expect("dev loads: the prod-only check is not resolved there");
    assert_eq!(dev.checks.len(), 1);
    assert_eq!(dev.checks[0].name, "everywhere");
    assert!(p.load("prod").is_err());
}

#[test]
fn unset_file_paths_are_deferred_like_any_missing_value() {
    let p = Project::new(&[
        (
            "environments/prod.yaml",
            "vars: { cert: '${secret:ORIGIN_CERT}', key: '${secret:ORIGIN_KEY}' }\n",
        ),
        (
            "checks/origin.yaml",
            "checks:\n  - name: served with the origin certificate\n    http: { url: 'https://x/', tls: { client_cert: '${cert}', client_key: '${key}' } }\n    expect: { status: 200 }\n  - name: the origin certificate\n    cert: { file: '${cert}' }\n    expect: { cert: { eku: { contains: clientAuth } } }\n  - name: other\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n",
        ),
    ]);
    let plan = p
        .load("prod")
        .expect("loads: the missing values only matter to checks that run");
    assert_eq!(plan.checks.len(), 3);
    assert_eq!(plan.checks[0].unresolved.len(), 2);
    assert_eq!(plan.checks[1].unresolved.len(), 1);
    assert!(plan.checks[2].unresolved.is_empty());
    assert!(
        plan.checks[0].unresolved[0]
            .message
            .starts_with("secret `ORIGIN_CERT` is not set"),
        "{:?}",
        plan.checks[0].unresolved
    );
}

/// A `resolve:` answer may be a list: every address in the order written, the `host:port`
/// rules' when there are some; a child's list for a host replaces its parent's whole.
#[test]
fn resolve_lists_keep_their_order_and_a_child_replaces_them_whole() {
    let p = Project::new(&[
        (
            "environments/base.yaml",
            "resolve: { edge.test: [127.0.0.2, 127.0.0.3, 127.0.0.4], other.test: [127.0.0.5, 127.0.0.6] }\n",
        ),
        (
            "environments/prod.yaml",
            "extends: base\nresolve: { edge.test: [127.0.0.8, \"[::1]\"], 'edge.test:443': ['127.0.0.9:8443'] }\n",
        ),
        (
            "checks/a.yaml",
            "checks:\n  - name: a\n    tcp: { host: edge.test, port: 1 }\n    expect: { connect: refused }\n",
        ),
    ]);
    let plan = p.load("prod").expect("loads");
    let addrs = |list: &[&str]| -> Vec<std::net::SocketAddr> {
        list.iter().map(|a| a.parse().expect("addr")).collect()
    };
    assert_eq!(
        plan.env.resolve_fixed_all("edge.test", 80),
        addrs(&["127.0.0.8:80", "[::1]:80"])
    );
    assert_eq!(
        plan.env.resolve_fixed_all("Edge.Test.", 443),
        addrs(&["127.0.0.9:8443"])
    );
    assert_eq!(
        plan.env.resolve_fixed_all("other.test", 22),
        addrs(&["127.0.0.5:22", "127.0.0.6:22"])
    );
    assert_eq!(
        plan.env.resolve_fixed("other.test", 22),
        Some("127.0.0.5:22".parse().expect("addr"))
    );
    assert!(plan.env.resolve_fixed_all("none.test", 22).is_empty());
}

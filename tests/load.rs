//! Loading check and environment files: every error with its file:line:column, what was
//! expected, and all of them at once.

use conform::config::load::load_plan;
use conform::config::model::{Plan, Probe};
use std::path::Path;
use std::time::Duration;

struct Project(tempfile::TempDir);

impl Project {
    fn new(files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        Project(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn load(&self, env: &str) -> Result<Plan, Vec<String>> {
        load_plan(self.path(), env, &getenv).map_err(|errors| {
            let prefix = format!("{}/", self.path().display());
            errors
                .iter()
                .map(|e| e.to_string().replace(&prefix, ""))
                .collect()
        })
    }
}

fn getenv(name: &str) -> Option<String> {
    match name {
        "ALB_HOST" => Some("alb.test".into()),
        "HASURA_TOKEN" => Some("tok-123".into()),
        _ => None,
    }
}

const ENV: &str = "vars: { chat_host: chat.test }\n";

fn one_file(check_yaml: &str) -> Result<Plan, Vec<String>> {
    Project::new(&[
        ("environments/prod.yaml", ENV),
        ("checks/chat.yaml", check_yaml),
    ])
    .load("prod")
}

#[test]
fn a_valid_file_loads_with_defaults_merged() {
    let plan = one_file(
        "suite: chat\ndefaults:\n  tags: [chat]\n  timeout: 5s\nchecks:\n  - name: Root redirects!\n    tags: [gate]\n    retries: 2\n    http: { url: 'https://${chat_host}/' }\n    expect: { status: 302, headers: { location: https://try.test } }\n",
    )
    .expect("loads");
    assert_eq!(plan.checks.len(), 1);
    let c = &plan.checks[0];
    assert_eq!(c.id, "chat/root-redirects");
    assert_eq!(c.suite, "chat");
    assert_eq!(c.tags, ["chat", "gate"]);
    assert_eq!(c.timeout, Duration::from_secs(5));
    assert_eq!(c.retries, 2);
    assert_eq!(c.retry_delay, Duration::from_secs(1));
    assert_eq!(c.line, 6);
    let Probe::Http(h) = c.kind.probe() else {
        panic!("an http probe")
    };
    assert_eq!(h.url.as_str(), "https://chat.test/");
    assert_eq!(h.body_limit, 1 << 20);
    assert_eq!(h.follow_redirects, 0);
}

#[test]
fn misspelt_key_is_located_and_corrected() {
    let errors = one_file(
        "checks:\n  - name: a\n    http: { url: 'https://x/' }\n    expect:\n      stauts: 302\n",
    )
    .unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:5:7: unknown key `stauts` in the expect; did you mean `status`? expected one of: status, headers, body, cert, time"
        ]
    );
}

#[test]
fn every_error_of_every_file_is_listed() {
    let p = Project::new(&[
        ("environments/prod.yaml", ENV),
        (
            "checks/a.yaml",
            "checks:\n  - name: one\n    timout: 5s\n    http: { url: 'https://${chat_hots}/' }\n    expect: { status: 200 }\n  - name: two\n    http: { url: 'not a url' }\n    expect: { body: { matches: '(' } }\n",
        ),
        (
            "checks/b.yaml",
            "checks:\n  - name: three\n    retries: many\n    http: { url: 'https://x/', follow_redirects: maybe }\n    expect: { time: { lt: 2 parsecs } }\n",
        ),
    ]);
    let errors = p.load("prod").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/a.yaml:3:5: unknown key `timout` in the check; did you mean `timeout`? expected one of: name, id, tags, envs, pending, timeout, retries, retry_delay, http, tls, dns, tcp, cert, expect",
            "checks/a.yaml:4:18: unknown variable `${chat_hots}`; did you mean `${chat_host}`? the environment's vars are: chat_host",
            "checks/a.yaml:7:18: `not a url` is not a valid URL: relative URL without a base; expected a URL such as https://host:port/path?query",
            "checks/a.yaml:8:32: the regex /(/ for `body` is invalid: unclosed group; expected a valid regular expression (Rust regex syntax); escape special characters with \\",
            "checks/b.yaml:3:14: `retries` is `many`; expected a whole number from 0 to 100",
            "checks/b.yaml:4:50: `follow_redirects` is `maybe`; expected a whole number from 0 to 100",
            "checks/b.yaml:5:27: `2 parsecs` for `time` is not a number, duration or size (unknown time unit \"parsecs\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)); expected a number (200), a duration (2s, 21d) or a size (1MiB)",
        ]
    );
}

#[test]
fn malformed_yaml_has_a_position() {
    let errors = one_file(
        "checks:\n  - name: a\n    http: { url: 'https://x/'\n    expect: { status: 200 }\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("checks/chat.yaml:"), "{errors:?}");
    assert!(errors[0].contains("invalid YAML"), "{errors:?}");
}

#[test]
fn duplicate_yaml_keys_are_errors() {
    let errors = one_file("checks:\n  - name: a\n    name: b\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("checks/chat.yaml:3:"), "{errors:?}");
    assert!(errors[0].to_lowercase().contains("duplicate"), "{errors:?}");
}

#[test]
fn duplicate_check_names_in_a_suite() {
    let errors = one_file("checks:\n  - name: same\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n  - name: same\n    http: { url: 'https://y/' }\n    expect: { status: 200 }\n").unwrap_err();
    assert_eq!(
        errors,
        ["checks/chat.yaml:5:1: check name `same` is used twice in suite `chat` (first at CHECKS/chat.yaml:2); expected a unique name for each check of a suite"
            .replace("CHECKS/", "checks/")]
    );
}

#[test]
fn bad_jsonpath_duration_size_and_missing_file() {
    let errors = one_file(
        "checks:\n  - name: a\n    timeout: 10\n    http:\n      url: 'https://x/'\n      body_limit: lots\n      tls: { ca_file: ../pki/nope.pem }\n    expect:\n      body: { json: { '$.a[': 1 } }\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(
        errors[0],
        "checks/chat.yaml:3:14: `timeout` `10` is not a duration: it has no unit (write 10s or 10ms); expected a duration such as 500ms, 10s, 2m, 21d"
    );
    assert_eq!(
        errors[1],
        "checks/chat.yaml:6:19: `body_limit` `lots` is not a size; expected a size such as 1MiB or 64KiB"
    );
    assert!(
        errors[2].starts_with("checks/chat.yaml:7:23: cannot read `ca_file` `"),
        "{errors:?}"
    );
    assert!(errors[2].ends_with("checks/../pki/nope.pem`: No such file or directory (os error 2); expected a readable PEM file; relative paths start at the folder of this YAML file"), "{errors:?}");
    assert!(
        errors[3].starts_with("checks/chat.yaml:9:23: `$.a[` is not a valid JSONPath"),
        "{errors:?}"
    );
}

#[test]
fn missing_probe_expect_and_unsupported_kind() {
    let errors = one_file("checks:\n  - name: a\n    expect: { status: 200 }\n  - name: b\n    http: { url: 'https://x/' }\n  - name: c\n    http: { url: 'https://x/' }\n    tcp: { host: x, port: 22 }\n    expect: { status: 200 }\n").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:2:5: the check has no probe; expected exactly one of: http, tls, dns, tcp, cert",
            "checks/chat.yaml:4:5: the check has no `expect`; add what must be true, e.g. expect: { status: 200 }",
            "checks/chat.yaml:8:5: the check has more than one probe: http, tcp; expected exactly one probe per check; split it into several checks",
        ]
    );
}

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
    assert_eq!(errors, ["environments: environment `prod` not found: there is no environments/prod.yaml; expected one of: a, b"
        .replace("environments: ", "environments:1:1: ")]);
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
fn pending_short_and_long_forms() {
    let plan = one_file("checks:\n  - name: a\n    pending: WAF in COUNT mode\n    http: { url: 'https://x/' }\n    expect: { status: 403 }\n  - name: b\n    pending: { reason: later, until: 2026-12-31 }\n    http: { url: 'https://x/' }\n    expect: { status: 403 }\n").expect("loads");
    let a = plan.checks[0].pending.as_ref().expect("pending");
    assert_eq!(a.reason, "WAF in COUNT mode");
    assert_eq!(a.until, None);
    let b = plan.checks[1].pending.as_ref().expect("pending");
    assert_eq!(b.until.map(|d| d.to_string()), Some("2026-12-31".into()));
    let errors = one_file("checks:\n  - name: a\n    pending: { reason: x, until: soon }\n    http: { url: 'https://x/' }\n    expect: { status: 403 }\n").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:3:34: `until` `soon` is not a date; expected a date as YYYY-MM-DD, e.g. 2026-12-31"
        ]
    );
}

#[test]
fn no_check_files_is_an_error() {
    let p = Project::new(&[("environments/prod.yaml", "")]);
    let errors = p.load("prod").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks:1:1: no check files found; expected *.yaml files under checks/ (or pass --dir with the folder that holds checks/ and environments/)"
        ]
    );
}

#[test]
fn tls_and_cert_probes_load() {
    let p = Project::new(&[
        ("environments/prod.yaml", "vars: { alb: alb.test }\n"),
        ("pki/client.pem", CLIENT_PEM),
        (
            "checks/edge.yaml",
            "checks:\n  - name: origin refuses anonymous clients\n    tls: { host: '${alb}', sni: chat.test, verify: false, alpn: [h2, http/1.1], versions: ['1.3'] }\n    expect: { handshake: rejected, alert: certificate_required, cert: { chain_expires_in: { gt: 14d }, chain_valid: true } }\n  - name: client cert\n    cert: { file: ../pki/client.pem }\n    expect: { cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d } } }\n",
        ),
    ]);
    let plan = p.load("prod").expect("loads");
    let Probe::Tls(t) = plan.checks[0].kind.probe() else {
        panic!("a tls probe")
    };
    assert_eq!(
        (t.host.as_str(), t.port, t.sni.as_str()),
        ("alb.test", 443, "chat.test")
    );
    assert_eq!(t.alpn, ["h2", "http/1.1"]);
    assert!(!t.tls.verify);
    assert_eq!(t.tls.versions, [conform::config::model::TlsVersion::V1_3]);
    let Probe::Cert(c) = plan.checks[1].kind.probe() else {
        panic!("a cert probe")
    };
    assert!(c.file.ends_with("checks/../pki/client.pem"), "{:?}", c.file);
}

#[test]
fn tls_and_cert_probe_errors() {
    let errors = one_file(
        "checks:\n  - name: a\n    tls: { port: 70000, alnp: [h2] }\n    expect: { handshake: maybe, cert: { chain_vaild: true } }\n  - name: b\n    http: { url: 'https://x/' }\n    expect: { cert: { chain_valid: true } }\n  - name: c\n    cert: { file: nope.pem }\n    expect: { status: 200 }\n",
    )
    .unwrap_err();
    let errors: Vec<&str> = errors
        .iter()
        .map(|e| e.split("; ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:3:10: the tls probe has no `host`",
            "checks/chat.yaml:3:18: `port` is `70000`",
            "checks/chat.yaml:3:25: unknown key `alnp` in the tls probe",
            "checks/chat.yaml:4:26: `handshake` is `maybe`",
            "checks/chat.yaml:4:41: unknown key `chain_vaild` in the cert expectation",
            "checks/chat.yaml:7:23: `chain_valid` needs the whole certificate chain, which the http probe does not see",
            "checks/chat.yaml:9:19: cannot read `file` `checks/nope.pem`: No such file or directory (os error 2)",
            "checks/chat.yaml:10:13: the expect has no `cert`",
            "checks/chat.yaml:10:15: unknown key `status` in the expect",
        ]
    );
}

const CLIENT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBfTCCASOgAwIBAgIUX8pCQ0iAq4fYnqNH7ZBG5LwTs+kwCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIY2xpZW50IDEwIBcNMjYwMTAxMDAwMDAwWhgPMjEyNjAxMDEw
MDAwMDBaMBMxETAPBgNVBAMMCGNsaWVudCAxMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEm3C0y8kTjE3yqYzjS0p5Nt2zZ0d4tCvw1cd1cWz1Q2jvY1y0E3p0E4KX
wS7Z3Y1V8mJ7C4bQ5xkQpGEmXNfzJaNTMFEwHQYDVR0OBBYEFJ0S1O3yJQ4g8m2L
JdC0Pp4C0t2HMB8GA1UdIwQYMBaAFJ0S1O3yJQ4g8m2LJdC0Pp4C0t2HMA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgS0p5Nt2zZ0d4tCvw1cd1cWz1
Q2jvY1y0E3p0E4KXwS4CIQCbcLTLyROMTfKpjONLSnk23bNnR3i0K/DVx3VxbPVD
aA==
-----END CERTIFICATE-----
";

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

#[test]
fn load_check_text_reports_instead_of_panicking() {
    use conform::config::load::load_check_text;
    // The shipped check files decode (their `${...}` references are only unresolved).
    for entry in std::fs::read_dir("checks").expect("checks/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let _ = load_check_text(&text);
    }
    let errors = load_check_text("checks: [");
    assert!(errors[0].message.starts_with("invalid YAML"), "{errors:?}");
    assert_eq!(errors[0].file, Path::new("fuzz.yaml"));
    let errors = load_check_text("");
    assert!(errors[0].message.contains("empty"), "{errors:?}");
}

/// Files are parsed in parallel; the plan still lists checks in file order (path order), then
/// in order within each file, and errors from several files all come back, sorted.
#[test]
fn many_files_load_in_order_and_report_every_error() {
    let names: Vec<String> = (0..12).map(|i| format!("checks/f{i:02}.yaml")).collect();
    let texts: Vec<String> = (0..12)
        .map(|i| {
            format!(
                "checks:\n  - name: a{i}\n    http: {{ url: 'https://x.test/' }}\n    expect: {{ status: 200 }}\n  - name: b{i}\n    http: {{ url: 'https://x.test/' }}\n    expect: {{ status: 200 }}\n"
            )
        })
        .collect();
    let mut files: Vec<(&str, &str)> = vec![("environments/prod.yaml", ENV)];
    files.extend(
        names
            .iter()
            .zip(&texts)
            .map(|(n, t)| (n.as_str(), t.as_str())),
    );
    let plan = Project::new(&files).load("prod").expect("loads");
    let ids: Vec<&str> = plan.checks.iter().map(|c| c.id.as_str()).collect();
    let expected: Vec<String> = (0..12)
        .flat_map(|i| [format!("f{i:02}/a{i}"), format!("f{i:02}/b{i}")])
        .collect();
    assert_eq!(ids, expected);

    files.push(("checks/g1.yaml", "checks:\n  - name: x\n    htp: {}\n"));
    files.push(("checks/g0.yaml", "checks: [\n"));
    let errors = Project::new(&files).load("prod").expect_err("fails");
    assert_eq!(
        errors,
        [
            "checks/g0.yaml:1:9: invalid YAML: line 1 column 9: unclosed bracket '['; expected \
             valid YAML; check indentation, quotes and colons here",
            "checks/g1.yaml:2:5: the check has no probe; expected exactly one of: http, tls, dns, \
             tcp, cert",
            "checks/g1.yaml:2:5: the check has no `expect`; add what must be true, e.g. expect: { \
             status: 200 }",
            "checks/g1.yaml:3:5: unknown key `htp` in the check; did you mean `http`? expected \
             one of: name, id, tags, envs, pending, timeout, retries, retry_delay, http, tls, \
             dns, tcp, cert, expect",
        ]
    );
}

/// One check file's text decoded on its own (the fuzz targets' and tools' entry): its checks,
/// or every error; `load_check_text` gives the same errors.
#[test]
fn a_check_text_decodes_alone() {
    use conform::config::load::{decode_check_text, load_check_text};
    let checks = decode_check_text(
        "checks:\n  - name: up\n    http: { url: 'https://x.test/' }\n    expect: { status: 200 }\n",
    )
    .expect("decodes");
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["fuzz/up"]);
    assert!(matches!(checks[0].kind.probe(), Probe::Http(_)));

    let bad = "checks:\n  - name: x\n    htp: {}\n";
    let errors: Vec<String> = decode_check_text(bad)
        .expect_err("fails")
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        errors,
        load_check_text(bad)
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[2].starts_with("fuzz.yaml:3:5: unknown key `htp`"),
        "{errors:#?}"
    );
}

/// Only a check whose expectation reads the body (`body:`, `json:`) has its probe keep the
/// whole body; the others keep its start, size and digest.
#[test]
fn the_probe_keeps_the_body_only_when_an_expectation_reads_it() {
    let plan = one_file(
        r#"checks:
  - name: status only
    http: { url: "https://a.test/" }
    expect: { status: 200 }
  - name: text
    http: { url: "https://a.test/" }
    expect: { status: 200, body: { contains: ok } }
  - name: json
    http: { url: "https://a.test/" }
    expect: { status: 200, body: { json: { "$.ok": true } } }
"#,
    )
    .expect("loads");
    let judged: Vec<(String, bool)> = plan
        .checks
        .iter()
        .map(|c| match c.kind.probe() {
            Probe::Http(h) => (c.name.clone(), h.body_judged),
            _ => panic!("an http check"),
        })
        .collect();
    assert_eq!(
        judged,
        [
            ("status only".to_string(), false),
            ("text".to_string(), true),
            ("json".to_string(), true)
        ]
    );
}

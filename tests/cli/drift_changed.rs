//! `--baseline` lists the checks whose observed facts changed while their outcome did not:
//! two runs against loopback servers that change between them (the certificate swapped for
//! one from another issuer, the redirect target moved, a DNS answer gained an address) while
//! every check still passes, then a pair of runs where nothing changed, then a baseline of the
//! older schema. Exact JSON, terminal lines, JUnit properties and GitHub step summary; every
//! report is valid against `conform schema --report`.

use crate::harness::*;
use crate::report_schema::assert_valid_report;
use crate::support::dns_server::{self, rr};
use crate::support::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const CHECKS: &str = r#"suite: drift
checks:
  - name: cert
    tls: { host: chat.test, port: "${tls}" }
    expect: { cert: { san: { contains: chat.test } } }
  - name: redirect
    http: { url: "http://127.0.0.1:${web}/app" }
    expect: { status: 302 }
  - name: dns
    dns: { name: app.drift.test, type: A, server: "127.0.0.1:${dns}" }
    expect: { rcode: NOERROR }
"#;

const OLD_TARGET: &str = "https://apps.test/v1/download";
const NEW_TARGET: &str = "https://apps.test/v2/download";

/// The environment: the ports as variables, both CAs trusted.
fn env(p: &Project, tls: u16, web: u16, dns: u16, cas: &str) {
    p.write("environments/ca.pem", cas);
    p.env(
        &format!(
            "vars: {{ tls: \"{tls}\", web: \"{web}\", dns: \"{dns}\" }}\n\
             resolve: {{ chat.test: 127.0.0.1 }}\ntls: {{ ca_file: ca.pem }}\n"
        ),
        None,
        "defaults: { timeout: 2s, retries: 0 }\n",
    );
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}\n{text}"))
}

/// The `observed` of check `id`'s last try.
fn observed<'a>(report: &'a Value, id: &str) -> &'a Value {
    let checks = report["checks"].as_array().expect("checks");
    let check = checks.iter().find(|c| c["id"] == id).expect("the check");
    let attempts = check["attempts"].as_array().expect("attempts");
    &attempts.last().expect("a try")["observed"]
}

/// Hex shortened as the terminal does: the first characters that tell the two apart (4 at least).
fn short(a: &str, b: &str) -> String {
    let same = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let keep = (same + 1).max(4);
    format!("{}… → {}…", &a[..keep], &b[..keep])
}

/// The `baseline.changed` properties of the JUnit report, in order.
fn changed_properties(junit: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(junit).expect("JUnit XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("property") && n.attribute("name") == Some("baseline.changed"))
        .map(|n| n.attribute("value").unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn facts_that_changed_while_the_checks_pass_are_listed_once_and_nothing_else() {
    // The first state: a certificate of the test CA, a redirect to v1, one address.
    let pki = Pki::new();
    let other = Authority::root("conform other CA");
    let (from, until) = (
        whole_second(days_from_now(-1)),
        whole_second(days_from_now(90)),
    );
    let (chain_a, key_a) = pki.server_cert(&["chat.test"], from, until);
    let (chain_b, key_b) = other.issue(&["chat.test"], from, until, SERVER_AUTH);
    let cas = format!("{}{}", pki.ca_pem(), other.pem());
    let tls_a = TlsServer::start(TlsServerConfig::new(&chain_a, &key_a)).await;
    let moved = Arc::new(AtomicBool::new(false));
    let is_moved = Arc::clone(&moved);
    let web = TestServer::start(TestServerConfig::http(move |_| {
        let to = if is_moved.load(Ordering::SeqCst) {
            NEW_TARGET
        } else {
            OLD_TARGET
        };
        TestResponse::redirect(302, to)
    }))
    .await;
    let dns_a = dns_server::start_with(
        "drift.test.",
        vec![rr("app.drift.test.", 300, "A", "127.0.0.1")],
    )
    .await;
    let p = Project::new();
    env(&p, tls_a.port(), web.port(), dns_a.addr().port(), &cas);
    p.write("checks/drift.yaml", CHECKS);

    let a = p.shown("a.json");
    let out = p.run(&["--json", &a]).await;
    out.assert_code_quiet(0);
    let old = read_json(&a);
    assert_valid_report(&old).await;
    let fingerprint = |pem: &str| {
        let digest = Sha256::digest(cert_der(pem));
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (fp_a, fp_b) = (fingerprint(&chain_a), fingerprint(&chain_b));
    let leaf_a = &observed(&old, "drift/cert")["leaf"];
    assert_eq!(leaf_a["fingerprint_sha256"], fp_a.as_str());
    assert_eq!(
        observed(&old, "drift/redirect"),
        &json!({ "status": 302, "location": OLD_TARGET,
                 "final_url": format!("http://127.0.0.1:{}/app", web.port()) })
    );
    assert_eq!(
        observed(&old, "drift/dns"),
        &json!({ "rcode": "NOERROR", "answers": ["127.0.0.1"], "ttl": 300 })
    );

    // The second state: another issuer's certificate (same name), the redirect moved, an
    // address more (and another TTL, which is not compared). Every check still passes.
    let tls_b = TlsServer::start(TlsServerConfig::new(&chain_b, &key_b)).await;
    moved.store(true, Ordering::SeqCst);
    let dns_b = dns_server::start_with(
        "drift.test.",
        vec![
            rr("app.drift.test.", 60, "A", "127.0.0.1"),
            rr("app.drift.test.", 60, "A", "127.0.0.2"),
        ],
    )
    .await;
    env(&p, tls_b.port(), web.port(), dns_b.addr().port(), &cas);
    let b = p.shown("b.json");
    let out = p.run(&["--baseline", &a, "--json", &b]).await;
    out.assert_code_quiet(0);
    let new = read_json(&b);
    assert_valid_report(&new).await;
    let leaf_b = &observed(&new, "drift/cert")["leaf"];
    assert_eq!(leaf_b["fingerprint_sha256"], fp_b.as_str());
    let serial = |leaf: &Value| leaf["serial"].as_str().unwrap_or_default().to_string();
    let (serial_a, serial_b) = (serial(leaf_a), serial(leaf_b));
    assert_eq!(
        new["baseline"]["changed"],
        json!([
            { "id": "drift/cert", "facts": {
                "leaf.fingerprint_sha256": { "before": fp_a, "after": fp_b },
                "leaf.issuer": { "before": "CN=conform test CA", "after": "CN=conform other CA" },
                "leaf.serial": { "before": serial_a, "after": serial_b },
            } },
            { "id": "drift/redirect", "facts": {
                "location": { "before": OLD_TARGET, "after": NEW_TARGET },
            } },
            { "id": "drift/dns", "facts": {
                "answers": { "before": ["127.0.0.1"], "after": ["127.0.0.1", "127.0.0.2"] },
            } },
        ]),
        "{:#}",
        new["baseline"]
    );
    let started = old["started"].as_str().expect("started");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[lines.len() - 6..],
        [
            format!(
                "changed since the baseline ({a}, {started}): 0 newly failing, 0 newly passing, \
                 0 newly flaky, 0 new, 0 removed, 3 changed"
            ),
            format!(
                "  changed: drift/cert leaf.fingerprint_sha256 {}",
                short(&fp_a, &fp_b)
            ),
            "  changed: drift/cert leaf.issuer CN=conform test CA → CN=conform other CA".into(),
            format!(
                "  changed: drift/cert leaf.serial {}",
                short(&serial_a, &serial_b)
            ),
            format!("  changed: drift/redirect location {OLD_TARGET} → {NEW_TARGET}"),
            "  changed: drift/dns answers [127.0.0.1] → [127.0.0.1, 127.0.0.2]".into(),
        ],
        "{out}"
    );
    // JUnit: one property per changed fact, the values in full.
    assert_eq!(
        changed_properties(&p.junit()),
        [
            format!("drift/cert leaf.fingerprint_sha256: {fp_a} → {fp_b}"),
            "drift/cert leaf.issuer: CN=conform test CA → CN=conform other CA".into(),
            format!("drift/cert leaf.serial: {serial_a} → {serial_b}"),
            format!("drift/redirect location: {OLD_TARGET} → {NEW_TARGET}"),
            "drift/dns answers: [127.0.0.1] → [127.0.0.1, 127.0.0.2]".into(),
        ]
    );
    // The GitHub step summary: a table after the run's summary.
    let summary = p.shown("summary.md");
    let out = p
        .run_with_env(
            &["--baseline", &a, "--format", "github"],
            &[("GITHUB_STEP_SUMMARY", &summary)],
        )
        .await;
    out.assert_code_quiet(0);
    let text = std::fs::read_to_string(&summary).expect("the step summary");
    let table = format!(
        "\n### 3 checks changed since the baseline, outcome unchanged\n\n\
         | check | fact | before → after |\n| --- | --- | --- |\n\
         | drift/cert | leaf.fingerprint\\_sha256 | {} |\n\
         | drift/cert | leaf.issuer | CN=conform test CA → CN=conform other CA |\n\
         | drift/cert | leaf.serial | {} |\n\
         | drift/redirect | location | {OLD_TARGET} → {NEW_TARGET} |\n\
         | drift/dns | answers | \\[127.0.0.1\\] → \\[127.0.0.1, 127.0.0.2\\] |\n",
        short(&fp_a, &fp_b),
        short(&serial_a, &serial_b)
    );
    assert!(text.starts_with("## ✅ conform prod: 3 passed"), "{text}");
    assert!(
        text.ends_with(&format!("Every check passed.\n{table}")),
        "{text}"
    );

    // Nothing changed between the second state and a third run against it: an empty list,
    // and not a word of it in the terminal, JUnit or the step summary.
    let c = p.shown("c.json");
    let out = p.run(&["--baseline", &b, "--json", &c]).await;
    out.assert_code_quiet(0);
    let again = read_json(&c);
    assert_valid_report(&again).await;
    assert_eq!(again["baseline"]["changed"], json!([]));
    let started = new["started"].as_str().expect("started");
    assert_eq!(
        out.stdout.lines().last(),
        Some(format!("nothing changed since the baseline ({b}, {started})").as_str()),
        "{out}"
    );
    assert!(!out.stdout.contains("changed:"), "{out}");
    assert_eq!(changed_properties(&p.junit()), Vec::<String>::new());
    std::fs::remove_file(&summary).expect("remove the summary");
    let out = p
        .run_with_env(
            &["--baseline", &b, "--format", "github"],
            &[("GITHUB_STEP_SUMMARY", &summary)],
        )
        .await;
    out.assert_code_quiet(0);
    let text = std::fs::read_to_string(&summary).expect("the step summary");
    assert!(text.ends_with("\n\nEvery check passed.\n"), "{text}");
}

/// A baseline of schema 2 has no observed facts: no `changed` list, said once.
#[tokio::test(flavor = "multi_thread")]
async fn a_baseline_of_the_older_schema_gives_no_changed_list_and_says_so_once() {
    let web = TestServer::start(TestServerConfig::http(|_| {
        TestResponse::redirect(302, OLD_TARGET)
    }))
    .await;
    let p = Project::new();
    p.prod_env_vars(&[("port", web.port())], None, "");
    p.http_check(
        "web",
        "root",
        &format!("http://127.0.0.1:{}/", web.port()),
        "{ status: 302 }",
    );
    let a = p.shown("a.json");
    p.run(&["--json", &a]).await.assert_code_quiet(0);
    // As conform wrote it before observed facts: schema 2, no `observed`.
    let mut old = read_json(&a);
    old["schema_version"] = json!(2);
    for check in old["checks"].as_array_mut().expect("checks") {
        for attempt in check["attempts"].as_array_mut().expect("attempts") {
            attempt
                .as_object_mut()
                .expect("an attempt")
                .remove("observed");
        }
    }
    std::fs::write(&a, old.to_string()).expect("write");
    let b = p.shown("b.json");
    let out = p.run(&["--baseline", &a, "--json", &b]).await;
    out.assert_code_quiet(0);
    let new = read_json(&b);
    assert_eq!(new["baseline"]["changed"], Value::Null);
    assert_valid_report(&new).await;
    let started = old["started"].as_str().expect("started");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[lines.len() - 2..],
        [
            format!("nothing changed since the baseline ({a}, {started})"),
            "  changed facts not compared: the baseline is a report of an older schema, without \
             observed facts"
                .to_string(),
        ],
        "{out}"
    );
    assert_eq!(
        changed_properties(&p.junit()),
        ["not compared: the baseline has no observed facts (an older schema)"]
    );
}

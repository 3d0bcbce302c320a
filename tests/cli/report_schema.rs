//! `conform schema --report`: the JSON Schema of the JSON report. Real reports of every probe
//! kind, with passes, failures, errors and a pending check, and the report of a run refused on
//! a load error, are valid against it; a field it does not know is not.

use crate::harness::*;
use crate::support::dns_server::{self, rr};
use crate::support::*;
use serde_json::{Value, json};
use sha2::Digest as _;

/// The schema `conform schema --report` prints, compiled.
async fn report_validator() -> jsonschema::Validator {
    let out = conform(&["schema", "--report"], &[], None).await;
    out.assert_code(0);
    let schema: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("not a JSON Schema: {e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("does not compile: {e}"))
}

fn errors(v: &jsonschema::Validator, report: &Value) -> Vec<String> {
    v.iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// `report` is valid against `conform schema --report`.
pub(crate) async fn assert_valid_report(report: &Value) {
    let v = report_validator().await;
    assert_eq!(errors(&v, report), Vec::<String>::new(), "{report:#}");
}

const CHECKS: &str = r#"suite: kinds
checks:
  - name: http pass
    http: { url: "https://chat.test:${port}/ok" }
    expect: { status: 200 }
  - name: http fail
    http: { url: "https://chat.test:${port}/missing" }
    expect: { status: 200 }
  - name: http pending
    pending: "not yet"
    http: { url: "https://chat.test:${port}/missing" }
    expect: { status: 200 }
  - name: http error
    http: { url: "https://chat.test:${closed}/" }
    expect: { status: 200 }
  - name: tls
    tls: { host: chat.test, port: "${port}" }
    expect: { cert: { san: { contains: chat.test } } }
  - name: cert
    cert: { file: ../pki/leaf.pem }
    expect: { cert: { san: { contains: chat.test } } }
  - name: dns
    dns: { name: app.kinds.test, type: A, server: "127.0.0.1:${dns}" }
    expect: { rcode: NOERROR }
  - name: tcp
    tcp: { host: 127.0.0.1, port: "${closed}" }
    expect: { connect: accepted }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn reports_of_every_kind_and_outcome_are_valid_against_the_report_schema() {
    let pki = Pki::new();
    let (chain, _) = pki.valid_server_cert(&["chat.test"]);
    let server = https(&pki, |r| match r.path.as_str() {
        "/ok" => TestResponse::ok("fine").header("content-type", "text/plain"),
        _ => TestResponse::status(404),
    })
    .await;
    let dns = dns_server::start_with(
        "kinds.test.",
        vec![rr("app.kinds.test.", 300, "A", "127.0.0.1")],
    )
    .await;
    let closed = closed_port();
    let p = Project::new();
    p.write("pki/leaf.pem", &chain);
    p.prod_env_vars(
        &[
            ("port", server.port()),
            ("closed", closed),
            ("dns", dns.addr().port()),
        ],
        Some(&pki),
        "defaults: { timeout: 2s, retries: 0 }\n",
    );
    p.write("checks/kinds.yaml", CHECKS);
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    let report: Value = serde_json::from_str(&p.read("reports/report.json")).expect("JSON");
    let outcomes: Vec<(&str, &str)> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or(""),
                c["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("kinds/http-pass", "pass"),
            ("kinds/http-fail", "fail"),
            ("kinds/http-pending", "pending"),
            ("kinds/http-error", "error"),
            ("kinds/tls", "pass"),
            ("kinds/cert", "pass"),
            ("kinds/dns", "pass"),
            ("kinds/tcp", "fail"),
        ]
    );
    let v = report_validator().await;
    assert_eq!(errors(&v, &report), Vec::<String>::new(), "{report:#}");
    let observed = |i: usize| report["checks"][i]["attempts"][0]["observed"].clone();
    let leaf = observed(0)["leaf"].clone();
    assert_eq!(leaf["subject"], "CN=chat.test", "{leaf:#}");
    assert_eq!(
        observed(0),
        json!({ "status": 200, "content_type": "text/plain", "leaf": leaf,
                "final_url": format!("https://chat.test:{}/ok", server.port()) })
    );
    assert_eq!(observed(3), Value::Null, "an error saw nothing");
    let tls = observed(4);
    assert_eq!(
        (&tls["handshake"], &tls["leaf"], &tls["chain_not_after"]),
        (&json!("accepted"), &leaf, &leaf["not_after"]),
        "{tls:#}"
    );
    assert!(
        matches!(tls["version"].as_str(), Some("1.2" | "1.3")),
        "{tls:#}"
    );
    // The file's own certificate.
    let file_leaf = observed(5)["leaf"].clone();
    let digest = sha2::Sha256::digest(cert_der(&chain));
    let fingerprint: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        (
            &file_leaf["fingerprint_sha256"],
            &file_leaf["issuer"],
            &file_leaf["san"]
        ),
        (
            &json!(fingerprint),
            &json!("CN=conform test CA"),
            &json!(["chat.test"])
        )
    );
    assert_eq!(
        observed(5),
        json!({ "leaf": file_leaf, "chain_not_after": file_leaf["not_after"] })
    );
    assert_eq!(
        observed(6),
        json!({ "rcode": "NOERROR", "answers": ["127.0.0.1"], "ttl": 300 })
    );
    assert_eq!(observed(7), json!({ "connect": "refused" }));

    // A field the schema does not know is an error: the schema is closed.
    let mut extra = report.clone();
    extra["checks"][0]["attempts"][0]["observed"]["date"] = json!("Fri, 04 Dec 2026");
    assert_eq!(
        errors(&v, &extra),
        [
            "/checks/0/attempts/0/observed: Additional properties are not allowed ('date' was unexpected)"
        ]
    );

    // The report of a run refused on a load error is valid too.
    p.write("checks/broken.yaml", "checks: [ { name: x, http: {} } ]\n");
    p.run(&[]).await.assert_code(2);
    let refused: Value = serde_json::from_str(&p.read("reports/report.json")).expect("JSON");
    assert_eq!(errors(&v, &refused), Vec::<String>::new(), "{refused:#}");
}

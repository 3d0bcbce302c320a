//! `--at WHEN`: certificate expiry and pending `until` judged as of another moment while the
//! probes stay live; every report states the moment; bad values are usage errors.

use crate::harness::*;
use crate::support::*;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

mod pending;
mod reports;

/// `2027-01-03T10:00:00Z`.
fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .expect("format")
}

/// Whole seconds as the judge shows them: `9d 23h 59m 58s`, `10d`.
fn left_text(left: Duration) -> String {
    let total = left.whole_seconds();
    let (sign, total) = if total < 0 {
        ("-", -total)
    } else {
        ("", total)
    };
    let parts: Vec<String> = [
        (total / 86_400, "d"),
        ((total % 86_400) / 3600, "h"),
        ((total % 3600) / 60, "m"),
        (total % 60, "s"),
    ]
    .iter()
    .filter(|(v, _)| *v > 0)
    .map(|(v, u)| format!("{v}{u}"))
    .collect();
    format!("{sign}{}", parts.join(" "))
}

/// The JSON report the last run wrote.
fn json_report(p: &Project) -> Value {
    serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report")
}

fn time_of(value: &Value) -> OffsetDateTime {
    let text = value.as_str().unwrap_or_else(|| panic!("a time: {value}"));
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A TLS server for `chat.test` whose certificate ends at `end`, and a project with one tls
/// check (`certs/cert-expiry`, on line 2) that wants more than 21 days left and a chain that
/// verifies.
async fn cert_project(end: OffsetDateTime) -> (TlsServer, Project, Pki) {
    let pki = Pki::new();
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-1), end);
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let p = Project::new();
    p.prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/certs.yaml",
        r#"checks:
  - name: cert expiry
    tls: { host: chat.test, port: "${port}" }
    expect:
      cert: { expires_in: { gt: 21d }, chain_valid: true }
"#,
    );
    (server, p, pki)
}

/// The acceptance test: a certificate with 40 days left passes `expires_in: { gt: 21d }` now
/// and fails with `--at +30d`, the message naming the moment it was judged as of.
#[tokio::test(flavor = "multi_thread")]
async fn forty_days_left_passes_now_and_fails_thirty_days_ahead() {
    let end = whole_second(days_from_now(40));
    let (server, p, _pki) = cert_project(end).await;

    let now = p.run(&[]).await;
    now.assert_code_quiet(0);
    now.assert_line("PASS", "certs/cert-expiry", "cert expiry");
    assert!(!now.stdout.contains("judged as of"), "{now}");
    let json = json_report(&p);
    assert_eq!(json["evaluated_at"], json["started"], "{json:#}");
    assert!(json.get("at").is_none(), "{json:#}");

    let ahead = p.run(&["--at", "+30d"]).await;
    ahead.assert_code_quiet(1);
    ahead.assert_line("FAIL", "certs/cert-expiry", "cert expiry");
    let json = json_report(&p);
    assert_eq!(json["at"], "+30d");
    let (started, at) = (time_of(&json["started"]), time_of(&json["evaluated_at"]));
    let shift = at - started;
    assert!(
        shift > Duration::days(30) - Duration::seconds(1) && shift <= Duration::days(30),
        "evaluated_at is 30 days after the start, to the second: {json:#}"
    );
    let actual = format!(
        "{} (not after {}, as of {})",
        left_text(end - at),
        utc_text(end),
        rfc3339(at)
    );
    let file = p.shown("checks/certs.yaml");
    let ca = p.shown("environments/ca.pem");
    assert_eq!(
        ahead.details_of("certs/cert-expiry"),
        [
            format!("at {file}:2"),
            "cert expires_in".to_string(),
            "  expected: > 21d".to_string(),
            format!("  actual:   {actual}"),
            format!(
                "reproduce: openssl s_client -connect 127.0.0.1:{} -servername chat.test \
                 -CAfile {ca} -verify_return_error -verify_hostname chat.test </dev/null",
                server.port()
            ),
        ],
        "{ahead}"
    );
    let lines: Vec<&str> = ahead.stdout.lines().collect();
    assert_eq!(
        lines[lines.len() - 2],
        format!("judged as of {} (+30d)", rfc3339(at)),
        "{ahead}"
    );
    ahead.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    let message = format!("cert expires_in: expected > 21d, got {actual}");
    p.verdict("cert expiry", "failure")
        .assert_is("fail", &message);
    assert_eq!(json["checks"][0]["message"], message.as_str());
}

/// An RFC 3339 WHEN with an offset is the same moment in UTC; the certificate's verification
/// keeps the real time: as of after its end, `expires_in` fails and `chain_valid` still holds.
#[tokio::test(flavor = "multi_thread")]
async fn an_exact_moment_gives_an_exact_message_and_verification_stays_live() {
    let end = whole_second(days_from_now(40));
    let (_server, p, _pki) = cert_project(end).await;
    let at = end - Duration::days(4) - Duration::hours(23);
    let given = at
        .to_offset(time::macros::offset!(+2))
        .format(&Rfc3339)
        .expect("format");
    let out = p.run(&["--at", &given]).await;
    out.assert_code_quiet(1);
    let d = out.details_of("certs/cert-expiry");
    assert_eq!(
        d[1..4],
        [
            "cert expires_in".to_string(),
            "  expected: > 21d".to_string(),
            format!(
                "  actual:   4d 23h (not after {}, as of {})",
                utc_text(end),
                rfc3339(at)
            ),
        ],
        "{out}"
    );
    assert_eq!(json_report(&p)["evaluated_at"], rfc3339(at).as_str());
    assert_eq!(json_report(&p)["at"], given.as_str());

    let after = end + Duration::days(1);
    let out = p.run(&["--at", &rfc3339(after)]).await;
    out.assert_code_quiet(1);
    let d = out.details_of("certs/cert-expiry");
    assert_eq!(d.len(), 5, "one mismatch, chain_valid holds: {out}");
    assert_eq!(
        d[3],
        format!(
            "  actual:   -1d (expired {}, as of {})",
            utc_text(end),
            rfc3339(after)
        ),
        "{out}"
    );
}

/// Bad values are usage errors that say what is accepted; nothing is loaded or probed.
#[tokio::test(flavor = "multi_thread")]
async fn bad_values_are_usage_errors_with_an_example() {
    let p = Project::new();
    let accepted = "expected a duration from now such as +30d (or -1d for the past), a date \
                    such as 2027-01-15 (midnight UTC) or an RFC 3339 time such as \
                    2027-01-15T10:00:00Z";
    for (value, why) in [
        (
            "soon",
            format!("it is not a duration, a date or an RFC 3339 time; {accepted}"),
        ),
        (
            "+30",
            format!("it has no unit (write +30d for days or +30h for hours); {accepted}"),
        ),
        (
            "2027-02-30",
            format!("it is not a date of the calendar (YYYY-MM-DD); {accepted}"),
        ),
        (
            "2027-01-15T10:00",
            "it is not an RFC 3339 time: write the seconds and an offset, as in \
             2027-01-15T10:00:00Z or 2027-01-15T10:00:00+02:00"
                .to_string(),
        ),
    ] {
        let out = p.run(&["--at", value]).await;
        out.assert_code(2);
        assert_eq!(out.stdout, "", "{out}");
        assert_eq!(
            out.stderr,
            format!(
                "error: invalid value '{value}' for '--at <WHEN>': {why}\n\n\
                 For more information, try '--help'.\n"
            ),
            "{out}"
        );
    }
    assert!(!p.path().join("reports").exists(), "no report is written");
}

/// `conform probe --at` judges its `--expect` as of WHEN too, and says so; `--record` judges
/// nothing, so it takes no `--at`.
#[tokio::test(flavor = "multi_thread")]
async fn probe_judges_as_of_when_too() {
    let end = whole_second(days_from_now(40));
    let (server, p, _pki) = cert_project(end).await;
    let target = format!("tls://chat.test:{}", server.port());
    let dir = p.dir_arg();
    let base = [
        "probe",
        target.as_str(),
        "--env",
        "prod",
        "--dir",
        dir.as_str(),
    ];
    let expect = ["--expect", "cert: { expires_in: { gt: 21d } }"];
    let now = conform(&[&base[..], &expect[..]].concat(), &[], None).await;
    now.assert_code_quiet(0);
    let at = end - Duration::days(5);
    let when = rfc3339(at);
    let args = [&base[..], &expect[..], &["--at", when.as_str()][..]].concat();
    let ahead = conform(&args, &[], None).await;
    ahead.assert_code_quiet(1);
    assert!(
        ahead.stdout.contains(&format!(
            "  actual:   5d (not after {}, as of {when})\n",
            utc_text(end)
        )),
        "{ahead}"
    );
    assert!(
        ahead
            .stdout
            .contains(&format!("\njudged as of {when} ({when})\n")),
        "{ahead}"
    );
    let record = conform(
        &[&base[..], &["--record", "--at", "+1d"][..]].concat(),
        &[],
        None,
    )
    .await;
    record.assert_code(2);
    record.assert_stderr_starts_with(
        "error: the argument '--record' cannot be used with '--at <WHEN>'\n",
    );
}

/// The http probe's leaf and a tls chain's first end follow the clock too; under
/// `--until-pass` the report states the moment as well.
#[tokio::test(flavor = "multi_thread")]
async fn http_leaf_and_chain_expiry_follow_the_clock_too() {
    let pki = Pki::new();
    let end = whole_second(days_from_now(40));
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-1), end);
    let server = TestServer::start(TestServerConfig::https(&chain, &key, |_| {
        TestResponse::ok("up")
    }))
    .await;
    let p = Project::new();
    p.prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: site cert
    http: { url: "https://chat.test:${port}/" }
    expect: { status: 200, cert: { expires_in: { gt: 21d } } }
  - name: chain
    tls: { host: chat.test, port: "${port}" }
    expect: { cert: { chain_expires_in: { gt: 21d } } }
"#,
    );
    p.run(&[]).await.assert_code_quiet(0);
    let at = end - Duration::days(6);
    let when = rfc3339(at);
    let out = p
        .run(&["--at", &when, "--until-pass", "--deadline", "1s"])
        .await;
    out.assert_code(1);
    let not_after = utc_text(end);
    assert_eq!(
        out.details_of("web/site-cert")[1..4],
        [
            "cert expires_in".to_string(),
            "  expected: > 21d".to_string(),
            format!("  actual:   6d (not after {not_after}, as of {when})"),
        ],
        "{out}"
    );
    assert_eq!(
        out.details_of("web/chain")[1..4],
        [
            "cert chain_expires_in".to_string(),
            "  expected: > 21d".to_string(),
            format!("  actual:   6d (the leaf, not after {not_after}, as of {when})"),
        ],
        "{out}"
    );
    let json = json_report(&p);
    assert_eq!(
        (&json["evaluated_at"], &json["at"]),
        (&json!(when), &json!(when))
    );
    assert_eq!(json["rounds"]["mode"], "until_pass", "{json:#}");
}

/// A token outside http (here a tcp banner) is judged as of `--at` too: one that expires in
/// an hour passes `expires_in: { gt: 30m }` now and fails two hours ahead.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_a_banner_follows_the_clock_too() {
    let exp = OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let token = SigningKey::new(Alg::Es256, "k").sign(&serde_json::json!({ "exp": exp }));
    let server = line_server(format!("{token}\r\n").as_bytes(), b"").await;
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: banner token
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { received: { jwt: { expires_in: { gt: 30m } } } }
"#,
    );
    p.run(&[]).await.assert_code_quiet(0);
    let ahead = p.run(&["--at", "+2h"]).await;
    ahead.assert_code(1);
    let said = "    received jwt expires_in\n      expected: > 30m\n      actual:   -1h\n";
    assert!(ahead.stdout.contains(said), "{ahead}");
}

//! `jwt:` end to end: tokens from an in-process issuer (`support::issuer`), verified against
//! its JWKS, fetched once per run through the environment's `resolve:` answers.

use crate::harness::*;
use crate::support::*;
use serde_json::json;
use std::time::Duration;

const CLIENT: &str = "spa-client";

/// An issuer signing sign-ins with RS256 and publishing a key of every algorithm, kid the
/// algorithm's name in lower case, and a project whose `chat.test:${port}` is the issuer.
pub(crate) async fn issuer() -> (Issuer, Project) {
    let issuer = Issuer::start(CLIENT, SigningKey::new(Alg::Rs256, "rs256")).await;
    for alg in Alg::ALL.into_iter().filter(|a| *a != Alg::Rs256) {
        issuer.publish(SigningKey::new(alg, &alg.name().to_lowercase()));
    }
    issuer.add_user("member", "right", &["nest-access", "staff"]);
    let p = Project::with_prod_env(issuer.server.port(), None, "");
    (issuer, p)
}

pub(crate) fn member(issuer: &Issuer) -> serde_json::Value {
    issuer.claims_for(&issuer::User {
        username: "member".into(),
        password: String::new(),
        groups: vec!["nest-access".into(), "staff".into()],
    })
}

/// A check of the token `GET /token/<name>` answers, with `jwt` as the matcher's keys.
fn token_check(name: &str, jwt: &str) -> String {
    format!(
        r#"  - name: {name}
    http: {{ url: "http://chat.test:${{port}}/token/{name}" }}
    expect:
      status: 200
      body:
        json:
          "$.AuthenticationResult.IdToken":
            jwt: {{ signed_by: "http://127.0.0.1:${{port}}/jwks.json", {jwt} }}
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_of_every_algorithm_verifies_and_the_jwks_is_fetched_once() {
    let (issuer, p) = issuer().await;
    let mut checks = String::from(
        r#"checks:
  - name: the member signs in
    http:
      url: "http://chat.test:${port}/"
      method: POST
      headers: { x-amz-target: AWSCognitoIdentityProviderService.InitiateAuth,
                 content-type: application/x-amz-json-1.1 }
      json: { AuthFlow: USER_PASSWORD_AUTH, ClientId: spa-client,
              AuthParameters: { USERNAME: member, PASSWORD: right } }
    expect:
      status: 200
      body:
        json:
          "$.AuthenticationResult.IdToken":
            jwt:
              signed_by: "http://127.0.0.1:${port}/jwks.json"
              header: { alg: RS256, kid: rs256 }
              claims: { aud: spa-client, token_use: id, "cognito:groups": { contains: nest-access } }
              expires_in: { gt: 5m }
"#,
    );
    for alg in Alg::ALL {
        let name = alg.name().to_lowercase();
        issuer.serve_token(&name, &issuer.sign_with(&name, &member(&issuer)));
        checks.push_str(&token_check(
            &name,
            &format!(
                "header: {{ alg: {} }}, claims: {{ token_use: id }}",
                alg.name()
            ),
        ));
    }
    // A header value is matched as any text.
    checks.push_str(
        r#"  - name: in a header
    http: { url: "http://chat.test:${port}/token/es384" }
    expect:
      status: 200
      headers:
        x-id-token: { jwt: { signed_by: "http://127.0.0.1:${port}/jwks.json", header: { kid: es384 } } }
"#,
    );
    p.write("checks/auth.yaml", &checks);
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("8 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(issuer.jwks_requests(), 1, "{out}");
}

/// The claims of the member, changed by `change`.
fn member_with(issuer: &Issuer, change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut claims = member(issuer);
    change(&mut claims);
    claims
}

const STRICT: &str = r#"claims: { aud: spa-client, "cognito:groups": { contains: nest-access } }, expires_in: { gt: 5m }"#;

#[tokio::test(flavor = "multi_thread")]
async fn every_token_that_does_not_verify_fails_naming_why() {
    let (issuer, p) = issuer().await;
    let unpublished = SigningKey::new(Alg::Es256, "rotated");
    issuer.serve_token("unknown-kid", &unpublished.sign(&member(&issuer)));
    let expired = member_with(&issuer, |c| c["exp"] = json!(issuer::unix_now() - 600));
    issuer.serve_token("expired", &issuer.sign_with("rs256", &expired));
    let wrong_aud = member_with(&issuer, |c| c["aud"] = json!("other-client"));
    issuer.serve_token("wrong-aud", &issuer.sign_with("rs256", &wrong_aud));
    let outsider = member_with(&issuer, |c| {
        c.as_object_mut().map(|o| o.remove("cognito:groups"));
    });
    issuer.serve_token("no-group", &issuer.sign_with("es384", &outsider));
    // The member's signature on a payload that makes the outsider a member.
    let genuine = issuer.sign_with("eddsa", &outsider);
    let forged = issuer.sign_with("eddsa", &member(&issuer));
    let (head, _) = forged.rsplit_once('.').expect("a token");
    let (_, genuine_sig) = genuine.rsplit_once('.').expect("a token");
    issuer.serve_token("tampered", &format!("{head}.{genuine_sig}"));
    let unsigned = SigningKey::new(Alg::Es256, "es256")
        .sign_with_header(&json!({ "alg": "none", "kid": "es256" }), &member(&issuer));
    let (head, _) = unsigned.rsplit_once('.').expect("a token");
    issuer.serve_token("unsigned", &format!("{head}."));
    // The issuer's own resource-server view agrees.
    assert_eq!(
        issuer.verify(&issuer.token("tampered")),
        Err("bad signature".into())
    );
    assert_eq!(
        issuer.verify(&issuer.token("expired")),
        Err("expired".into())
    );
    assert!(issuer.verify(&issuer.token("no-group")).is_ok());
    let mut checks = String::from("checks:\n");
    for name in [
        "unknown-kid",
        "expired",
        "wrong-aud",
        "no-group",
        "tampered",
        "unsigned",
    ] {
        checks.push_str(&token_check(name, STRICT));
    }
    p.write("checks/auth.yaml", &checks);
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 6 failed, 0 errors, 0 pending");
    let jwks = format!("http://127.0.0.1:{}/jwks.json", issuer.server.port());
    let field = |part: &str| format!("body json $.AuthenticationResult.IdToken jwt {part}");
    assert_mismatches(
        &out,
        "auth/unknown-kid",
        &[mismatch(
            &field("signature"),
            &format!(r#"a key "rotated" in the JWKS at {jwks}"#),
            r#"kids ["rs256", "rs384", "rs512", "es256", "es384", "eddsa"]"#,
            Some("the set lacks the token's key: rotated away, or another issuer's token"),
        )],
    );
    let details = out.details_of("auth/expired");
    assert_eq!(
        details[1..3],
        [field("expires_in"), "  expected: > 5m".into()],
        "{out}"
    );
    assert_matches(r"^  actual:   -10m( 1s)?$", &details[3], &out);
    let when = time::OffsetDateTime::from_unix_timestamp(expired["exp"].as_i64().unwrap_or(0))
        .expect("a date")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a date");
    assert_eq!(
        details[4],
        format!("  note:     it expired at {when}"),
        "{out}"
    );
    assert_mismatches(
        &out,
        "auth/wrong-aud",
        &[mismatch(
            &field("claims.aud"),
            r#""spa-client""#,
            r#""other-client""#,
            None,
        )],
    );
    assert_mismatches(
        &out,
        "auth/no-group",
        &[mismatch(
            &field("claims.cognito:groups"),
            r#"contains "nest-access""#,
            "(missing)",
            None,
        )],
    );
    assert_mismatches(
        &out,
        "auth/tampered",
        &[mismatch(
            &field("signature"),
            &format!(r#"a signature by key "eddsa" of {jwks}"#),
            "a signature that does not verify (EdDSA, an Ed25519 key)",
            None,
        )],
    );
    assert_mismatches(
        &out,
        "auth/unsigned",
        &[mismatch(
            &field("header.alg"),
            "a signing algorithm",
            r#""none""#,
            Some("an unsigned token is always refused"),
        )],
    );
    assert_eq!(issuer.jwks_requests(), 1, "{out}");

    // A token is a credential: no output shows one, however verbose, past the 10 characters
    // that start every mention (`eyJhbGciOi…(812 chars)`), which say nothing secret.
    let tokens =
        ["expired", "wrong-aud", "tampered"].map(|name| issuer.token(name)[10..].to_string());
    for args in [
        &["-vv"][..],
        &["-vv", "--format", "github"],
        &["--format", "json"],
    ] {
        let out = p.run(args).await;
        out.assert_code(1);
        for token in &tokens {
            let shown = format!("{}{}", out.stdout, out.stderr);
            assert_no_secret(&shown, token, &format!("run {args:?}"));
            assert_no_secret(&p.junit(), token, "the JUnit report");
            assert_no_secret(&p.read("reports/report.json"), token, "the JSON report");
        }
    }
}

/// The detail block of `id` is its place, exactly `expected` and its reproduce line.
#[track_caller]
fn assert_mismatches(out: &Output, id: &str, expected: &[Vec<String>]) {
    let details = out.details_of(id);
    assert!(details[0].starts_with("at "), "{out}");
    assert!(
        details[details.len() - 1].starts_with("reproduce: "),
        "{out}"
    );
    assert_eq!(details[1..details.len() - 1], expected.concat(), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jwks_that_cannot_be_fetched_or_read_is_an_error_of_the_check() {
    let (issuer, p) = issuer().await;
    issuer.serve_token("rs256", &issuer.sign_with("rs256", &member(&issuer)));
    // Bigger than the 256 KiB a key set may have.
    issuer.serve_token("big", &"x".repeat(300 * 1024));
    let closed = closed_port();
    // Plain http is fetched as it is, never followed elsewhere (the clear text would leave
    // this machine).
    let moved = http(|_| TestResponse::redirect(302, "http://keys.elsewhere.test/jwks.json")).await;
    let check = |name: &str, jwks: &str| {
        format!(
            r#"  - name: {name}
    http: {{ url: "http://chat.test:${{port}}/token/rs256" }}
    expect:
      status: 200
      body: {{ json: {{ "$.AuthenticationResult.IdToken": {{ jwt: {{ signed_by: "{jwks}" }} }} }} }}
"#
        )
    };
    let checks = [
        check(
            "unreachable",
            &format!("http://127.0.0.1:{closed}/jwks.json"),
        ),
        check("not a key set", "http://127.0.0.1:${port}/token/rs256"),
        check("missing", "http://127.0.0.1:${port}/keys"),
        check("too big", "http://127.0.0.1:${port}/token/big"),
        check(
            "redirected",
            &format!("http://127.0.0.1:{}/jwks.json", moved.port()),
        ),
    ];
    p.write("checks/auth.yaml", &format!("checks:\n{}", checks.concat()));
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_summary("0 passed, 0 failed, 5 errors, 0 pending");
    let port = issuer.server.port();
    let said = |id: &str| out.details_of(id)[1].clone();
    assert_eq!(
        said("auth/unreachable"),
        format!(
            "error (connection refused): the JWKS could not be fetched: GET \
             http://127.0.0.1:{closed}/jwks.json: connection refused (127.0.0.1:{closed})"
        )
    );
    assert_eq!(
        said("auth/not-a-key-set"),
        format!(
            "error (protocol): the JWKS at http://127.0.0.1:{port}/token/rs256 is not a key \
             set: no `keys` list"
        )
    );
    assert_eq!(
        said("auth/missing"),
        format!("error (protocol): the JWKS at http://127.0.0.1:{port}/keys answered 404, not 200")
    );
    assert_eq!(
        said("auth/too-big"),
        format!(
            "error (protocol): the JWKS at http://127.0.0.1:{port}/token/big is larger than \
             256 KiB (the limit of a key set)"
        )
    );
    assert_eq!(
        said("auth/redirected"),
        format!(
            "error (protocol): the JWKS at http://127.0.0.1:{}/jwks.json answered 302, not 200",
            moved.port()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jwt_matcher_written_wrong_is_a_load_error() {
    let p = Project::with_prod_env(closed_port(), None, "");
    p.write(
        "checks/auth.yaml",
        r#"checks:
  - name: sign in
    http: { url: "http://chat.test:${port}/" }
    expect:
      status: 200
      body:
        json:
          "$.IdToken": { jwt: { signed_by: "ftp://issuer/keys", claim: { aud: x } } }
          "$.AccessToken": { jwt: { signed_by: "http://issuer.example/keys" } }
          "$.Other": { jwt: { signed_by: "http://localhost:8080/keys" } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    let file = p.shown("checks/auth.yaml");
    let why = "a key set fetched in the clear can be replaced on the way, and a signature \
               checked with it proves nothing; expected an https:// URL (http:// only to a \
               loopback address of this machine, such as 127.0.0.1 or [::1])";
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:8:44: `signed_by` of the jwt of JSONPath `$.IdToken` is not an \
             http(s) URL: \"ftp://issuer/keys\"; expected the URL of the issuer's key set, e.g. \
             https://issuer.example/.well-known/jwks.json\n\
             error: {file}:8:65: unknown key `claim` in the jwt matcher; did you mean `claims`? \
             expected one of: signed_by, header, claims, expires_in\n\
             error: {file}:9:48: `signed_by` of the jwt of JSONPath `$.AccessToken` is plain \
             http to issuer.example: {why}\n\
             error: {file}:10:42: `signed_by` of the jwt of JSONPath `$.Other` is plain \
             http to localhost: {why}\n\
             4 errors found; nothing was probed\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_jwks_is_fetched_with_the_environments_trust_roots_and_resolve_answers() {
    let (issuer, _) = issuer().await;
    issuer.serve_token("rs256", &issuer.sign_with("rs256", &member(&issuer)));
    let pki = Pki::new();
    let jwks = issuer.jwks();
    let keys = TestServer::start(https_config(&pki, &["keys.test"], move |_| {
        TestResponse::ok(jwks.clone())
    }))
    .await;
    let head = format!(
        "vars: {{ port: \"{}\", keys: \"{}\" }}\nresolve: {{ chat.test: 127.0.0.1, keys.test: 127.0.0.1 }}\n",
        issuer.server.port(),
        keys.port()
    );
    let checks = r#"checks:
  - name: signed
    http: { url: "http://chat.test:${port}/token/rs256" }
    expect:
      status: 200
      body: { json: { "$.AuthenticationResult.IdToken": { jwt: { signed_by: "https://keys.test:${keys}/jwks.json" } } } }
"#;
    let trusted = Project::new();
    trusted.env(&head, Some(&pki), "");
    trusted.write("checks/auth.yaml", checks);
    let out = trusted.run(&[]).await;
    out.assert_code_quiet(0);
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");

    // Without the test CA, the key set's server is not trusted: an error of the check.
    let untrusted = Project::new();
    untrusted.env(&head, None, "");
    untrusted.write("checks/auth.yaml", checks);
    let out = untrusted.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_summary("0 passed, 0 failed, 1 error, 0 pending");
    let said = &out.details_of("auth/signed")[1];
    let start = format!(
        "error (tls): the JWKS could not be fetched: GET https://keys.test:{}/jwks.json: ",
        keys.port()
    );
    assert!(said.starts_with(&start), "{out}");
    assert_eq!(keys.requests().len(), 1, "one fetch, by the trusting run");
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_that_ask_at_once_share_one_fetch_of_a_slow_jwks() {
    let (issuer, _) = issuer().await;
    issuer.serve_token("es256", &issuer.sign_with("es256", &member(&issuer)));
    let jwks = issuer.jwks();
    let keys =
        http(move |_| TestResponse::ok(jwks.clone()).delay(Duration::from_millis(400))).await;
    let p = Project::new();
    p.prod_env_vars(
        &[("port", issuer.server.port()), ("keys", keys.port())],
        None,
        "",
    );
    let mut checks = String::from("checks:\n");
    for i in 0..8 {
        checks.push_str(&format!(
            r#"  - name: signed {i}
    http: {{ url: "http://chat.test:${{port}}/token/es256" }}
    expect:
      status: 200
      body: {{ json: {{ "$.AuthenticationResult.IdToken": {{ jwt: {{ signed_by: "http://127.0.0.1:${{keys}}/jwks.json" }} }} }} }}
"#
        ));
    }
    p.write("checks/auth.yaml", &checks);
    let out = p.run(&["--concurrency", "8"]).await;
    out.assert_code_quiet(0);
    out.assert_summary("8 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(keys.requests().len(), 1, "{out}");
}

//! `jwt:` end to end: tokens from an in-process issuer (`support::issuer`), verified against
//! its JWKS, fetched once per run through the environment's `resolve:` answers.

use crate::harness::*;
use crate::support::*;
use serde_json::json;

const CLIENT: &str = "spa-client";

/// An issuer signing sign-ins with RS256 and publishing a key of every algorithm, kid the
/// algorithm's name in lower case, and a project whose `chat.test:${port}` is the issuer.
async fn issuer() -> (Issuer, Project) {
    let issuer = Issuer::start(CLIENT, SigningKey::new(Alg::Rs256, "rs256")).await;
    for alg in Alg::ALL.into_iter().filter(|a| *a != Alg::Rs256) {
        issuer.publish(SigningKey::new(alg, &alg.name().to_lowercase()));
    }
    issuer.add_user("member", "right", &["nest-access", "staff"]);
    let p = Project::with_prod_env(issuer.server.port(), None, "");
    (issuer, p)
}

fn member(issuer: &Issuer) -> serde_json::Value {
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
            jwt: {{ signed_by: "http://chat.test:${{port}}/jwks.json", {jwt} }}
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
              signed_by: "http://chat.test:${port}/jwks.json"
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
    p.write("checks/auth.yaml", &checks);
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("7 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(issuer.jwks_requests(), 1, "{out}");
}

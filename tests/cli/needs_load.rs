//! `needs:` and `capture:` before anything runs: every load error at its place, and what
//! `list` and `explain` show of them.

use crate::harness::*;
use crate::needs::{PASSWORD, issuer, project, sign_in, uses_token};

/// Every mistake of `needs:`, `capture:` and `${capture:..}`, each at its place, before
/// anything is probed.
#[tokio::test(flavor = "multi_thread")]
async fn every_needs_and_capture_mistake_is_a_located_load_error() {
    let server = issuer().await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/flow.yaml",
        r#"checks:
  - name: sign in
    id: auth/sign-in
    http: { url: "http://chat.test:${port}/sign-in" }
    expect: { status: 200 }
    capture:
      id_token: { json: "$.token" }
  - name: unknown id
    needs: [auth/sign-on]
    http: { url: "http://chat.test:${port}/a" }
    expect: { status: 200 }
  - name: unknown capture
    needs: [auth/sign-in]
    http:
      url: "http://chat.test:${port}/b"
      headers: { authorization: "Bearer ${capture:auth/sign-in.id_tokn}" }
    expect: { status: 200 }
  - name: not needed
    http:
      url: "http://chat.test:${port}/c?t=${capture:auth/sign-in.id_token}"
    expect: { status: 200 }
  - name: ping
    id: loop/ping
    needs: [loop/pong]
    http: { url: "http://chat.test:${port}/p" }
    expect: { status: 200 }
  - name: pong
    id: loop/pong
    needs: [loop/ping]
    http: { url: "http://chat.test:${port}/q" }
    expect: { status: 200 }
  - name: capture on dns
    dns: { name: example.test, type: A }
    expect: { rcode: NOERROR }
    capture:
      x: { regex: "(.*)" }
  - name: use in expect
    needs: [auth/sign-in]
    http: { url: "http://chat.test:${port}/d" }
    expect: { status: 200, body: { contains: "${capture:auth/sign-in.id_token}" } }
  - name: used in a header and in expect
    needs: [auth/sign-in]
    http:
      url: "http://chat.test:${port}/f"
      headers: { authorization: "Bearer ${capture:auth/sign-in.id_token}" }
    expect: { status: 200, body: { not: { contains: "${capture:auth/sign-in.id_token}" } } }
  - name: bad capture
    http: { url: "http://chat.test:${port}/e" }
    expect: { status: 200 }
    capture:
      many: { json: "$..id" }
      two: { json: "$.a", header: x }
      none: {}
  - name: every node signs in
    http: { url: "http://chat.test:${port}/g", addresses: all }
    expect: { status: 200 }
    capture:
      session: { header: x-session }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert!(server.requests().is_empty());
    let f = p.shown("checks/flow.yaml");
    let expected = [
        format!(
            "{f}:9:13: `needs` names `auth/sign-on`, which is not a check id; did you mean `auth/sign-in`?"
        ),
        format!(
            "{f}:16:33: `${{capture:auth/sign-in.id_tokn}}`: check `auth/sign-in` has no capture `id_tokn`; did you mean `${{capture:auth/sign-in.id_token}}`?"
        ),
        format!(
            "{f}:20:12: `${{capture:auth/sign-in.id_token}}` names check `auth/sign-in`, which is not in `needs`; add it: needs: [auth/sign-in]"
        ),
        format!(
            "{f}:24:13: `needs` go round in a cycle: loop/ping → loop/pong → loop/ping; expected each check to need only checks that do not need it back; remove one of these needs"
        ),
        format!(
            "{f}:36:7: `capture` works on http checks only; expected an http check to capture from (json:, header:, regex: on its answer)"
        ),
        format!(
            "{f}:40:46: `${{capture:auth/sign-in.id_token}}` stands where a capture cannot be used; expected it in an http check's url, a header value or the request body"
        ),
        format!(
            "{f}:46:53: `${{capture:auth/sign-in.id_token}}` stands where a capture cannot be used; expected it in an http check's url, a header value or the request body"
        ),
        format!(
            "{f}:51:21: `$..id` can select several values; expected a singular JSONPath (names and indexes only), e.g. $.AuthenticationResult.IdToken"
        ),
        format!(
            "{f}:52:12: the capture has json and header: one only; expected one of json: JSONPATH, header: NAME, regex: PATTERN"
        ),
        format!(
            "{f}:53:13: the capture says nowhere to take its value from; expected one of json: JSONPATH, header: NAME, regex: PATTERN"
        ),
        format!(
            "{f}:58:7: `capture` takes a value from one answer, and `addresses: all` has one per address; expected a capture on a check of one address: split the check in two, one with addresses: all to check every node, one (addresses: one) to capture from"
        ),
    ];
    let mut want: String = expected.iter().map(|e| format!("error: {e}\n")).collect();
    want.push_str("11 errors found; nothing was probed\n");
    assert_eq!(out.stderr, want, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_and_explain_show_needs_and_captures() {
    let server = issuer().await;
    let p = project(&server, &[sign_in(PASSWORD, ""), uses_token("me", "")]);
    let port = server.port();
    let out = p.list(&["--only", "api/me"]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "auth/sign-in  []  http POST http://chat.test:{port}/sign-in  (needed by api/me)\n\
             api/me  []  http GET http://chat.test:{port}/me?who=me  (needs auth/sign-in)\n\
             2 checks for env prod\n"
        )
    );
    let out = p.command("explain", &["auth/sign-in"], &[]).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout.contains(
            "\n  captures    id_token from $.AuthenticationResult.IdToken (a secret: ${CAPTURE_AUTH_SIGN_IN_ID_TOKEN})\n"
        ),
        "{out}"
    );
    let out = p.command("explain", &["api/me"], &[]).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout.contains("\n  needs       auth/sign-in\n"),
        "{out}"
    );
    // The command runs where the variable holds the token.
    assert!(
        out.stdout.contains(&format!(
            "\nreproduce\n  curl -sS -i -H 'authorization: Bearer '\"${{CAPTURE_AUTH_SIGN_IN_ID_TOKEN}}\" \
             --resolve chat.test:{port}:127.0.0.1 --max-time 10 'http://chat.test:{port}/me?who=me'\n"
        )),
        "{out}"
    );
}

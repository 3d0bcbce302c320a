//! Redirects that cannot be followed, and whose certificate an http:// URL has: a redirect
//! the check asked to follow is never judged as the answer when it cannot be (a loop, a
//! Location that is no http(s) URL), and `cert:` is the URL's own, never a later hop's.

use crate::harness::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_that_cannot_be_followed_is_an_error() {
    let server = http(|r| {
        let path = r.path.as_str();
        if let Some(n) = path
            .strip_prefix("/loop")
            .and_then(|n| n.parse::<u32>().ok())
        {
            return TestResponse::redirect(302, &format!("/loop{}", n + 1));
        }
        match path {
            "/ftp" => TestResponse::redirect(301, "ftp://files.test/x"),
            "/garbled" => TestResponse::redirect(301, "http://exa mple.test:99999/"),
            // Not Modified, with a Location: an answer, never followed.
            "/not-modified" => TestResponse::redirect(304, "/loop0"),
            _ => TestResponse::status(404),
        }
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/hops.yaml",
        r#"checks:
  - name: loop
    http: { url: "http://chat.test:${port}/loop0", follow_redirects: true }
    expect: { status: { lt: 500 } }
  - name: ftp
    http: { url: "http://chat.test:${port}/ftp", follow_redirects: 3 }
    expect: { status: { lt: 500 } }
  - name: garbled
    http: { url: "http://chat.test:${port}/garbled", follow_redirects: 3 }
    expect: { status: { lt: 500 } }
  - name: loop seen
    http: { url: "http://chat.test:${port}/loop0" }
    expect: { status: 302 }
  - name: not modified
    http: { url: "http://chat.test:${port}/not-modified", follow_redirects: true }
    expect: { status: 304 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    let port = server.port();
    let errors = [
        (
            "hops/loop",
            format!(
                "error (protocol): GET http://chat.test:{port}/loop10: stopped after 10 \
                 redirects: the answer is still a redirect (302 to \"/loop11\"); a redirect \
                 loop, or more hops than follow_redirects allows"
            ),
        ),
        (
            "hops/ftp",
            format!(
                "error (protocol): GET http://chat.test:{port}/ftp: the redirect (301) goes to \
                 \"ftp://files.test/x\", not to an http or https URL"
            ),
        ),
        (
            "hops/garbled",
            format!(
                "error (protocol): GET http://chat.test:{port}/garbled: the redirect's \
                 Location \"http://exa mple.test:99999/\" (301) is not a URL that can be \
                 followed"
            ),
        ),
    ];
    for (id, message) in errors {
        assert_eq!(out.details_of(id)[1], message, "{out}");
    }
    // Not asked to follow: the redirect is the answer, as always.
    out.assert_line("PASS", "hops/loop-seen", "loop seen");
    out.assert_line("PASS", "hops/not-modified", "not modified");
    out.assert_summary("2 passed, 0 failed, 3 errors, 0 pending");
}

/// An http:// URL redirected to https has no certificate of its own: `cert:` fails saying
/// so, never judging the https hop's.
#[tokio::test(flavor = "multi_thread")]
async fn the_certificate_judged_is_the_urls_own() {
    let pki = Pki::new();
    let secure = https(&pki, |_| TestResponse::ok("secure")).await;
    let to = format!("https://chat.test:{}/", secure.port());
    let plain = http(move |_| TestResponse::redirect(302, &to)).await;
    let p = Project::new();
    p.prod_env_vars(&[("plain", plain.port())], Some(&pki), "");
    p.write(
        "checks/hops.yaml",
        r#"checks:
  - name: cert
    http: { url: "http://chat.test:${plain}/", follow_redirects: true }
    expect: { status: 200, cert: { expires_in: { gt: 7d } } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    assert_eq!(
        out.details_of("hops/cert")[1..4],
        [
            "cert expires_in",
            "  expected: > 7d",
            "  actual:   no certificate was presented",
        ],
        "{out}"
    );
    assert_eq!(secure.requests().len(), 1);
}

//! The HTML report (`run --html`, `--history`, `merge --html`, `conform report`), end to end:
//! four runs against one server whose answers change between them, the last one writing the
//! page with the first three as history; the page rendered in a real headless browser.

use crate::harness::*;
use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) mod browser;
pub(crate) mod dom;
mod page;

/// The value of `TEST_TOKEN`.
const SECRET: &str = "tok-Hq7Zp2Lx9Vw";
const SECRET_ENV: [(&str, &str); 1] = [("TEST_TOKEN", SECRET)];

/// What `/xss` answers: markup that would run if the page took it for its own.
const HOSTILE: &str = "<script>document.title='pwned'</script><img src=x \
                       onerror=\"document.title='pwned'\">";

const WEB: &str = r#"suite: web
checks:
  - name: ok
    tags: [gate, nightly]
    http: { url: "http://chat.test:${port}/ok" }
    expect: { status: 200 }
  - name: toggle
    tags: [nightly]
    http: { url: "http://chat.test:${port}/toggle" }
    expect: { status: 200 }
  - name: xss
    tags: [nightly]
    http: { url: "http://chat.test:${port}/xss" }
    expect: { status: 200, body: { contains: welcome } }
"#;

const API: &str = r#"suite: api
checks:
  - name: token
    tags: [gate]
    http: { url: "http://chat.test:${port}/token?key=${secret:TEST_TOKEN}" }
    expect: { status: 201 }
  - name: down
    http: { url: "http://chat.test:${closed}/" }
    expect: { status: 200 }
"#;

/// Every check, in plan order (files by name).
const IDS: [&str; 5] = ["api/token", "api/down", "web/ok", "web/toggle", "web/xss"];

pub(crate) struct Fixture {
    _server: TestServer,
    /// `/toggle` answers 200 while set, 500 otherwise.
    good: Arc<AtomicBool>,
    pub(crate) p: Project,
}

impl Fixture {
    pub(crate) async fn new() -> Fixture {
        let good = Arc::new(AtomicBool::new(true));
        let is_good = Arc::clone(&good);
        let server = http(
            move |r| match r.path.split('?').next().unwrap_or_default() {
                "/ok" => TestResponse::ok("fine"),
                "/toggle" if is_good.load(Ordering::SeqCst) => TestResponse::ok("fine"),
                "/toggle" => TestResponse::status(500),
                "/xss" => TestResponse::ok(HOSTILE),
                // Echoes what it was sent: the secret, in the body.
                _ => TestResponse::ok(format!("you sent {}", r.path)),
            },
        )
        .await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let p = Project::new();
        p.prod_env_vars(&[("port", server.port()), ("closed", closed)], None, "");
        p.write("checks/web.yaml", WEB)
            .write("checks/api.yaml", API);
        Fixture {
            _server: server,
            good,
            p,
        }
    }

    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        self.p.run_with_env(args, &SECRET_ENV).await
    }

    /// A path under the project, as a string for the command line.
    pub(crate) fn file(&self, rel: &str) -> String {
        self.p.shown(rel)
    }

    /// Three runs into `history/` (`/toggle` good, bad, good), then the run that writes
    /// `out.html` with them (`/toggle` bad): `web/toggle` changed outcome three times.
    pub(crate) async fn four_runs(&self) -> Output {
        for (n, good) in [(1, true), (2, false), (3, true)] {
            self.good.store(good, Ordering::SeqCst);
            let json = self.file(&format!("history/run-{n}.json"));
            self.run(&["--json", &json]).await.assert_code(1);
        }
        self.good.store(false, Ordering::SeqCst);
        let (html, history) = (self.file("out.html"), self.file("history"));
        self.run(&["--html", &html, "--history", &history]).await
    }
}

/// Every `src`, `href`, `action`, `srcset`, `poster`, `data` and `formaction` attribute value
/// of the elements of `html`, and every `url(`: what a page could fetch or go to.
pub(crate) fn references(html: &str) -> Vec<String> {
    let mut found: Vec<String> = dom::elements(html, None)
        .into_iter()
        .flat_map(|e| e.attrs.into_iter())
        .filter(|(name, _)| {
            [
                "src",
                "href",
                "action",
                "srcset",
                "poster",
                "data",
                "formaction",
            ]
            .contains(&name.as_str())
        })
        .map(|(_, value)| value)
        .collect();
    found.extend(
        html.match_indices("url(")
            .map(|(i, _)| html[i..].chars().take(40).collect::<String>()),
    );
    found
}

//! Fail closed, output: no server can forge a line of conform's output (terminal, TAP, JSON,
//! GitHub workflow commands, the step summary), and secrets leak in no form from `list`, `run`
//! or `explain`.

use crate::harness::*;
use crate::support::dns_server;
use crate::support::*;

/// The body the hostile web server sends: commands for a CI runner, a forged check line, CRLF
/// and a terminal escape.
const BODY: &str =
    "line one\n::stop-commands::token\n##[error]body forged\nPASS forged\r\nend\u{1b}[2J";

/// A web server and a DNS server that both try to forge output, and a project with one check
/// of each that fails (so that their exchange is shown with `-v`).
async fn hostile_project() -> (TestServer, dns_server::DnsServer, Project) {
    let web = http(|_| {
        TestResponse::ok(BODY)
            .header("x-evil", "##[error]header forged")
            .header("x-bidi", "a\u{202e}b")
            .header("x-tab", "a\tb")
    })
    .await;
    let dns = dns_server::start_with(
        "forge.test.",
        vec![
            dns_server::rr("txt.forge.test.", 30, "TXT", "a\n::error title=x::forged"),
            dns_server::rr("txt.forge.test.", 30, "TXT", "b\nPASS forged"),
            dns_server::rr("txt.forge.test.", 30, "TXT", "c\u{0}\u{1b}[31m\u{85}"),
        ],
    )
    .await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{}\", dns: \"{}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\n",
            web.port(),
            dns.addr()
        ),
        None,
        "",
    );
    p.write(
        "checks/forge.yaml",
        r#"checks:
  - name: web
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 201 }
  - name: txt
    dns: { name: txt.forge.test, type: TXT, server: "${dns}" }
    expect: { answers: [nope] }
"#,
    );
    (web, dns, p)
}

/// No line a server wrote starts a line of the output, and under `github` no line outside a
/// `::stop-commands::TOKEN` … `::TOKEN::` region (with a random 128-bit token) can be read as a
/// workflow command, other than conform's own (masks and annotations).
#[track_caller]
fn assert_unforgeable(text: &str, github: bool) {
    let mut region: Option<String> = None;
    let mut regions = 0;
    for line in text.lines() {
        for forged in [
            "PASS forged",
            "::error title=x",
            "::stop-commands::token",
            "##[",
        ] {
            assert!(
                !line.starts_with(forged),
                "forged line {line:?} in:\n{text}"
            );
        }
        if let Some(token) = &region {
            if *line == format!("::{token}::") {
                region = None;
            }
            continue;
        }
        assert!(
            !line.contains("##["),
            "{line:?} outside a stop-commands region:\n{text}"
        );
        if let Some(token) = line.strip_prefix("::stop-commands::") {
            assert!(github, "{text}");
            assert_eq!(token.len(), 32, "{line}");
            assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{line}");
            region = Some(token.to_string());
            regions += 1;
            continue;
        }
        if line.starts_with("::") {
            assert!(github, "a line starts with `::`: {line:?}\n{text}");
            let ours = [
                "::add-mask::",
                "::error file=",
                "::warning file=",
                "::notice file=",
            ];
            assert!(
                ours.iter().any(|o| line.starts_with(o)),
                "{line:?} is not one of conform's commands:\n{text}"
            );
        }
    }
    assert!(
        region.is_none(),
        "the stop-commands region is never closed:\n{text}"
    );
    if github {
        assert_eq!(regions, 1, "{text}");
    }
}

/// What `-v` shows of the two exchanges, exactly.
#[track_caller]
fn assert_exchanges_escaped(out: &Output, port: u16) {
    let web = out.details_of("forge/web");
    let tail: Vec<&str> = web
        .iter()
        .map(String::as_str)
        .skip_while(|l| !l.starts_with("> GET"))
        .filter(|l| !l.starts_with("< date: "))
        .collect();
    assert_eq!(
        tail,
        [
            format!("> GET http://chat.test:{port}/").as_str(),
            "< HTTP/1.1 200",
            "< x-evil: #\\x23[error]header forged",
            "< x-bidi: a\\u{202e}b",
            "< x-tab: a\\tb",
            &format!("< content-length: {}", BODY.len()),
            &format!("body ({} bytes):", BODY.len()),
            "  | line one",
            "  | ::stop-commands::token",
            "  | #\\x23[error]body forged",
            "  | PASS forged",
            "  | end\\x1b[2J",
        ]
        .map(String::from)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
        "{out}"
    );
    let txt = out.details_of("forge/txt");
    let actual = "  actual:   [\"a\\n::error title=x::forged\", \"b\\nPASS forged\", \"c\\0\\u{1b}[31m\\u{85}\"]";
    assert!(txt.iter().any(|l| l == actual), "{out}");
    let records: Vec<&String> = txt
        .iter()
        .filter(|l| l.starts_with("< txt.forge.test."))
        .collect();
    assert_eq!(
        records,
        [
            "< txt.forge.test. 30 IN TXT a\\n::error title=x::forged",
            "< txt.forge.test. 30 IN TXT b\\nPASS forged",
            "< txt.forge.test. 30 IN TXT c\\x00\\x1b[31m\\u{85}",
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_server_can_forge_a_line_of_the_human_report() {
    let (web, _dns, p) = hostile_project().await;
    for verbosity in ["-v", "-vv"] {
        let out = p.run(&[verbosity]).await;
        out.assert_code(1);
        out.assert_summary("0 passed, 2 failed, 0 errors, 0 pending");
        assert_unforgeable(&out.stdout, false);
        assert_exchanges_escaped(&out, web.port());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_server_can_forge_a_workflow_command_under_format_github() {
    let (web, _dns, p) = hostile_project().await;
    let summary = p.path().join("summary.md");
    let summary_arg = summary.display().to_string();
    let out = p
        .run_with_env(
            &["--format", "github", "-vv"],
            &[("GITHUB_STEP_SUMMARY", &summary_arg)],
        )
        .await;
    out.assert_code(1);
    assert_unforgeable(&out.stdout, true);
    assert_exchanges_escaped(&out, web.port());
    // The annotation of the DNS check: the answers on one line, newlines escaped.
    let notes: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error file="))
        .collect();
    assert_eq!(notes.len(), 2, "{out}");
    assert!(
        notes[1].contains("%0A  actual:   [\"a\\n::error title=x::forged\", \"b\\nPASS forged\", \"c\\0\\u{1b}[31m\\u{85}\"]"),
        "{out}"
    );
    // Two runs draw different tokens.
    let again = p.run(&["--format", "github"]).await;
    let token = |o: &Output| {
        o.stdout
            .lines()
            .find_map(|l| l.strip_prefix("::stop-commands::").map(String::from))
    };
    assert_ne!(token(&out), token(&again), "{again}");
    let summary = std::fs::read_to_string(&summary).expect("the step summary");
    assert_unforgeable(&summary, false);
    assert!(
        summary.contains(
            "\\[\"a\\\\n::error title=x::forged\", \"b\\\\nPASS forged\", \
             \"c\\\\0\\\\u{1b}\\[31m\\\\u{85}\"\\]"
        ),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_server_can_forge_a_line_of_tap_or_json() {
    let (_web, _dns, p) = hostile_project().await;
    let tap = p.run(&["--format", "tap", "-vv"]).await;
    tap.assert_code(1);
    assert_unforgeable(&tap.stdout, false);
    assert!(
        tap.stdout.contains(
            "      actual: \"[\\\"a\\\\n::error title=x::forged\\\", \\\"b\\\\nPASS forged\\\", \
             \\\"c\\\\0\\\\u{1b}[31m\\\\u{85}\\\"]\"\n"
        ),
        "{tap}"
    );
    let json = p.run(&["--format", "json", "-vv"]).await;
    json.assert_code(1);
    assert_unforgeable(&json.stdout, false);
    assert!(
        json.stdout
            .contains(r#""actual": "[\"a\\n::error title=x::forged\", \"b\\nPASS forged\", \"c\\0\\u{1b}[31m\\u{85}\"]""#),
        "{json}"
    );
}

const SECRET: &str = "tok\"en+4 x^y";

/// `list`, `explain` and `run` in every format show no form of a secret that is in a check's
/// name (so its id), tags, pending reason, URL userinfo and Basic credentials.
#[tokio::test(flavor = "multi_thread")]
async fn list_explain_and_every_format_hide_every_form_of_a_secret() {
    let web = http(|r| {
        let auth = r.header("authorization").unwrap_or("none").to_string();
        TestResponse::ok(format!("{{\"echo\": {}}}", serde_json::json!(auth)))
            .header("x-echo", &auth)
    })
    .await;
    let p = Project::with_prod_env(web.port(), None, "");
    p.write(
        "checks/s.yaml",
        r#"checks:
  - name: "login ${secret:TEST_TOKEN}"
    tags: ["t-${secret:TEST_TOKEN}"]
    pending: { reason: "waits for ${secret:TEST_TOKEN}" }
    http:
      url: "http://u:${secret:TEST_TOKEN}@chat.test:${port}/?k=${secret:TEST_TOKEN}"
      headers: { authorization: "Basic ${secret:TEST_TOKEN_B64}" }
    expect: { status: 201, body: { json: { "$.echo": "${secret:TEST_TOKEN}" } } }
"#,
    );
    let b64 = base64_of(&format!("user:{SECRET}"));
    let env = [("TEST_TOKEN", SECRET), ("TEST_TOKEN_B64", b64.as_str())];
    let forms = forms_of(SECRET, &b64);

    let list = p.command("list", &[], &env).await;
    list.assert_code(0);
    assert_eq!(
        list.stdout.lines().next(),
        Some(
            "s/login-[redacted:TEST_TOKEN]  [t-[redacted:TEST_TOKEN]]  http GET \
             http://u:[redacted:TEST_TOKEN]@chat.test:PORT/?k=[redacted:TEST_TOKEN]  \
             (pending: waits for [redacted:TEST_TOKEN])"
                .replace("PORT", &web.port().to_string())
                .as_str()
        ),
        "{list}"
    );
    assert_hides(&list.stdout, &forms, "list");

    let id = list
        .stdout
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let explain = p.command("explain", &["login tok\"en+4 x^y"], &env).await;
    explain.assert_code(0);
    assert_hides(&explain.stdout, &forms, "explain");
    assert!(
        explain.stdout.contains("Basic [redacted:TEST_TOKEN]"),
        "{explain}"
    );

    for format in ["human", "github", "tap", "json"] {
        let out = p.run_with_env(&["--format", format, "-vv"], &env).await;
        out.assert_code(0);
        let shown = without_masks(&out.stdout);
        assert_hides(&shown, &forms, format);
        assert_hides(&p.junit(), &forms, "junit.xml");
        assert_hides(&p.read("reports/report.json"), &forms, "report.json");
    }
    let out = p.run_with_env(&["-vv"], &env).await;
    let details = out.details_of(&id);
    assert!(
        details.contains(&"< x-echo: Basic [redacted:TEST_TOKEN]".to_string()),
        "{out}"
    );
}

/// The forms a secret may take in output: raw, percent-encoded (both hex cases, `+` for a
/// space), JSON-escaped, shell-quoted, and base64 (with `user:` in front, as Basic sends it).
fn forms_of(secret: &str, basic: &str) -> Vec<String> {
    let upper: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    vec![
        secret.to_string(),
        upper.clone(),
        upper.to_lowercase(),
        secret
            .replace(' ', "%20")
            .replace('"', "%22")
            .replace('/', "%2F")
            .replace('+', "%2B"),
        serde_json::to_string(secret)
            .unwrap_or_default()
            .trim_matches('"')
            .to_string(),
        secret.replace('\'', "'\\''"),
        basic.to_string(),
        basic[4..basic.len() - 4].to_string(),
    ]
}

/// `stdout` without its `::add-mask::` lines: masks are the one place the runner must be told
/// a secret itself.
fn without_masks(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[track_caller]
fn assert_hides(text: &str, forms: &[String], what: &str) {
    for form in forms {
        assert!(
            !text.contains(form.as_str()),
            "{what} shows {form:?}:\n{text}"
        );
    }
}

fn base64_of(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A secret the server echoes across the 300-character cut of a shown value, and a secret with
/// quotes and backslashes sent in a `json:` body: no part of either is shown, anywhere.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_across_the_cut_or_in_a_json_body_is_never_shown_in_part() {
    const LONG: &str = "Zq9-straddle-the-cut-0123456789-abcdefghij";
    const QUOTED: &str = r#"pa"ss\word'42"#;
    let web = http(|r| {
        // `"` (1) and 289 characters put the secret's start 10 characters before the cut.
        let body = format!(
            "{}{LONG} {}",
            "x".repeat(289),
            String::from_utf8_lossy(&r.body)
        );
        TestResponse::ok(body)
    })
    .await;
    let p = Project::with_prod_env(web.port(), None, "");
    p.write(
        "checks/cut.yaml",
        r#"checks:
  - name: echo
    http:
      url: "http://chat.test:${port}/"
      method: POST
      json: { password: "${secret:TEST_TOKEN}", long: "${secret:TEST_LONG}" }
    expect: { body: { contains: nope } }
"#,
    );
    let env = [("TEST_TOKEN", QUOTED), ("TEST_LONG", LONG)];
    for format in ["human", "github", "tap", "json"] {
        let out = p.run_with_env(&["--format", format, "-v"], &env).await;
        out.assert_code(1);
        let shown = without_masks(&out.stdout);
        for text in [&shown, &p.junit(), &p.read("reports/report.json")] {
            assert_no_secret(text, LONG, format);
            assert_no_secret(text, QUOTED, format);
            assert_no_secret(text, r#"pa\"ss\\word'42"#, format);
            assert!(!text.contains("Zq9-st"), "{format}: {text}");
        }
        if format == "human" {
            let details = out.details_of("cut/echo");
            let actual = format!(
                "  actual:   \"{}[redacted:TEST_LONG]… (386 characters)",
                "x".repeat(289)
            );
            assert!(details.contains(&actual), "{out}");
            let body = format!(
                "  | {}[redacted:TEST_LONG] \
                 {{\"long\":\"[redacted:TEST_LONG]\",\"password\":\"[redacted:TEST_TOKEN]\"}}",
                "x".repeat(289)
            );
            assert!(details.contains(&body), "{out}");
        }
    }
}

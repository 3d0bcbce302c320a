//! Every wait is bounded (24h), and a timeout beyond any clock is a load error.

use crate::harness::*;
use crate::support::*;

/// A tls check whose timeout is the largest number of seconds there is: a load error, not
/// a panic that would drop the check from the reports.
#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_beyond_any_clock_is_a_load_error() {
    let p = Project::with_prod_env(1, None, "");
    p.write(
        "checks/edge.yaml",
        "checks:
  - name: cert
    timeout: 18446744073709551615s
    tls: { host: chat.test, port: 443 }
    expect: { handshake: accepted }
",
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:3:14: `timeout` `18446744073709551615s` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             1 error found; nothing was probed\n",
            p.shown("checks/edge.yaml")
        ),
        "{out}"
    );
}

/// 24h is the longest wait: a check's `timeout` and `retry_delay`, the file's and the
/// environment's defaults, and `--timeout`.
#[tokio::test(flavor = "multi_thread")]
async fn waits_are_bounded_by_24h_everywhere() {
    let (_server, p) = http_project(TestResponse::ok("ok")).await;
    let check = |timeout: &str, delay: &str| {
        format!(
            "checks:
  - name: up
    timeout: {timeout}
    retry_delay: {delay}
    http: {{ url: \"http://chat.test:${{port}}/\" }}
    expect: {{ status: 200 }}
"
        )
    };
    p.write("checks/web.yaml", &check("24h", "24h"));
    p.run(&[]).await.assert_code(0);
    p.run(&["--timeout", "24h"]).await.assert_code(0);

    let file = p.shown("checks/web.yaml");
    p.write("checks/web.yaml", &check("25h", "1d1s"));
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:14: `timeout` `25h` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             error: {file}:4:18: `retry_delay` `1d1s` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );

    p.write(
        "checks/web.yaml",
        "defaults: { timeout: 48h }\nchecks:\n  - name: up\n    http: { url: \"http://chat.test:${port}/\" }\n    expect: { status: 200 }\n",
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:1:22: `timeout` `48h` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );

    p.write("checks/web.yaml", &check("5s", "1s"));
    let port = _server.port();
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\ndefaults: {{ retry_delay: 100000000h }}\n"
        ),
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:3:26: `retry_delay` `100000000h` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             1 error found; nothing was probed\n",
            p.shown("environments/prod.yaml")
        ),
        "{out}"
    );

    p.write(
        "environments/prod.yaml",
        &format!("vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\n"),
    );
    let out = p.run(&["--timeout", "25h"]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(
        "error: invalid value '25h' for '--timeout <D>': it is longer than 24h; \
         expected a duration of at most 24h, such as 5s or 1m",
    );

    // `host_rate`'s period too: 1/500y would hold the second check of a host for 500 years
    // (and 1/500000000000y overflowed the clock).
    for rate in ["1/500y", "1/500000000000y", "2/25h"] {
        p.write(
            "environments/prod.yaml",
            &format!(
                "vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\nhost_rate: {rate}\n"
            ),
        );
        let out = p.run(&[]).await;
        out.assert_code(2);
        assert_eq!(
            out.stderr,
            format!(
                "error: {}:3:12: `host_rate` `{rate}` has a period longer than 24h; expected a \
                 period of at most 24h, e.g. 10/s, 15/10s or 100/1h\n\
                 1 error found; nothing was probed\n",
                p.shown("environments/prod.yaml")
            ),
            "{out}"
        );
    }
}

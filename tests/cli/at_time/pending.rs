//! Pending `until` as of WHEN: the failure is excused through the `until` day (UTC) of the
//! evaluation clock, and a WHEN in the past is allowed ("as of yesterday").

use super::*;

/// A server that answers 200 where the check wants 403, and two pending checks: one excused
/// until `until`, one whose excuse ended on 2020-01-01.
async fn pending_project(until: time::Date) -> (TestServer, Project) {
    let (server, p) = http_project(TestResponse::ok("open")).await;
    p.write(
        "checks/waf.yaml",
        &format!(
            r#"checks:
  - name: admin blocked
    pending: {{ reason: "rule ships later", until: {until} }}
    http: {{ url: "http://chat.test:${{port}}/admin" }}
    expect: {{ status: 403 }}
  - name: old excuse
    pending: {{ reason: "was due in 2019", until: 2020-01-01 }}
    http: {{ url: "http://chat.test:${{port}}/old" }}
    expect: {{ status: 403 }}
"#
        ),
    );
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_check_flips_after_its_until_day_as_of_when() {
    let until = days_from_now(10).date();
    let (_server, p) = pending_project(until).await;
    let admin = ["--only", "waf/admin-blocked"];

    // Through the whole `until` day, the failure is excused.
    for when in [
        String::new(),
        until.to_string(),
        format!("{until}T23:59:59Z"),
        "+9d".to_string(),
    ] {
        let mut args = admin.to_vec();
        if !when.is_empty() {
            args.extend(["--at", when.as_str()]);
        }
        let out = p.run(&args).await;
        out.assert_code_quiet(0);
        out.assert_line("PENDING", "waf/admin-blocked", "admin blocked");
        out.assert_summary("0 passed, 0 failed, 0 errors, 1 pending");
    }

    // The day after, it is a failure again, and the message says as of when.
    let day_after = until.next_day().expect("a day");
    let out = p
        .run(&[&admin[..], &["--at", &day_after.to_string()][..]].concat())
        .await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "waf/admin-blocked", "admin blocked");
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    let message = format!(
        "status: expected 403, got 200 (pending expired on {until} as of {day_after}T00:00:00Z: \
         rule ships later)"
    );
    p.verdict("admin blocked", "failure")
        .assert_is("fail", &message);
    let json = json_report(&p);
    assert_eq!(json["checks"][0]["message"], message.as_str());
    assert_eq!(json["checks"][0]["outcome"], "fail");
}

#[tokio::test(flavor = "multi_thread")]
async fn as_of_a_past_day_an_old_excuse_still_holds() {
    let (_server, p) = pending_project(days_from_now(10).date()).await;
    let now = p.run(&[]).await;
    now.assert_code_quiet(1);
    now.assert_outcomes(&[("PENDING", "waf/admin-blocked"), ("FAIL", "waf/old-excuse")]);

    let past = p.run(&["--at", "2019-12-31"]).await;
    past.assert_code_quiet(0);
    past.assert_outcomes(&[
        ("PENDING", "waf/admin-blocked"),
        ("PENDING", "waf/old-excuse"),
    ]);
    past.assert_summary("0 passed, 0 failed, 0 errors, 2 pending");
    let lines: Vec<&str> = past.stdout.lines().collect();
    assert_eq!(
        lines[lines.len() - 2],
        "judged as of 2019-12-31T00:00:00Z (2019-12-31)",
        "{past}"
    );
}

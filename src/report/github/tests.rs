use super::*;
use crate::probe::ProbeErrorKind;
use crate::report::detail::fixtures::*;
use std::sync::Arc;

fn root_failure() -> CheckResult {
    let mut r = result(
        check("chat", "chat/root", "root redirects"),
        Outcome::Fail,
        vec![failed(vec![mismatch("status", "302", "200")])],
    );
    r.message = "status: expected 302, got 200".into();
    r
}

fn flaky_up() -> CheckResult {
    let mut c = check("nest", "nest/up", "nest up");
    c.retries = 1;
    let mut r = result(
        c,
        Outcome::Pass,
        vec![failed(vec![mismatch("status", "200", "503")]), passed()],
    );
    r.flaky = true;
    r
}

fn refused() -> CheckResult {
    let mut r = result(
        check("nest", "nest/api", "api"),
        Outcome::Error,
        vec![errored(
            ProbeErrorKind::Refused,
            "connect to 10.0.0.1:443: refused",
        )],
    );
    r.message = "connect to 10.0.0.1:443: refused".into();
    r
}

fn sample() -> RunReport {
    let mut pending = pending_waf();
    pending.message = "pending: WAF rule in COUNT mode".into();
    let mut not_run = result(check("dns", "dns/mx", "mx"), Outcome::NotRun, Vec::new());
    not_run.message = "not run: stopped by --fail-fast".into();
    report(vec![
        result(
            check("chat", "chat/up", "up"),
            Outcome::Pass,
            vec![passed()],
        ),
        root_failure(),
        refused(),
        pending,
        fixed_new(),
        flaky_up(),
        not_run,
    ])
}

#[test]
fn annotations_of_every_outcome() {
    assert_eq!(
        annotations(&sample(), &secrets()),
        "::add-mask::s3cr3t-t0ken\n\
         ::error file=checks/chat.yaml,line=3,title=chat/root (fail)::\
         status%0A  expected: 302%0A  actual:   200%0A\
         reproduce: curl -sS -i https://chat.example/\n\
         ::error file=checks/nest.yaml,line=3,title=nest/api (error)::\
         connect to 10.0.0.1:443: refused%0A\
         reproduce: curl -sS -i https://chat.example/\n\
         ::error file=checks/chat.yaml,line=3,title=chat/new (fixed)::\
         pending check now passes: remove `pending`%0A\
         reproduce: curl -sS -i https://chat.example/\n\
         ::warning file=checks/nest.yaml,line=3,title=nest/up (flaky)::\
         flaky: passed on attempt 2 of 2%0A\
         attempt 1: fail (status: expected 200, got 503)%0A\
         reproduce: curl -sS -i https://chat.example/\n\
         ::notice file=checks/chat.yaml,line=3,title=chat/waf (pending)::\
         pending: WAF rule in COUNT mode%0Astatus%0A  expected: 403%0A  actual:   200%0A\
         reproduce: curl -sS -i https://chat.example/\n"
    );
}

#[test]
fn nothing_to_say_about_a_clean_run() {
    let clean_run = report(vec![result(
        check("chat", "chat/up", "up"),
        Outcome::Pass,
        vec![passed()],
    )]);
    assert_eq!(annotations(&clean_run, &Secrets::default()), "");
}

#[test]
fn escaping_follows_the_workflow_command_rules() {
    assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
    assert_eq!(
        escape_property("50% a\r\nb: c, d"),
        "50%25 a%0D%0Ab%3A c%2C d"
    );
    // Percent goes first, so an escape already in the text is not taken for one.
    assert_eq!(escape_data("%0A"), "%250A");
}

#[test]
fn text_from_the_server_cannot_start_another_command() {
    let mut c = check("chat", "chat/a:b,c", "odd");
    c.file = "checks/we,ird:name%.yaml".into();
    c.line = 17;
    let mut r = result(
        c,
        Outcome::Fail,
        vec![failed(vec![mismatch(
            "body",
            "100%",
            "a\r\n::set-output name=x::y",
        )])],
    );
    r.message = "body: 100% off\nnext".into();
    r.reproduce = None;
    let out = annotations(&report(vec![r]), &Secrets::default());
    assert_eq!(
        out,
        "::error file=checks/we%2Cird%3Aname%25.yaml,line=17,title=chat/a%3Ab%2Cc (fail)::\
         body: 100%25 off%0Anext%0Abody%0A  expected: 100%25%0A\
         \x20 actual:   a%0A::set-output name=x::y\n"
    );
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn at_most_ten_of_each_kind_the_last_naming_the_rest() {
    let mut results = Vec::new();
    for i in 0..12 {
        let mut r = root_failure();
        r.check = Arc::new(check("chat", &format!("chat/f{i}"), "f"));
        results.push(r);
    }
    for i in 0..10 {
        let mut r = flaky_up();
        r.check = Arc::new(check("nest", &format!("nest/flaky{i}"), "f"));
        results.push(r);
    }
    for i in 0..11 {
        let mut r = pending_waf();
        r.check = Arc::new(with_pending(
            check("chat", &format!("chat/p{i}"), "p"),
            "later",
        ));
        results.push(r);
    }
    let out = annotations(&report(results), &Secrets::default());
    let count = |prefix: &str| out.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("::error "), ANNOTATIONS_PER_KIND);
    assert_eq!(count("::warning "), ANNOTATIONS_PER_KIND);
    assert_eq!(count("::notice "), ANNOTATIONS_PER_KIND);
    assert!(out.contains("title=chat/f8 (fail)"), "{out}");
    assert!(!out.contains("title=chat/f9 (fail)"), "{out}");
    let summaries: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("title=conform"))
        .collect();
    assert_eq!(
        summaries,
        [
            "::error title=conform::and 3 more failing checks: chat/f9, chat/f10, chat/f11",
            "::notice title=conform::and 2 more pending checks: chat/p9, chat/p10",
        ]
    );
    // Exactly ten of a kind need no summary.
    assert!(out.contains("title=nest/flaky9 (flaky)"), "{out}");
}

#[test]
fn secrets_are_masked_and_never_written_otherwise() {
    let mut secrets = secrets();
    secrets.insert("KEY", "line-one\nline-two\n");
    let mut c = check("chat", "chat/s3cr3t-t0ken", "n");
    c.file = "checks/s3cr3t-t0ken.yaml".into();
    let mut r = result(
        c,
        Outcome::Fail,
        vec![failed(vec![mismatch(
            "header authorization",
            "Bearer s3cr3t-t0ken",
            "key line-one\nline-two\n",
        )])],
    );
    r.message = "got s3cr3t-t0ken".into();
    r.reproduce = command(&[
        "curl",
        "-H",
        "authorization: Bearer s3cr3t-t0ken",
        "https://chat.example/",
    ]);
    let report = report(vec![r]);
    let out = annotations(&report, &secrets);
    let (masks, rest): (Vec<&str>, Vec<&str>) =
        out.lines().partition(|l| l.starts_with("::add-mask::"));
    assert_eq!(
        masks,
        [
            "::add-mask::line-one%0Aline-two%0A",
            "::add-mask::line-one",
            "::add-mask::line-two",
            "::add-mask::s3cr3t-t0ken",
        ]
    );
    let rest = rest.join("\n");
    for leak in ["s3cr3t", "line-one", "line-two"] {
        assert!(!rest.contains(leak), "{rest}");
    }
    assert!(
        rest.contains("title=chat/[redacted%3ATOKEN] (fail)"),
        "{rest}"
    );
    assert!(rest.contains("Bearer [redacted:TOKEN]"), "{rest}");
    assert!(rest.contains("key [redacted:KEY]"), "{rest}");
    let summary = step_summary(&report, &secrets);
    for leak in ["s3cr3t", "line-one", "line-two"] {
        assert!(!summary.contains(leak), "{summary}");
    }
}

#[test]
fn one_mask_rule_the_value_whole_and_each_line() {
    let mut secrets = secrets();
    secrets.insert("KEY", "line-one\nline-two\r\n  \nthird");
    secrets.insert("CR", "left\rright");
    assert_eq!(
        masks(&secrets),
        "::add-mask::left%0Dright\n\
         ::add-mask::left\n\
         ::add-mask::right\n\
         ::add-mask::line-one%0Aline-two%0D%0A  %0Athird\n\
         ::add-mask::line-one\n\
         ::add-mask::line-two\n\
         ::add-mask::third\n\
         ::add-mask::s3cr3t-t0ken\n"
    );
    // The annotations open with the same masks the run writes before its first line.
    let out = annotations(&sample(), &secrets);
    let rest = out
        .strip_prefix(masks(&secrets).as_str())
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(rest, check_annotations(&sample(), &secrets));
    assert!(!rest.contains("::add-mask::"), "{rest}");
}

#[test]
fn a_secret_at_the_cut_of_an_attempt_summary_is_not_shown_in_part() {
    let mut r = flaky_up();
    let long = format!("{}s3cr3t-t0ken", "x".repeat(270));
    r.attempts[0] = failed(vec![mismatch("body", "ok", &long)]);
    let out = annotations(&report(vec![r]), &secrets());
    let rest: Vec<&str> = out.lines().skip(1).collect();
    assert!(!rest.concat().contains("s3cr"), "{out}");
}

#[test]
fn step_summary_lists_what_did_not_pass() {
    assert_eq!(
        step_summary(&sample(), &secrets()),
        "## ❌ conform prod: 2 passed, 1 failed, 1 error, 1 pending, 1 fixed, 1 not run, \
         1 flaky in 0.42s\n\
         \n\
         | outcome | check | message | where |\n\
         | --- | --- | --- | --- |\n\
         | fail | chat/root | status: expected 302, got 200 | checks/chat.yaml:3 |\n\
         | error | nest/api | connect to 10.0.0.1:443: refused | checks/nest.yaml:3 |\n\
         | pending | chat/waf | pending: WAF rule in COUNT mode | checks/chat.yaml:3 |\n\
         | fixed | chat/new | pending check now passes: remove \\`pending\\` | \
         checks/chat.yaml:3 |\n\
         | flaky | nest/up | flaky: passed on attempt 2 of 2 | checks/nest.yaml:3 |\n\
         | not run | dns/mx | not run: stopped by --fail-fast | checks/dns.yaml:3 |\n\
         \n\
         <details>\n\
         <summary>Reproduce by hand</summary>\n\
         \n\
         ```sh\n\
         # chat/root\n\
         curl -sS -i https://chat.example/\n\
         \n\
         # nest/api\n\
         curl -sS -i https://chat.example/\n\
         \n\
         # chat/waf\n\
         curl -sS -i https://chat.example/\n\
         \n\
         # chat/new\n\
         curl -sS -i https://chat.example/\n\
         \n\
         # nest/up\n\
         curl -sS -i https://chat.example/\n\
         ```\n\
         \n\
         </details>\n"
    );
}

#[test]
fn step_summary_cells_cannot_break_the_table() {
    let mut r = root_failure();
    r.message = "a | b\nc <img src=x> *d*".into();
    r.reproduce = command(&["echo", "```"]);
    let out = step_summary(&report(vec![r]), &Secrets::default());
    assert!(
        out.contains(
            "| fail | chat/root | a \\| b<br>c &lt;img src=x&gt; \\*d\\* | checks/chat.yaml:3 |\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("````sh\n# chat/root\necho '```'\n````\n"),
        "{out}"
    );
}

#[test]
fn step_summary_of_a_clean_run() {
    let clean_run = report(vec![result(
        check("chat", "chat/up", "up"),
        Outcome::Pass,
        vec![passed()],
    )]);
    assert_eq!(
        step_summary(&clean_run, &Secrets::default()),
        "## ✅ conform prod: 1 passed, 0 failed, 0 errors, 0 pending in 0.42s\n\
         \n\
         Every check passed.\n"
    );
}

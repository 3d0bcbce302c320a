//! Mistakes in claims.yaml and in the checks' `claims:`: located, listed, exit 2.

use super::{CLAIMS, coverage, project};

#[tokio::test(flavor = "multi_thread")]
async fn a_check_naming_an_unknown_claim_is_a_located_load_error_with_a_correction() {
    let p = project(CLAIMS);
    p.write(
        "checks/web.yaml",
        &p.read("checks/web.yaml")
            .replace("claims: [root-redirects]", "claims: [root-redirect]"),
    );
    let file = p.shown("checks/web.yaml");
    let claims = p.shown("claims.yaml");
    let expected = format!(
        "error: {file}:3:14: `claims` names `root-redirect`, which is not a claim of {claims}; \
         did you mean `root-redirects`? expected the id of a claim listed there, or add it there\n\
         1 error found; nothing was probed\n"
    );
    let out = coverage(&p, &[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(out.stderr, expected, "{out}");
    let run = p.run(&["--env", "prod"]).await;
    run.assert_code(2);
    assert_eq!(run.stderr, expected, "{run}");
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_on_a_check_without_claims_yaml_say_to_create_it() {
    let p = project(CLAIMS);
    std::fs::remove_file(p.path().join("claims.yaml")).expect("remove");
    let file = p.shown("checks/web.yaml");
    let claims = p.shown("claims.yaml");
    let run = p.run(&["--env", "prod"]).await;
    run.assert_code(2);
    assert_eq!(
        run.stderr,
        format!(
            "error: {file}:3:13: `claims` names claims, but there is no {claims}; create \
             {claims} beside checks/ listing each claim (sections: [{{ title, claims: [{{ id, \
             text }}] }}]), or remove `claims:`\n\
             error: {file}:8:13: `claims` names claims, but there is no {claims}; create \
             {claims} beside checks/ listing each claim (sections: [{{ title, claims: [{{ id, \
             text }}] }}]), or remove `claims:`\n\
             2 errors found; nothing was probed\n"
        ),
        "{run}"
    );
    let out = coverage(&p, &[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: {claims}: there is no claims file; expected claims.yaml beside checks/, \
             listing each claim (sections: [{{ title, claims: [{{ id, text, not_checkable? }}] \
             }}]), and `claims: [ID]` on the checks that verify them\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mistake_of_claims_yaml_is_located_and_listed() {
    let p = project(
        r#"title: Web claims
sections:
  - title: Edge
    claims:
      - id: root-redirects
        text: the root redirects
      - id: admin-gone
        txt: the admin page is gone
        envs: [prd]
      - id: root-redirects
        text: again
      - id: "bad id!"
        text: bad
      - id: waf-mode
        text: the WAF
        not_checkable: " "
      - id: tls
        text: tls
        not_checkable: no way
        notes: { web/root-redirects: x }
  - titel: Other
    claims: {}
"#,
    );
    let c = p.shown("claims.yaml");
    let expected = format!(
        "error: {c}:7:9: the claim has no `text`; add `text:`\n\
         error: {c}:8:9: unknown key `txt` in the claim; did you mean `text`? expected one of: \
         id, text, envs, not_checkable, note, notes\n\
         error: {c}:9:16: `envs` names `prd`, which is not an environment; did you mean `prod`? \
         expected one of: prod, staging\n\
         error: {c}:10:13: claim id `root-redirects` is used twice (first at line 5:13); \
         expected a unique `id` for each claim\n\
         error: {c}:12:13: claim id `bad id!` is not a valid id; expected letters, digits and - _ \
         . / only, starting with a letter or a digit, e.g. chat-root-redirects\n\
         error: {c}:16:24: `not_checkable` has no reason; expected why no check can verify the \
         claim from outside\n\
         error: {c}:20:9: a claim that is `not_checkable` has `notes` on its checks; expected \
         either checks (with their notes) or a `not_checkable` reason, not both\n\
         error: {c}:21:5: the section has no `title`; add `title:`\n\
         error: {c}:21:5: unknown key `titel` in the section; did you mean `title`? expected one \
         of: title, intro, claims, outro\n\
         error: {c}:22:13: `claims` is a map; expected a list of claims, each `- id: ...` with \
         its `text`\n"
    );
    let out = coverage(&p, &[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(
        out.stderr,
        format!("{expected}10 errors found; nothing was probed\n"),
        "{out}"
    );
    // A run refuses the same file, before probing anything; the checks naming claims the file
    // fails to define are not blamed for it.
    let run = p.run(&["--env", "prod"]).await;
    run.assert_code(2);
    assert_eq!(
        run.stderr,
        format!("{expected}10 errors found; nothing was probed\n"),
        "{run}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_naming_a_claim_said_not_checkable_is_a_contradiction() {
    let p = project(CLAIMS);
    p.write(
        "checks/web.yaml",
        &p.read("checks/web.yaml").replace(
            "claims: [root-redirects]",
            "claims: [root-redirects, waf-mode, root-redirects]",
        ),
    );
    let file = p.shown("checks/web.yaml");
    let claims = p.shown("claims.yaml");
    let out = coverage(&p, &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:30: `claims` names `waf-mode`, which {claims}:14:9 says is not \
             checkable; expected either a check or a reason: remove `not_checkable` from claim \
             `waf-mode`, or `waf-mode` from this check's `claims`\n\
             error: {file}:3:40: `claims` names `root-redirects` twice; expected each claim once\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_on_a_check_that_does_not_claim_it_is_an_error() {
    let p = project(&CLAIMS.replace(
        "          web/admin-is-gone: \"404\"\n",
        "          web/admin-is-gone: \"404\"\n          web/root-redirect: \"200\"\n",
    ));
    let claims = p.shown("claims.yaml");
    let out = coverage(&p, &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {claims}:14:11: `notes` of claim `admin-gone` names `web/root-redirect`, \
             which is not a check of this claim; expected one of the checks that name it: \
             web/admin-is-gone\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_are_not_a_file_default() {
    let p = project(CLAIMS);
    p.write(
        "checks/web.yaml",
        &format!(
            "defaults: {{ claims: [waf-mode] }}\n{}",
            p.read("checks/web.yaml")
        ),
    );
    let file = p.shown("checks/web.yaml");
    let out = coverage(&p, &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:1:13: `claims` is not a file default: a claim is verified by a check, \
             not by a whole file; expected `claims: [ID]` on each check that verifies the claim\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );
}

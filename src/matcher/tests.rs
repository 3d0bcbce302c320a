use super::*;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;
use std::path::Path;

mod numbers_and_addresses;

/// A matcher from YAML text, for tests anywhere in the crate.
pub(crate) fn m(yaml: &str) -> Matcher {
    let node = Node::parse(yaml).expect("yaml");
    let mut d = Diagnostics::new(Path::new("t.yaml"));
    let m = decode_matcher(&node, "value", &mut d);
    assert!(d.is_empty(), "{:?}", d.list);
    m.expect("matcher")
}

fn err(yaml: &str) -> String {
    let node = Node::parse(yaml).expect("yaml");
    let mut d = Diagnostics::new(Path::new("t.yaml"));
    assert!(decode_matcher(&node, "value", &mut d).is_none());
    d.list
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn t(s: &str) -> Actual {
    Actual::text(s)
}

pub(crate) fn n(v: f64) -> Actual {
    Actual::Number(v)
}

pub(crate) fn set(items: &[&str]) -> Actual {
    Actual::list(items.iter().map(|s| t(s)).collect(), false)
}

#[test]
fn scalars_mean_equals() {
    assert!(m("302").test(&n(302.0)).is_ok());
    assert!(m("302").test(&n(301.0)).is_err());
    assert!(m("302").test(&t("302")).is_ok());
    assert!(m("cloudflare").test(&t("cloudflare")).is_ok());
    assert!(m("cloudflare").test(&t("Cloudflare")).is_err());
    assert!(m("true").test(&Actual::Bool(true)).is_ok());
    assert!(m("~").test(&Actual::Null).is_ok());
    assert_eq!(m("302").to_string(), "302");
    assert_eq!(m("cloudflare").to_string(), "\"cloudflare\"");
}

#[test]
fn text_matchers() {
    assert!(
        m("{contains: no_queries}")
            .test(&t("x no_queries_available"))
            .is_ok()
    );
    assert!(
        m("{contains: nope}")
            .test(&t("x no_queries_available"))
            .is_err()
    );
    assert!(
        m("{matches: '^https://[a-z.]+/$'}")
            .test(&t("https://a.b/"))
            .is_ok()
    );
    assert!(m("{matches: '^https'}").test(&t("http://a")).is_err());
    assert!(
        m("{starts_with: 'https://'}")
            .test(&t("https://x:443/"))
            .is_ok()
    );
    assert!(m("{starts_with: 'https://'}").test(&t("http://x")).is_err());
    assert!(m("{ends_with: .app}").test(&t("try.thephenom.app")).is_ok());
    assert!(
        m("{ends_with: .app}")
            .test(&t("try.thephenom.com"))
            .is_err()
    );
    assert!(m("{one_of: [a, b]}").test(&t("b")).is_ok());
    assert!(m("{one_of: [a, b]}").test(&t("c")).is_err());
    assert_eq!(m("{one_of: [301, 308]}").to_string(), "one of [301, 308]");
}

#[test]
fn presence() {
    assert!(m("{present: true}").test(&t("")).is_ok());
    assert!(m("{present: true}").test(&Actual::Absent).is_err());
    assert!(m("{absent: true}").test(&Actual::Absent).is_ok());
    assert!(m("{absent: true}").test(&t("x")).is_err());
    assert!(m("{present: false}").test(&Actual::Absent).is_ok());
    // Any other matcher fails on an absent value, `not` included ...
    assert!(m("{not: {contains: x}}").test(&Actual::Absent).is_err());
    // ... while combinations leave it to the matchers they combine.
    let absent_or_other = m("{any_of: [{absent: true}, {not: {starts_with: https://try}}]}");
    assert!(absent_or_other.test(&Actual::Absent).is_ok());
    assert!(absent_or_other.test(&t("https://elsewhere")).is_ok());
    assert!(absent_or_other.test(&t("https://try.example")).is_err());
    assert!(
        m("{all_of: [{absent: true}]}")
            .test(&Actual::Absent)
            .is_ok()
    );
}

#[test]
fn comparisons() {
    assert!(
        m("{gt: 21d}")
            .test(&Actual::Seconds(30.0 * 86400.0))
            .is_ok()
    );
    assert!(
        m("{gt: 21d}")
            .test(&Actual::Seconds(3.0 * 86400.0))
            .is_err()
    );
    assert!(
        m("{gt: 21d}")
            .test(&Actual::Seconds(-3.0 * 86400.0))
            .is_err()
    );
    assert!(m("{gt: -1d}").test(&Actual::Seconds(-3600.0)).is_ok());
    assert!(m("{lt: 2s}").test(&Actual::Seconds(0.5)).is_ok());
    assert!(m("{lt: 500ms}").test(&Actual::Seconds(0.5)).is_err());
    assert!(m("{lte: 500ms}").test(&Actual::Seconds(0.5)).is_ok());
    assert!(m("{gte: 200, lt: 300}").test(&n(204.0)).is_ok());
    assert!(m("{gte: 200, lt: 300}").test(&n(300.0)).is_err());
    assert!(m("{gt: 1KiB}").test(&t("2048")).is_ok());
    assert!(m("{gt: 1KiB}").test(&n(1024.0)).is_err());
    let why = m("{gt: 2s}").test(&n(3.0)).unwrap_err();
    assert_eq!(why, Miss::because("this value is not a duration"));
    assert_eq!(m("{gt: 21d}").to_string(), "> 21d");
    assert_eq!(m("{gte: 200, lt: 300}").to_string(), ">= 200 and < 300");
}

#[test]
fn combinators() {
    assert!(m("{not: 404}").test(&n(200.0)).is_ok());
    assert!(m("{not: 404}").test(&n(404.0)).is_err());
    assert!(
        m("{any_of: [{contains: a}, {contains: b}]}")
            .test(&t("xbx"))
            .is_ok()
    );
    assert!(
        m("{any_of: [{contains: a}, {contains: b}]}")
            .test(&t("xcx"))
            .is_err()
    );
    assert!(
        m("{all_of: [{contains: a}, {contains: b}]}")
            .test(&t("ab"))
            .is_ok()
    );
    assert!(
        m("{all_of: [{contains: a}, {contains: b}]}")
            .test(&t("a"))
            .is_err()
    );
}

#[test]
fn lists() {
    let answers = set(&["b.example.", "a.example."]);
    assert!(m("[a.example., b.example.]").test(&answers).is_ok());
    assert!(m("[a.example.]").test(&answers).is_err());
    let ordered = Actual::list(vec![t("a"), t("b")], true);
    assert!(m("[a, b]").test(&ordered).is_ok());
    assert!(m("[b, a]").test(&ordered).is_err());
    assert!(m("{contains: a.example.}").test(&answers).is_ok());
    assert!(m("{contains: c.example.}").test(&answers).is_err());
    assert!(
        m("{contains: {ends_with: .example.}}")
            .test(&answers)
            .is_ok()
    );
    assert!(m("{each: {ends_with: .example.}}").test(&answers).is_ok());
    assert_eq!(
        m("{each: {starts_with: a}}").test(&answers).unwrap_err(),
        Miss::because("item 1 (\"b.example.\") is not starts with \"a\"")
    );
    assert!(m("{count: 2}").test(&answers).is_ok());
    assert!(m("{count: {gt: 2}}").test(&answers).is_err());
    assert!(m("{empty: true}").test(&set(&[])).is_ok());
    assert!(m("{empty: true}").test(&answers).is_err());
    assert!(m("{empty: false}").test(&answers).is_ok());
}

#[test]
fn json_values() {
    let v = serde_json::json!({"a": [1, 2], "b": {"c": "d"}});
    let a = Actual::from_json(&v);
    assert!(m("{equals: {a: [1, 2], b: {c: d}}}").test(&a).is_ok());
    assert!(m("{equals: {a: [2, 1], b: {c: d}}}").test(&a).is_err());
}

#[test]
fn load_errors_are_precise() {
    assert_eq!(
        err("{matches: '(unclosed'}"),
        "t.yaml:1:11: the regex /(unclosed/ for value is invalid: unclosed group; expected a valid regular expression (Rust regex syntax); escape special characters with \\"
    );
    assert_eq!(
        err("{contians: x}"),
        "t.yaml:1:2: unknown matcher `contians` for value; did you mean `contains`? expected one of: equals, contains, matches, starts_with, ends_with, one_of, present, absent, gt, gte, lt, lte, in_cidr, not, any_of, all_of, each, count, empty, jwt"
    );
    assert!(
        err("{gt: 21 days ago}")
            .starts_with("t.yaml:1:6: `21 days ago` for value is not a number, duration or size")
    );
    assert_eq!(
        err("{in_cidr: [10.0.0.0/33]}"),
        "t.yaml:1:12: `10.0.0.0/33` in `in_cidr` of value is not a CIDR range; expected a range such as 104.16.0.0/13 or 2606:4700::/32"
    );
    assert!(err("{}").contains("the matcher for value is empty"));
    assert!(err("{any_of: x}").contains("expected a list of matchers"));
}

/// A question that cannot be asked of a value (a duration compared with a number, `matches`
/// on a list) is never made a pass by `not`, at any depth.
#[test]
fn not_never_turns_an_unanswerable_question_into_a_pass() {
    let seconds = Actual::Seconds(0.5);
    assert_eq!(
        m("{ not: { gte: 0 } }").test(&seconds),
        Err(Miss::because(
            "compare a duration with a duration, such as 2s or 21d"
        ))
    );
    assert_eq!(
        m("{ not: { gt: 1s } }").test(&n(404.0)),
        Err(Miss::because("this value is not a duration"))
    );
    assert_eq!(
        m("{ not: { lt: 1d } }").test(&n(300.0)),
        Err(Miss::because("this value is not a duration"))
    );
    assert_eq!(
        m("{ not: { matches: x } }").test(&set(&["a"])),
        Err(Miss::because("`matches` needs text"))
    );
    assert_eq!(
        m("{ not: { each: { gt: 1s } } }").test(&set(&["a"])),
        Err(Miss::because(
            "item 1 (\"a\") is not > 1s: this value is not a duration"
        ))
    );
    assert_eq!(
        m("{ not: { any_of: [{ gt: 1s }, 404] } }").test(&n(500.0)),
        Err(Miss::because("this value is not a duration"))
    );
    // A plain miss is still a pass under `not`, and a hold a miss.
    assert!(m("{ not: { gt: 1s } }").test(&Actual::Seconds(0.5)).is_ok());
    assert!(
        m("{ not: { any_of: [{ gt: 1s }, 404] } }")
            .test(&n(404.0))
            .is_err()
    );
    assert!(
        m("{ not: { lt: 1d } }")
            .test(&Actual::Seconds(90_000.0))
            .is_ok()
    );
}

/// Empty combinations would hold always (`all_of`) or never (`any_of`, `one_of`; under `not`,
/// always): load errors.
#[test]
fn empty_combinations_are_load_errors() {
    assert_eq!(
        err("{ all_of: [] }"),
        "t.yaml:1:11: `all_of` of value is empty: it always holds; expected one matcher or \
         more, e.g. all_of: [{contains: a}, {contains: b}]"
    );
    assert_eq!(
        err("{ not: { any_of: [] } }"),
        "t.yaml:1:18: `any_of` of value is empty: it never holds (and under `not`, always); \
         expected one matcher or more, e.g. any_of: [{contains: a}, {contains: b}]"
    );
    assert_eq!(
        err("{ not: { one_of: [] } }"),
        "t.yaml:1:18: `one_of` of value is empty: it never holds (and under `not`, always); \
         expected the values it may equal, e.g. one_of: [301, 308]"
    );
}

/// `contains` on text looks for substrings in every form: `any_of` and `one_of` of texts hold
/// when one is in the text (under `not` the check fails); `not` inside it is refused.
#[test]
fn contains_on_text_looks_for_substrings_in_every_form() {
    let ok = t("ok, all fine");
    assert!(m("{ contains: { any_of: [k, fatal] } }").test(&ok).is_ok());
    assert!(
        m("{ not: { contains: { any_of: [k, fatal] } } }")
            .test(&ok)
            .is_err()
    );
    assert!(
        m("{ not: { contains: { one_of: [fine, asp] } } }")
            .test(&ok)
            .is_err()
    );
    assert!(
        m("{ not: { contains: { one_of: [error, asp] } } }")
            .test(&ok)
            .is_ok()
    );
    assert!(m("{ contains: { all_of: [ok, fine] } }").test(&ok).is_ok());
    assert!(m("{ contains: { all_of: [ok, bad] } }").test(&ok).is_err());
    assert_eq!(
        m("{ contains: { not: o } }").test(&ok),
        Err(Miss::because(
            "`not` inside `contains` holds for nearly any text; to say the text lacks x, \
             write not: { contains: x }"
        ))
    );
    // On a list, `contains: { not: x }` still means "some item is not x".
    assert!(
        m("{ contains: { not: a } }")
            .test(&set(&["a", "b"]))
            .is_ok()
    );
}

/// Matchers that hold for anything, or are never answerable, are load errors.
#[test]
fn matchers_that_hold_for_anything_are_load_errors() {
    for (yaml, said) in [
        (
            "{ starts_with: \"\" }",
            "`starts_with: \"\"` of value holds for any text",
        ),
        (
            "{ ends_with: \"\" }",
            "`ends_with: \"\"` of value holds for any text",
        ),
        (
            "{ matches: \".*\" }",
            "the regex /.*/ for value matches every text",
        ),
        (
            "{ matches: \"x|\" }",
            "the regex /x|/ for value matches every text",
        ),
        (
            "{ matches: \"\" }",
            "the regex // for value matches every text",
        ),
        (
            "{ matches: \"[0-9]*$\" }",
            "the regex /[0-9]*$/ for value matches every text",
        ),
        (
            "{ matches: \"(?m)x?$\" }",
            "the regex /(?m)x?$/ for value matches every text",
        ),
        ("{ in_cidr: [] }", "`in_cidr` of value is empty"),
        (
            "{ not: { gt: nan } }",
            "`nan` for value is not a finite number",
        ),
        ("{ lt: \"inf\" }", "`inf` for value is not a finite number"),
        (
            "{ lte: \"1e999\" }",
            "`1e999` for value is not a finite number",
        ),
    ] {
        let e = err(yaml);
        assert!(e.contains(said), "{yaml}: {e}");
    }
    // A regex that matches only the empty text is fine, and so are ones some texts miss.
    assert!(m("{ matches: '^$' }").test(&t("")).is_ok());
    for fine in ["^[^*]*$", "[0-9]$", "\\b$", "^a*$", "\\w*\\b$"] {
        let _ = m(&format!("{{ matches: '{fine}' }}"));
    }
}

/// `each` of no items does not hold: a JSONPath that selects nothing, or no DNS records.
#[test]
fn each_of_nothing_does_not_hold() {
    assert_eq!(
        m("{ each: up }").test(&set(&[])),
        Err(Miss::because("there are no items"))
    );
    assert!(m("{ each: up }").test(&set(&["up", "up"])).is_ok());
    assert!(
        m("{ any_of: [{ empty: true }, { each: up }] }")
            .test(&set(&[]))
            .is_ok()
    );
}

/// Fixes of review: under `not`, no items and no addresses do not pass; an empty needle is
/// refused at any depth of `contains`; regexes that miss some character are fine.
#[test]
fn no_items_empty_needles_and_character_classes() {
    assert_eq!(
        m("{ not: { each: up } }").test(&set(&[])),
        Err(Miss::because("there are no items"))
    );
    assert_eq!(
        m("{ not: { in_cidr: [10.0.0.0/8] } }").test(&set(&[])),
        Err(Miss::because("there are no addresses"))
    );
    // An empty text to look for is in any text: never a pass, under `not` neither; on a list
    // it is a value like any other.
    for yaml in [
        "{ contains: \"\" }",
        "{ contains: { equals: \"\" } }",
        "{ not: { contains: { any_of: [\"\", zzz] } } }",
        "{ not: { contains: { one_of: [\"\", zzz] } } }",
    ] {
        assert_eq!(
            m(yaml).test(&t("internal error")),
            Err(Miss::because(
                "an empty text is in any text: `contains` needs a text to look for"
            )),
            "{yaml}"
        );
    }
    assert!(m("{ contains: \"\" }").test(&set(&["a", ""])).is_ok());
    assert!(
        m("{ not: { contains: { one_of: [\"\", zzz] } } }")
            .test(&set(&["a", "b"]))
            .is_ok()
    );
    for fine in [
        "^[^*]*$",
        "^[^,]*$",
        "^[^A-Z]*$",
        "^[[:ascii:]]*$",
        "^[^?]*$",
        "^[^@]*$",
        "\\bok\\b|^$",
    ] {
        assert!(
            m(&format!("{{ matches: '{fine}' }}"))
                .test(&t("ok"))
                .is_ok(),
            "{fine}"
        );
    }
}

//! The page of the fourth run: every check, the history grid, the filters from the fragment,
//! rendered by a real browser; what it may reference; the same page from `conform report`
//! and `merge --html`; a bad `--history` probes nothing.

use super::browser::dump_dom;
use super::dom::{Element, elements, find, text_until};
use super::{Fixture, IDS, SECRET, SECRET_ENV, references};
use crate::harness::*;
use std::path::Path;

/// The articles of `dom`: (id, shown).
fn articles(dom: &str) -> Vec<(String, bool)> {
    elements(dom, Some("article"))
        .iter()
        .map(|a| (a.attr("data-id").unwrap_or("").to_string(), !a.hidden()))
        .collect()
}

/// The ids `dom` shows, checks and grid rows alike.
fn shown(dom: &str) -> (Vec<String>, Vec<String>) {
    let visible = |list: Vec<Element>| -> Vec<String> {
        list.iter()
            .filter(|e| !e.hidden() && e.attr("data-id").is_some())
            .map(|e| e.attr("data-id").unwrap_or("").to_string())
            .collect()
    };
    (
        visible(elements(dom, Some("article"))),
        visible(elements(dom, Some("tr"))),
    )
}

/// The grid row of `id`: each cell's (data-outcome, text).
fn row(dom: &str, id: &str) -> Vec<(String, String)> {
    let all = elements(dom, Some("tr"));
    let tr = find(&all, "tr", "data-id", id);
    let rest = &dom[tr.end..];
    let body = &rest[..rest.find("</tr>").expect("</tr>")];
    elements(body, Some("td"))
        .iter()
        .map(|td| {
            (
                td.attr("data-outcome").unwrap_or("").to_string(),
                text_until(body, td.end, "td"),
            )
        })
        .collect()
}

fn shown_text(dom: &str) -> String {
    let all = elements(dom, Some("p"));
    text_until(dom, find(&all, "p", "id", "shown").end, "p")
}

async fn dom_of(page: &Path, fragment: &str) -> String {
    let (page, fragment) = (page.to_path_buf(), fragment.to_string());
    tokio::task::spawn_blocking(move || dump_dom(&page, &fragment))
        .await
        .expect("the browser thread")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_shows_every_check_the_history_grid_and_the_filters_of_the_fragment() {
    let f = Fixture::new().await;
    f.four_runs().await.assert_code(1);
    let page = f.p.path().join("out.html");
    let html = f.p.read("out.html");
    assert_no_secret(&html, SECRET, "the HTML report");

    let dom = dom_of(&page, "").await;
    // The server's markup is text: its script did not run.
    let titles = elements(&dom, Some("title"));
    let title = text_until(&dom, titles[0].end, "title");
    assert!(title.starts_with("conform: prod 20"), "{title}");
    assert!(!dom.contains("pwned'</script>") && !title.contains("pwned"));
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x"));
    let all: Vec<(String, bool)> = IDS.iter().map(|id| (id.to_string(), true)).collect();
    assert_eq!(articles(&dom), all);
    assert_eq!(shown_text(&dom), "showing 5 of 5 checks");
    // The script showed the filters and the copy buttons.
    let forms = elements(&dom, Some("form"));
    assert!(!find(&forms, "form", "id", "filters").hidden());
    let buttons = elements(&dom, Some("button"));
    assert_eq!(buttons.len(), 5);
    assert!(buttons.iter().all(|b| !b.hidden()));

    // The grid: four runs, oldest first, this one last; every check, every run.
    let runs: Vec<String> = elements(&dom, Some("th"))
        .iter()
        .filter_map(|th| {
            th.attr("data-run")
                .map(|_| th.attr("class").unwrap_or("").to_string())
        })
        .collect();
    assert_eq!(runs, ["run", "run", "run", "run current"]);
    let same = |outcome: &str, text: &str| vec![(outcome.to_string(), text.to_string()); 4];
    assert_eq!(row(&dom, "api/token"), same("fail", "FAIL"));
    assert_eq!(row(&dom, "api/down"), same("error", "ERR"));
    assert_eq!(row(&dom, "web/ok"), same("pass", "pass"));
    assert_eq!(row(&dom, "web/xss"), same("fail", "FAIL"));
    let toggle: Vec<(String, String)> = [("pass", "pass"), ("fail", "FAIL")]
        .repeat(2)
        .into_iter()
        .map(|(o, t)| (o.to_string(), t.to_string()))
        .collect();
    assert_eq!(row(&dom, "web/toggle"), toggle);
    // Flaky: only the check whose outcome changed more than once, in its row and article.
    let flaky: Vec<String> = elements(&dom, None)
        .iter()
        .filter(|e| e.attr("data-flaky") == Some("true"))
        .map(|e| format!("{} {}", e.tag, e.attr("data-id").unwrap_or("")))
        .collect();
    assert_eq!(flaky, ["tr web/toggle", "article web/toggle"]);
    let marks: Vec<String> = elements(&dom, Some("span"))
        .iter()
        .filter(|s| s.attr("class") == Some("flaky"))
        .map(|s| s.attr("title").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        marks, ["flaky: its outcome changed 3 times in 4 runs"; 2],
        "row and article"
    );

    // A link opens filtered: failures of the nightly tag.
    let dom = dom_of(&page, "#outcome=fail&tag=nightly").await;
    let want = vec!["web/toggle".to_string(), "web/xss".to_string()];
    assert_eq!(shown(&dom), (want.clone(), want));
    assert_eq!(
        shown_text(&dom),
        "showing 2 of 5 checks (outcome=fail; tag=nightly)"
    );
    let checked: Vec<String> = elements(&dom, Some("input"))
        .iter()
        .filter(|i| i.attrs.contains_key("checked"))
        .map(|i| {
            format!(
                "{}={}",
                i.attr("name").unwrap_or(""),
                i.attr("value").unwrap_or("")
            )
        })
        .collect();
    assert_eq!(checked, ["outcome=fail", "tag=nightly"]);

    // Any of a key's values, every key: errors or failures of the api suite.
    let dom = dom_of(&page, "#suite=api&outcome=fail,error").await;
    let want = vec!["api/token".to_string(), "api/down".to_string()];
    assert_eq!(shown(&dom), (want.clone(), want));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_references_nothing_to_fetch_and_other_commands_render_it_too() {
    let f = Fixture::new().await;
    f.four_runs().await.assert_code(1);
    let html = f.p.read("out.html");
    // Only links to the page itself (a filter); the checks' URLs are text.
    let refs = references(&html);
    assert!(!refs.is_empty());
    assert!(refs.iter().all(|r| r.starts_with('#')), "{refs:?}");
    for tag in [
        "img", "link", "iframe", "object", "embed", "base", "source", "audio", "video",
    ] {
        assert!(elements(&html, Some(tag)).is_empty(), "<{tag}>");
    }
    assert!(html.contains("http://chat.test:"));
    assert!(html.contains("default-src 'none'; style-src 'sha256-"));
    let scripts = elements(&html, Some("script"));
    assert_eq!(scripts.len(), 1);
    assert!(scripts[0].attrs.is_empty());
    // Without the script: every check shown, the filters (which need it) hidden.
    let all: Vec<(String, bool)> = IDS.iter().map(|id| (id.to_string(), true)).collect();
    assert_eq!(articles(&html), all);
    assert_eq!(shown_text(&html), "5 checks");
    assert!(find(&elements(&html, Some("form")), "form", "id", "filters").hidden());
    let buttons = elements(&html, Some("button"));
    assert!(buttons.len() == 5 && buttons.iter().all(Element::hidden));

    // `conform report` renders the same page from the JSON report, with a glob of history.
    let again = f.file("again.html");
    let json = f.file("reports/report.json");
    let glob = f.file("history/run-*.json");
    let out = conform(
        &[
            "report",
            "--json",
            &json,
            "--history",
            &glob,
            "--html",
            &again,
        ],
        &[],
        None,
    )
    .await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!("wrote {again} (5 checks, 3 runs of history)\n")
    );
    assert_eq!(f.p.read("again.html"), html);
    // The run itself in the history is left out of it.
    std::fs::copy(
        f.p.path().join("reports/report.json"),
        f.p.path().join("history/now.json"),
    )
    .expect("copy");
    let history = f.file("history");
    let out = conform(
        &[
            "report",
            "--json",
            &json,
            "--history",
            &history,
            "--html",
            &again,
        ],
        &[],
        None,
    )
    .await;
    out.assert_code_quiet(0);
    assert_eq!(f.p.read("again.html"), html);

    // `merge --html`: the shards' page.
    let (one, two) = (f.file("s1.json"), f.file("s2.json"));
    f.run(&["--shard", "1/2", "--json", &one]).await;
    f.run(&["--shard", "2/2", "--json", &two]).await;
    let merged = f.file("merged.html");
    let (junit, mjson) = (f.file("m.xml"), f.file("m.json"));
    let out = conform(
        &[
            "merge",
            &one,
            &two,
            "--junit",
            &junit,
            "--json",
            &mjson,
            "--html",
            &merged,
            "--history",
            &history,
        ],
        &SECRET_ENV,
        None,
    )
    .await;
    out.assert_code(1);
    let page = f.p.read("merged.html");
    let ids: Vec<String> = elements(&page, Some("article"))
        .iter()
        .map(|a| a.attr("data-id").unwrap_or("").to_string())
        .collect();
    assert_eq!(ids, IDS, "a merge sorts by suite, file and line");
    let runs = elements(&page, Some("th"))
        .iter()
        .filter(|th| th.attr("data-run").is_some())
        .count();
    assert_eq!(runs, 5, "four runs of history and the merge");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_history_that_cannot_be_read_stops_the_run_before_it_probes() {
    let f = Fixture::new().await;
    let html = f.file("out.html");
    let missing = f.file("nowhere");
    let out = f.run(&["--html", &html, "--history", &missing]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: --history {missing}: no such folder or file\nhint: give --history a folder \
             of earlier JSON reports or a glob such as 'history/*.json'\n"
        )
    );
    assert_eq!(out.stdout, "");
    // The page of the refusal replaces any earlier one.
    assert!(
        f.p.read("out.html")
            .contains("Load errors: nothing was probed")
    );

    f.p.write("history/notes.json", "{\"hello\": 1}");
    let history = f.file("history");
    let out = f.run(&["--html", &html, "--history", &history]).await;
    out.assert_code(2);
    let notes = f.file("history/notes.json");
    assert_eq!(
        out.stderr,
        format!(
            "error: --history: {notes}: not a conform JSON report: it has no schema_version\n\
             hint: remove it from the history, or narrow --history to conform's JSON reports\n"
        )
    );
    // A glob that matches nothing is no history yet (a nightly's first night).
    std::fs::remove_file(f.p.path().join("history/notes.json")).expect("rm");
    let glob = f.file("history/run-*.json");
    let out = f.run(&["--html", &html, "--history", &glob]).await;
    out.assert_code(1);
    assert_eq!(
        out.stderr,
        format!("note: --history {glob} holds no JSON reports; the grid shows this run only\n")
    );
    let page = f.p.read("out.html");
    let runs = elements(&page, Some("th"))
        .iter()
        .filter(|th| th.attr("data-run").is_some())
        .count();
    assert_eq!(runs, 1);
    // --history needs --html.
    let out = f.run(&["--history", &history]).await;
    out.assert_code(2);
    assert!(out.stderr.contains("--html <FILE>"), "{}", out.stderr);
}

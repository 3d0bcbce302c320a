//! The HTML report of the shipped suite: four runs against the stand-ins, drifting between
//! them (the chat certificate shortened in the second and fourth, the chat root opened in the
//! third), the last writing the page with the first three as history; rendered in headless
//! Chromium, every check has its row and a cell for every run. With
//! `CONFORM_SCREENSHOT_TO=FILE.png` set, the test also writes a screenshot of the page opened
//! on its failures there (docs/html-report.sh makes docs/html-report.png with it).

use super::accounts::ACCOUNT_VALUES;
use super::standins::stand_ins;
use super::{Drift, PROD_VALUES, listed, phenom_project};
use crate::harness::*;
use crate::html_report::browser::{dump_dom, screenshot};
use crate::html_report::dom::elements;
use std::path::{Path, PathBuf};

/// `conform <args>` run in `dir` (so that the report names files as `checks/chat.yaml`),
/// without the values prod takes from the process environment, with the stand-ins' accounts.
async fn conform_in(dir: &Path, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut command = conform_command();
        command.args(&args).env("NO_COLOR", "1").current_dir(dir);
        for name in PROD_VALUES {
            command.env_remove(name);
        }
        command.envs(ACCOUNT_VALUES);
        run_bounded(command, &args)
    })
    .await
    .expect("the runner thread")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_html_report_of_the_shipped_suite_shows_every_check_across_four_runs() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let history = out_dir.path().join("history");
    std::fs::create_dir_all(&history).expect("mkdir");
    let page = out_dir.path().join("report.html");
    let short_cert = Drift::only("short_cert");
    let runs = [
        Drift::default(),
        short_cert,
        Drift::only("root_open"),
        short_cert,
    ];
    let mut plan = Vec::new();
    for (n, drift) in runs.into_iter().enumerate() {
        let s = stand_ins(drift).await;
        let p = phenom_project(&s);
        if n == 0 {
            plan = listed(&p.dir_arg(), &[]).await;
        }
        let json = history.join(format!("run-{n}.json")).display().to_string();
        let mut args = vec!["run", "--env", "standin", "--dir", ".", "--json", &json];
        let (html, past) = (page.display().to_string(), history.display().to_string());
        if n == 3 {
            // The last run's own report goes elsewhere: the history is the three before it.
            args = vec![
                "run",
                "--env",
                "standin",
                "--dir",
                ".",
                "--html",
                &html,
                "--history",
                &past,
            ];
        }
        let out = conform_in(p.path(), &args).await;
        out.assert_code(if n == 0 { 0 } else { 1 });
    }

    let dom = {
        let page = page.clone();
        tokio::task::spawn_blocking(move || dump_dom(&page, ""))
            .await
            .expect("the browser thread")
    };
    let rows: Vec<String> = elements(&dom, Some("tr"))
        .iter()
        .filter_map(|tr| tr.attr("data-id").map(String::from))
        .collect();
    assert_eq!(
        rows, plan,
        "a row for every check of the plan, in its order"
    );
    let cells = elements(&dom, Some("td"))
        .iter()
        .filter(|td| td.attr("data-outcome").is_some())
        .count();
    assert_eq!(
        cells,
        plan.len() * 4,
        "a cell for every check and every run"
    );
    let articles = elements(&dom, Some("article")).len();
    assert_eq!(articles, plan.len());
    let flaky: Vec<String> = elements(&dom, Some("tr"))
        .iter()
        .filter(|tr| tr.attr("data-flaky").is_some())
        .filter_map(|tr| tr.attr("data-id").map(String::from))
        .collect();
    assert!(
        flaky.contains(&"chat/root-redirect".to_string()),
        "pass, pass, FAIL, pass: flaky; {flaky:?}"
    );

    if let Some(png) = std::env::var_os("CONFORM_SCREENSHOT_TO").map(PathBuf::from) {
        let png = std::path::absolute(&png).expect("absolute");
        let filtered = PathBuf::from(format!("{}#outcome=fail,error,pending", page.display()));
        tokio::task::spawn_blocking(move || screenshot(&filtered, &png, 1280, 1250))
            .await
            .expect("the browser thread");
    }
}

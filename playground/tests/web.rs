//! Component tests in a real browser (headless Chromium through
//! wasm-bindgen-test-runner; see the README for the command).
//!
//! They check that the rule compiled for the browser gives byte-identical
//! reports to the golden files, that the mounted app renders the aggregate
//! and stats the contract promises, that controls re-run the scan, that a
//! share link in the URL fragment restores the state, and that the
//! JavaScript API returns the CLI's JSON.

#![cfg(target_arch = "wasm32")]

use std::sync::Arc;
use std::time::Duration;

use aiwatch_playground::examples::{self, EXAMPLES};
use aiwatch_playground::session::Session;
use aiwatch_playground::share;
use aiwatch_playground::table::{aggregate_cells, AGGREGATE_COLUMNS};
use aiwatch_rule::{Config, Report, Rule};
use gloo_timers::future::sleep;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, HtmlSelectElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/goldens.rs"));

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Runs an embedded case the way `tests/lib.rs` does natively.
fn run_example(ex: &examples::Example) -> Report {
    let d = ex.directives();
    let mut config = Config::from_toml(ex.config.unwrap_or("")).unwrap();
    if let Some(p) = d.profile {
        config.profile = Some(p);
    }
    let rule = Arc::new(Rule::new(&config).unwrap());
    Session::new(rule, d.format, Arc::from(ex.input)).run().report
}

#[wasm_bindgen_test]
fn the_rule_in_the_browser_matches_every_golden_report() {
    assert!(!GOLDENS.is_empty(), "no embedded case has a golden report");
    let mut differ = Vec::new();
    for (name, golden) in GOLDENS {
        let ex = examples::find(name).unwrap();
        if run_example(ex).to_json() != *golden {
            differ.push(*name);
        }
    }
    assert!(differ.is_empty(), "reports differ from the goldens in the browser: {differ:?}");
}

#[wasm_bindgen_test]
fn the_js_api_returns_the_cli_json() {
    aiwatch_playground::api::install();
    let (name, golden) = GOLDENS.iter().find(|(n, _)| examples::find(n).is_some_and(|e| e.config.is_none() && e.directives().profile.is_none() && e.directives().format == Default::default() && std::str::from_utf8(e.input).is_ok())).expect("a plain UTF-8 case");
    let ex = examples::find(name).unwrap();
    let window = web_sys::window().unwrap();
    let api = js_sys::Reflect::get(&window, &"aiwatch".into()).unwrap();
    let scan: js_sys::Function = js_sys::Reflect::get(&api, &"scan".into()).unwrap().unchecked_into();
    let out = scan.call1(&api, &std::str::from_utf8(ex.input).unwrap().into()).unwrap();
    let text: String = js_sys::JSON::stringify(&out).unwrap().into();
    let got: serde_json::Value = serde_json::from_str(&text).unwrap();
    let want: serde_json::Value = serde_json::from_str(golden).unwrap();
    assert_eq!(got, want, "{name}");
    // A bad config is an exception that names the key.
    let err = scan.call2(&api, &"x".into(), &"min_score = 9".into()).unwrap_err();
    assert!(format!("{err:?}").contains("min_score"));
}

fn mount() -> Element {
    let doc = document();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<aiwatch_playground::app::App>::with_root(root.clone()).render();
    root
}

fn by_id<T: JsCast>(id: &str) -> T {
    document().get_element_by_id(id).unwrap_or_else(|| panic!("no #{id}")).unchecked_into()
}

fn stat(name: &str) -> String {
    by_id::<Element>("stats").get_attribute(name).unwrap_or_default()
}

/// Waits until the results match the input and settings, past revision `after`.
async fn settled(after: u64) {
    for _ in 0..400 {
        sleep(Duration::from_millis(25)).await;
        let rev: u64 = stat("data-revision").parse().unwrap_or(0);
        if rev > after && stat("data-scanned-revision") == rev.to_string() && stat("data-status") != "busy" {
            return;
        }
    }
    panic!("the app did not settle (status {})", stat("data-status"));
}

fn revision() -> u64 {
    stat("data-revision").parse().unwrap_or(0)
}

fn fire(el: &Element, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    el.dispatch_event(&web_sys::Event::new_with_event_init_dict(kind, &init).unwrap()).unwrap();
}

fn aggregate_rows() -> Vec<Vec<String>> {
    let table: Element = by_id("aggregate");
    let rows = table.query_selector_all("tbody tr").unwrap();
    (0..rows.length())
        .map(|i| {
            let cells = rows.item(i).unwrap().unchecked_into::<Element>().query_selector_all("td").unwrap();
            (0..cells.length()).map(|j| cells.item(j).unwrap().text_content().unwrap_or_default()).collect()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_app_renders_the_contract_and_follows_its_controls() {
    let root = mount();
    settled(0).await;
    // A case without settings of its own, so the page defaults apply.
    let ex = EXAMPLES
        .iter()
        .find(|e| e.config.is_none() && e.directives().profile.is_none() && e.directives().format == Default::default() && std::str::from_utf8(e.input).is_ok() && !run_example(e).groups.is_empty())
        .expect("a plain case with findings");
    let report = run_example(ex);

    let before = revision();
    let input: HtmlTextAreaElement = by_id("log-input");
    input.set_value(std::str::from_utf8(ex.input).unwrap());
    fire(&input, "input");
    settled(before).await;

    let head: Vec<String> = {
        let ths = by_id::<Element>("aggregate").query_selector_all("thead th").unwrap();
        (0..ths.length()).map(|i| ths.item(i).unwrap().text_content().unwrap()).collect()
    };
    assert_eq!(head, AGGREGATE_COLUMNS);
    let want: Vec<Vec<String>> = report.groups.iter().map(|g| aggregate_cells(g).to_vec()).collect();
    assert_eq!(aggregate_rows(), want);
    for (attr, v) in [("data-lines", report.stats.lines), ("data-parsed", report.stats.parsed), ("data-skipped", report.stats.skipped), ("data-errors", report.stats.errors), ("data-matched", report.stats.matched)] {
        assert_eq!(stat(attr), v.to_string(), "{attr}");
    }
    // The findings table holds one row per finding.
    let findings = by_id::<Element>("findings").query_selector_all("tbody tr").unwrap().length();
    assert_eq!(u64::from(findings), report.stats.findings.min(200));

    // Choosing a finding highlights its line and explains it.
    let first: HtmlElement = by_id::<Element>("findings").query_selector("tbody tr").unwrap().unwrap().unchecked_into();
    first.click();
    sleep(Duration::from_millis(50)).await;
    assert!(document().query_selector(".line-band").unwrap().is_some(), "no highlighted line");
    assert!(by_id::<Element>("line-inspector").text_content().unwrap().contains("finding"));

    // The seed profile re-runs the scan with the seed's rule.
    let before = revision();
    let profile: HtmlSelectElement = by_id("profile");
    profile.set_value("seed");
    fire(&profile, "change");
    settled(before).await;
    let seed = {
        let rule = Arc::new(Rule::new(&Config { profile: Some(aiwatch_rule::Profile::Seed), ..Config::default() }).unwrap());
        Session::new(rule, Default::default(), Arc::from(ex.input)).run().report
    };
    assert_eq!(aggregate_rows(), seed.groups.iter().map(|g| aggregate_cells(g).to_vec()).collect::<Vec<_>>());
    assert!(by_id::<HtmlTextAreaElement>("config-toml").value().contains("profile = \"seed\""), "the TOML shows the profile");

    // An invalid TOML config is reported and does not replace the results.
    let before = revision();
    let toml: HtmlTextAreaElement = by_id("config-toml");
    toml.set_value("min_score = \"high\"");
    fire(&toml, "input");
    for _ in 0..100 {
        sleep(Duration::from_millis(20)).await;
        if revision() > before && stat("data-status") != "busy" {
            break;
        }
    }
    assert_eq!(stat("data-status"), "config-error");
    assert!(root.text_content().unwrap().contains("min_score"));
    root.remove();
}

#[wasm_bindgen_test]
async fn a_share_link_in_the_fragment_restores_the_state() {
    let ex = EXAMPLES.iter().find(|e| !run_example(e).groups.is_empty()).expect("a case with findings");
    let link = share::encode(&share::Shared {
        header: share::Header { rule_version: aiwatch_rule::VERSION.into(), profile: "seed".into(), format: "auto".into(), config: "min_score = 2\n".into() },
        input: ex.input.to_vec(),
    });
    let window = web_sys::window().unwrap();
    window.location().set_hash(&link).unwrap();
    let root = mount();
    settled(0).await;
    window.location().set_hash("").unwrap();

    let rule = Arc::new(Rule::new(&Config { profile: Some(aiwatch_rule::Profile::Seed), min_score: Some(2), ..Config::default() }).unwrap());
    let want = Session::new(rule, Default::default(), Arc::from(ex.input)).run().report;
    assert_eq!(aggregate_rows(), want.groups.iter().map(|g| aggregate_cells(g).to_vec()).collect::<Vec<_>>());
    assert_eq!(by_id::<HtmlSelectElement>("profile").value(), "seed");
    assert_eq!(by_id::<HtmlSelectElement>("min-score").value(), "2");
    assert!(document().get_element_by_id("version-notice").is_none());

    // Making a link of the restored state gives back the same state.
    by_id::<HtmlElement>("share-button").click();
    sleep(Duration::from_millis(50)).await;
    let made = by_id::<web_sys::HtmlInputElement>("share-link").value();
    let fragment = made.split_once('#').unwrap().1;
    let decoded = share::decode(fragment).unwrap();
    assert_eq!(decoded.input, ex.input);
    assert_eq!(decoded.header.profile, "seed");
    assert_eq!(Config::from_toml(&decoded.header.config).unwrap().min_score, Some(2));
    assert!(by_id::<Element>("share-warning").text_content().unwrap().contains("contains the logs you pasted"));
    root.remove();
}

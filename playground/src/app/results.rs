//! The result views: aggregate table, findings table, line errors. Each is
//! its own component whose properties compare by pointer, so typing in the
//! tuning panel does not re-diff thousands of table rows.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::Shared;
use crate::session::Results;
use crate::table::{aggregate_cells, format_time, FindingColumn, View, AGGREGATE_COLUMNS};

/// Groups drawn before "show all" is needed; the page stays quick on inputs
/// with tens of thousands of clients.
pub const GROUPS_SHOWN: usize = 1_000;
/// Findings per page of the findings table.
pub const FINDINGS_PAGE: usize = 200;

/// Properties shared by the result views.
#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    /// The results to show.
    pub results: Shared<Results>,
    /// The selected line, if any.
    #[prop_or_default]
    pub selected: Option<u64>,
    /// A line was chosen (to highlight in the input).
    #[prop_or_default]
    pub on_select: Callback<u64>,
}

/// The aggregate table (`id="aggregate"`), the seed's columns in SPEC order.
pub struct AggregateTable {
    show_all: bool,
}

impl Component for AggregateTable {
    type Message = ();
    type Properties = ResultsProps;

    fn create(_: &Context<Self>) -> Self {
        AggregateTable { show_all: false }
    }

    fn update(&mut self, _: &Context<Self>, _: ()) -> bool {
        self.show_all = true;
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let groups = &ctx.props().results.report.groups;
        let shown = if self.show_all { groups.len() } else { groups.len().min(GROUPS_SHOWN) };
        let rows = groups[..shown].iter().map(|g| {
            let cells = aggregate_cells(g);
            let title = |t: Option<i64>| t.map(format_time).unwrap_or_default();
            html! {
                <tr>
                    <td>{ &cells[0] }</td>
                    <td>{ &cells[1] }</td>
                    <td class="num">{ &cells[2] }</td>
                    <td class="num">{ &cells[3] }</td>
                    <td class="num" title={title(g.first_seen)}>{ &cells[4] }</td>
                    <td class="num" title={title(g.last_seen)}>{ &cells[5] }</td>
                    <td class="list">{ &cells[6] }</td>
                    <td class="list">{ &cells[7] }</td>
                    <td class="list ua">{ &cells[8] }</td>
                    <td class="num">{ &cells[9] }</td>
                </tr>
            }
        });
        html! {
            <>
                <div class="table-scroll">
                    <table id="aggregate" class="data">
                        <caption class="visually-hidden">{ "Findings aggregated by source IP and user, in the seed's order" }</caption>
                        <thead><tr>{ for AGGREGATE_COLUMNS.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }</tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
                if groups.is_empty() {
                    <p class="empty">{ "No findings: no event to an AI API host scored high enough." }</p>
                }
                if shown < groups.len() {
                    <p class="more">
                        { format!("Showing the first {shown} of {} groups. ", groups.len()) }
                        <button type="button" onclick={ctx.link().callback(|_| ())}>{ "Show all" }</button>
                        { " (the JSON and CSV exports always hold every group)" }
                    </p>
                }
            </>
        }
    }
}

/// Messages of [`FindingsTable`].
pub enum FindingsMsg {
    /// A column heading was clicked.
    Sort(FindingColumn),
    /// The filter text changed.
    Filter(String),
    /// The score filter changed.
    MinScore(u32),
    /// A page was chosen.
    Page(usize),
}

/// The per-event findings table (`id="findings"`), sortable and filterable.
pub struct FindingsTable {
    view: View,
    page: usize,
    rows: Vec<usize>,
}

impl FindingsTable {
    fn refresh(&mut self, ctx: &Context<Self>) {
        self.rows = self.view.apply(&ctx.props().results.findings);
        let pages = self.rows.len().div_ceil(FINDINGS_PAGE).max(1);
        self.page = self.page.min(pages - 1);
    }
}

impl Component for FindingsTable {
    type Message = FindingsMsg;
    type Properties = ResultsProps;

    fn create(ctx: &Context<Self>) -> Self {
        let mut t = FindingsTable { view: View::default(), page: 0, rows: Vec::new() };
        t.refresh(ctx);
        t
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &ResultsProps) -> bool {
        if old.results != ctx.props().results {
            self.refresh(ctx);
        }
        true
    }

    fn update(&mut self, ctx: &Context<Self>, msg: FindingsMsg) -> bool {
        match msg {
            FindingsMsg::Sort(c) => self.view.click(c),
            FindingsMsg::Filter(f) => {
                self.view.filter = f;
                self.page = 0;
            }
            FindingsMsg::MinScore(s) => {
                self.view.min_score = s;
                self.page = 0;
            }
            FindingsMsg::Page(p) => self.page = p,
        }
        self.refresh(ctx);
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        let link = ctx.link();
        let findings = &props.results.findings;
        let headers = FindingColumn::ALL.iter().map(|&c| {
            let sort = if self.view.sort == c { if self.view.descending { "descending" } else { "ascending" } } else { "none" };
            html! {
                <th scope="col" aria-sort={sort} class={classes!(c.numeric().then_some("num"))}>
                    <button type="button" class="sort" onclick={link.callback(move |_| FindingsMsg::Sort(c))}>
                        { c.title() }
                        <span class="arrow" aria-hidden="true">{ match sort { "ascending" => "▲", "descending" => "▼", _ => "" } }</span>
                    </button>
                </th>
            }
        });
        let start = self.page * FINDINGS_PAGE;
        let end = (start + FINDINGS_PAGE).min(self.rows.len());
        let rows = self.rows[start..end].iter().map(|&i| {
            let f = &findings[i];
            let line = f.event.line;
            let selected = props.selected == Some(line);
            let select = props.on_select.reform(move |_: MouseEvent| line);
            let keyselect = {
                let cb = props.on_select.clone();
                Callback::from(move |e: KeyboardEvent| {
                    if e.key() == "Enter" || e.key() == " " {
                        e.prevent_default();
                        cb.emit(line);
                    }
                })
            };
            html! {
                <tr class={classes!("finding", selected.then_some("selected"))} tabindex="0"
                    aria-selected={selected.to_string()} title={f.explanation.clone()}
                    onclick={select} onkeydown={keyselect}>
                    <td class="num">{ line }</td>
                    <td class="time">{ FindingColumn::Time.text(f) }</td>
                    <td>{ FindingColumn::Client.text(f) }</td>
                    <td>{ FindingColumn::User.text(f) }</td>
                    <td><span class="provider">{ &f.provider }</span>{ " " }<span class="host">{ f.event.host.as_deref().unwrap_or("") }</span></td>
                    <td>{ FindingColumn::Method.text(f) }</td>
                    <td class="path" title={FindingColumn::Path.text(f)}>{ FindingColumn::Path.text(f) }</td>
                    <td class="num">{ FindingColumn::Upload.text(f) }</td>
                    <td class="ua" title={FindingColumn::UserAgent.text(f)}>{ FindingColumn::UserAgent.text(f) }</td>
                    <td>{ for f.signals.iter().map(|s| html! { <span class={classes!("chip", s.clone())}>{ s.replace('_', " ") }</span> }) }</td>
                    <td class="num"><span class={classes!("score", format!("s{}", f.score))}>{ f.score }</span></td>
                </tr>
            }
        });
        let on_filter = link.callback(|e: InputEvent| FindingsMsg::Filter(e.target_unchecked_into::<HtmlInputElement>().value()));
        let on_min = link.callback(|e: Event| FindingsMsg::MinScore(e.target_unchecked_into::<HtmlSelectElement>().value().parse().unwrap_or(0)));
        let pages = self.rows.len().div_ceil(FINDINGS_PAGE).max(1);
        let total = props.results.report.stats.findings;
        html! {
            <>
                <div class="table-tools">
                    <label>{ "Filter " }
                        <input id="findings-filter" type="search" placeholder="words in any column" value={self.view.filter.clone()} oninput={on_filter} />
                    </label>
                    <label>{ "Score " }
                        <select id="findings-min-score" onchange={on_min}>
                            { for [(0, "any"), (2, "≥ 2"), (3, "3")].iter().map(|(v, t)| html! { <option value={v.to_string()} selected={self.view.min_score == *v}>{ *t }</option> }) }
                        </select>
                    </label>
                    <span class="count" aria-live="polite">
                        { format!("{} of {} shown", self.rows.len(), findings.len()) }
                        if props.results.findings_truncated() { { format!(" (the first {} of {total} findings are kept)", findings.len()) } }
                    </span>
                </div>
                <div class="table-scroll">
                    <table id="findings" class="data findings">
                        <caption class="visually-hidden">{ "Per-event findings; choose a row to highlight its line in the input" }</caption>
                        <thead><tr>{ for headers }</tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
                if pages > 1 {
                    <nav class="pager" aria-label="Findings pages">
                        <button type="button" disabled={self.page == 0} onclick={link.callback(|_| FindingsMsg::Page(0))}>{ "« First" }</button>
                        <button type="button" disabled={self.page == 0} onclick={let p = self.page; link.callback(move |_| FindingsMsg::Page(p.saturating_sub(1)))}>{ "‹ Previous" }</button>
                        <span>{ format!("Page {} of {pages}", self.page + 1) }</span>
                        <button type="button" disabled={self.page + 1 >= pages} onclick={let p = self.page; link.callback(move |_| FindingsMsg::Page(p + 1))}>{ "Next ›" }</button>
                        <button type="button" disabled={self.page + 1 >= pages} onclick={link.callback(move |_| FindingsMsg::Page(pages - 1))}>{ "Last »" }</button>
                    </nav>
                }
            </>
        }
    }
}

/// The list of line errors (`id="errors"`), each with its line number.
#[function_component(ErrorsList)]
pub fn errors_list(props: &ResultsProps) -> Html {
    let report = &props.results.report;
    if report.stats.errors == 0 {
        return html! { <p class="empty" id="errors-none">{ "Every line was understood." }</p> };
    }
    let items = report.errors.iter().map(|e| {
        let line = e.line;
        let select = props.on_select.reform(move |_: MouseEvent| line);
        html! {
            <li>
                <button type="button" class="linkish" onclick={select} aria-label={format!("Highlight line {line}")}>{ format!("line {line}") }</button>
                <span class="reason">{ &e.reason }</span>
            </li>
        }
    });
    html! {
        <>
            <ol id="errors" class="errors">{ for items }</ol>
            if (report.errors.len() as u64) < report.stats.errors {
                <p class="more">{ format!("{} more errors were counted but not listed (limits.max_errors_listed).", report.stats.errors - report.errors.len() as u64) }</p>
            }
        </>
    }
}

//! The reference, read from the declarations: every scenario key
//! ([`canopy_model::scenario::params`]), metrics.csv column
//! ([`canopy_model::COLUMNS`]), chart ([`Chart::ALL`]), critical event
//! ([`canopy_model::critical::Kind`]) and output file, each as an
//! [`Entry`] with the rule of the model that governs it
//! ([`canopy_model::RULES`]). `canopy explain` prints one entry
//! ([`explain`]), `canopy docs` writes them all as the book's reference
//! pages ([`pages`]), and the web page and the Python package show the
//! same text. Layers above add their own entries (a sweep file's keys).

use std::fmt::Write as _;
use std::path::Path;

use canopy_model::critical::Kind as EventKind;
use canopy_model::scenario::params::{DEAL_PARAMS, Default, Kind, PARAMS};
use canopy_model::{COLUMNS, ColumnType};
use canopy_model::{Rule, rule_for};

use crate::charts::Chart;

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A key of a scenario file (`aegis.initial_usdc`).
    ScenarioKey,
    /// A key of a scenario's `[[deal]]` (`deal[i].oak.amount`).
    DealKey,
    /// A column of metrics.csv.
    Column,
    /// A chart of the run report.
    Chart,
    /// A critical event.
    Event,
    /// A key of another input file (a sweep file's `sweep.runs`).
    FileKey,
    /// A file canopy reads or writes.
    File,
}

impl Topic {
    /// Every topic, in the order of the reference.
    pub const ALL: [Topic; 7] = [
        Topic::ScenarioKey,
        Topic::DealKey,
        Topic::Column,
        Topic::Chart,
        Topic::Event,
        Topic::FileKey,
        Topic::File,
    ];

    /// What it is called, for people.
    pub fn label(self) -> &'static str {
        match self {
            Topic::ScenarioKey => "scenario key",
            Topic::DealKey => "deal key",
            Topic::Column => "metrics.csv column",
            Topic::Chart => "chart",
            Topic::Event => "critical event",
            Topic::FileKey => "file key",
            Topic::File => "file",
        }
    }
}

/// One thing the reference describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// What it is.
    pub topic: Topic,
    /// Its name, as a file or the command line writes it.
    pub name: String,
    /// Other names it answers to (a critical event's words).
    pub aliases: Vec<String>,
    /// What it is, in a sentence or two.
    pub doc: String,
    /// Its facts, in order: (`type`, `number`), (`unit`, `USD`), ...
    pub facts: Vec<(&'static str, String)>,
    /// The rule of the model that governs it, if any.
    pub rule: Option<Rule>,
}

impl Entry {
    /// An entry without aliases, with the rule that governs `name`.
    pub fn new(topic: Topic, name: impl Into<String>, doc: impl Into<String>) -> Entry {
        let name = name.into();
        Entry {
            topic,
            rule: rule_for(&name).copied(),
            name,
            aliases: Vec::new(),
            doc: doc.into(),
            facts: Vec::new(),
        }
    }

    /// With a fact added.
    pub fn fact(mut self, label: &'static str, value: impl Into<String>) -> Entry {
        self.facts.push((label, value.into()));
        self
    }

    /// With `rule` in place of the one its name finds.
    pub fn ruled_by(mut self, rule: Option<Rule>) -> Entry {
        self.rule = rule;
        self
    }

    /// The fact called `label`, if it has one.
    pub fn get(&self, label: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.as_str())
    }
}

/// A file canopy writes, and what it holds.
#[derive(Clone, Copy, Debug)]
pub struct FileDoc {
    /// Its name (`metrics.csv`).
    pub name: &'static str,
    /// What writes it.
    pub writer: &'static str,
    /// What it holds.
    pub doc: &'static str,
}

/// The files a run writes under `--out`.
pub const RUN_FILES: &[FileDoc] = &[
    FileDoc {
        name: "metrics.csv",
        writer: "canopy run",
        doc: "One row per month, one column per metric (see the metrics.csv columns); an undefined value is an empty cell, numbers at full precision.",
    },
    FileDoc {
        name: "metrics.json",
        writer: "canopy run",
        doc: "The same rows as metrics.csv, as a JSON array of objects keyed by column name (null where undefined).",
    },
    FileDoc {
        name: "deals.csv",
        writer: "canopy run",
        doc: "One row per deal and month it is active (and one per pair withdrawal): its TVL, revenue, OAK and pair balances.",
    },
    FileDoc {
        name: "scorecard.csv",
        writer: "canopy run",
        doc: "One row per deal: what the run gains or loses with the deal, against the same run without it.",
    },
    FileDoc {
        name: "report.html",
        writer: "canopy run",
        doc: "A self-contained report: the final summary, every chart with its caption, the critical events, the scorecard and the scenario.",
    },
    FileDoc {
        name: "logs/simulation_YYYYMMDD_HHMMSS.log",
        writer: "canopy run",
        doc: "The run's detailed events, month by month (--log-dir to change the folder).",
    },
];

fn kind_type(k: Kind) -> &'static str {
    match k {
        Kind::Number(_) => "number",
        Kind::Whole { .. } => "whole number",
        Kind::Bool => "boolean",
        Kind::Choice(_) => "choice",
        Kind::Numbers(_) => "list of numbers",
        Kind::Text => "text",
    }
}

fn default_text(d: Default) -> String {
    match d {
        Default::Required => "required".into(),
        Default::Derived => "derived from other keys".into(),
        d => d.value().map(|v| v.show()).unwrap_or_default(),
    }
}

fn key_entry(
    topic: Topic,
    name: String,
    kind: Kind,
    unit: &str,
    default: Default,
    doc: &str,
) -> Entry {
    Entry::new(topic, name, doc)
        .fact("type", kind_type(kind))
        .fact("unit", unit)
        .fact("default", default_text(default))
        .fact("allowed", kind.describe())
}

/// The entries of the model and of a run: scenario keys, deal keys,
/// columns, charts, critical events and a run's files.
pub fn model_entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for p in PARAMS {
        out.push(key_entry(
            Topic::ScenarioKey,
            p.path.to_string(),
            p.kind,
            p.unit,
            p.default,
            p.doc,
        ));
    }
    for p in DEAL_PARAMS {
        out.push(key_entry(
            Topic::DealKey,
            format!("deal[i].{}", p.path),
            p.kind,
            p.unit,
            p.default,
            p.doc,
        ));
    }
    for c in COLUMNS {
        let ty = match c.ty {
            ColumnType::Count => "whole number",
            ColumnType::Amount => "number",
            ColumnType::Rate => "rate (a fraction)",
        };
        out.push(
            Entry::new(Topic::Column, c.name, c.doc)
                .fact("type", ty)
                .fact("unit", c.unit)
                .fact(
                    "flow or stock",
                    format!("{}: {}", c.measure.name(), c.measure.meaning()),
                )
                .fact(
                    "may be empty",
                    if c.optional {
                        "yes, in months where it is undefined"
                    } else {
                        "no"
                    },
                ),
        );
    }
    for c in Chart::ALL {
        let series: Vec<&str> = c
            .panels
            .iter()
            .flat_map(|p| p.series.iter().map(|s| s.label))
            .collect();
        out.push(
            Entry::new(Topic::Chart, c.stem, c.caption)
                .fact("title", c.title)
                .fact("files", format!("{0}.svg, {0}.png", c.stem))
                .fact("series", series.join("; ")),
        );
    }
    for k in EventKind::ALL {
        let mut e = Entry::new(Topic::Event, k.id(), k.doc()).fact("counted as", k.name());
        e.aliases.push(k.name().to_string());
        out.push(e);
    }
    for f in RUN_FILES {
        out.push(Entry::new(Topic::File, f.name, f.doc).fact("written by", f.writer));
    }
    out
}

/// `name` as the entries write it: a deal's index (`deal[3].`, `deal[x].`,
/// `deal.`) becomes `deal[i].`.
pub fn normalise(name: &str) -> String {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix("deal[")
        && let Some((_, key)) = rest.split_once("].")
    {
        return format!("deal[i].{key}");
    }
    if let Some(key) = name.strip_prefix("deal.") {
        return format!("deal[i].{key}");
    }
    name.to_string()
}

/// Why `canopy explain` has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// The name asked for.
    pub name: String,
    /// The nearest known name, if one is near.
    pub nearest: Option<String>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is no scenario key, metric, chart, critical event, file or file key",
            self.name
        )?;
        match &self.nearest {
            Some(n) => write!(f, "; did you mean `{n}`?"),
            None => write!(
                f,
                "; `canopy docs` writes the list of every name (the book's reference)"
            ),
        }
    }
}

impl std::error::Error for Unknown {}

/// The entries called `name` (or answering to it), in reference order.
pub fn find<'e>(entries: &'e [Entry], name: &str) -> Vec<&'e Entry> {
    let wanted = normalise(name);
    let lower = wanted.to_lowercase();
    let exact: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.name == wanted || e.aliases.contains(&wanted))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    entries
        .iter()
        .filter(|e| {
            e.name.to_lowercase() == lower || e.aliases.iter().any(|a| a.to_lowercase() == lower)
        })
        .collect()
}

/// The nearest name of `entries` to `name`, if one is near enough to be a
/// slip of the keyboard.
pub fn nearest(entries: &[Entry], name: &str) -> Option<String> {
    let wanted = normalise(name).to_lowercase();
    entries
        .iter()
        .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
        .map(|n| (strsim::jaro_winkler(&n.to_lowercase(), &wanted), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.clone())
}

/// Wraps `text` at `width` columns, each line indented by `indent`.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

/// One entry as `canopy explain` prints it: name and topic, doc, facts,
/// and the rule that governs it.
pub fn entry_text(e: &Entry) -> String {
    let mut out = format!("{} ({})\n", e.name, e.topic.label());
    out.push_str(&wrap(&e.doc, "  ", 78));
    for (label, value) in &e.facts {
        out.push_str(&wrap(&format!("{label}: {value}"), "  ", 78));
    }
    if let Some(r) = &e.rule {
        let _ = writeln!(out, "\nRule: {}", r.title);
        out.push_str(&wrap(r.text, "  ", 78));
        let _ = writeln!(out, "  More: docs/src/{}", r.page);
    }
    out
}

/// What `canopy explain NAME` prints: every entry called `name`, or why
/// there is none.
pub fn explain(entries: &[Entry], name: &str) -> Result<String, Unknown> {
    let found = find(entries, name);
    if found.is_empty() {
        return Err(Unknown {
            name: name.trim().to_string(),
            nearest: nearest(entries, name),
        });
    }
    Ok(found
        .iter()
        .map(|e| entry_text(e))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The id mdbook gives a heading (as the book's link check computes it).
fn heading_id(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .collect::<String>()
        .replace(' ', "-")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The reference pages' file names and titles, one page per topic, then
/// the rules.
const PAGES: [(Topic, &str, &str, &str); 7] = [
    (
        Topic::ScenarioKey,
        "scenario-keys.md",
        "Scenario keys",
        "Every key of a scenario file, as `--set` and `canopy explain` take it.",
    ),
    (
        Topic::DealKey,
        "deal-keys.md",
        "Deal keys",
        "Every key of a `[[deal]]`; on the command line a deal is named by its index, counted from 0: `--set deal[3].oak.amount=5000`.",
    ),
    (
        Topic::Column,
        "metrics.md",
        "metrics.csv columns",
        "Every column of metrics.csv (and key of metrics.json), in file order. A stock is a level at the end of the month; a flow is what happened during it.",
    ),
    (
        Topic::Chart,
        "charts.md",
        "Charts",
        "Every chart of a run's report, in report order (a chart is drawn when the run has something for it to show).",
    ),
    (
        Topic::Event,
        "events.md",
        "Critical events",
        "The events a run reports as critical: the command line prints them after the summary, the report and the web page list them.",
    ),
    (
        Topic::FileKey,
        "file-keys.md",
        "Sweep and decision file keys",
        "Every key of the files that drive many runs.",
    ),
    (Topic::File, "files.md", "Files", "The files canopy writes."),
];

/// The reference pages for `entries`: (file name, Markdown text), the
/// index first, then one page per topic, then the rules.
pub fn pages(entries: &[Entry]) -> Vec<(String, String)> {
    const HEAD: &str = "<!-- Generated by `canopy docs --out docs/src/reference` from the declarations in the code; do not edit. -->\n\n";
    let mut out = Vec::new();
    let mut index = format!(
        "{HEAD}# Reference\n\nEverything canopy reads and writes, generated from the declarations the code itself uses, so it cannot drift from what the program does. `canopy explain NAME` prints any one entry, with the rule of the model that governs it.\n\n"
    );
    for (topic, file, title, intro) in PAGES {
        let of: Vec<&Entry> = entries.iter().filter(|e| e.topic == topic).collect();
        if of.is_empty() {
            continue;
        }
        let _ = writeln!(index, "- [{title}]({file}): {} entries", of.len());
        let mut labels: Vec<&str> = Vec::new();
        for e in &of {
            for (l, _) in &e.facts {
                if !labels.contains(l) {
                    labels.push(l);
                }
            }
        }
        let mut page = format!("{HEAD}# {title}\n\n{intro}\n\n");
        let _ = write!(page, "| name | meaning |");
        for l in &labels {
            let _ = write!(page, " {l} |");
        }
        page.push_str(" rule |\n|---|---|");
        for _ in &labels {
            page.push_str("---|");
        }
        page.push_str("---|\n");
        for e in &of {
            let _ = write!(page, "| `{}` | {} |", e.name, cell(&e.doc));
            for l in &labels {
                let _ = write!(page, " {} |", cell(e.get(l).unwrap_or("")));
            }
            match &e.rule {
                Some(r) => {
                    let _ = writeln!(page, " [{}](rules.md#{}) |", r.title, heading_id(r.title));
                }
                None => page.push_str(" |\n"),
            }
        }
        out.push((file.to_string(), page));
    }
    index.push_str("- [Rules of the model](rules.md): the rule each entry links to\n");
    out.insert(0, ("index.md".to_string(), index));

    let mut rules: Vec<Rule> = Vec::new();
    for e in entries {
        if let Some(r) = e.rule
            && !rules.contains(&r)
        {
            rules.push(r);
        }
    }
    let mut page = format!(
        "{HEAD}# Rules of the model\n\nThe rule of the model behind each key, column, chart and event, in a few sentences; each links to the chapter that explains it in full.\n"
    );
    for r in &rules {
        let names: Vec<String> = entries
            .iter()
            .filter(|e| e.rule.as_ref() == Some(r))
            .map(|e| format!("`{}`", e.name))
            .collect();
        let _ = write!(
            page,
            "\n## {}\n\n{}\n\nMore: [{}](../{}).\n\nGoverns: {}.\n",
            r.title,
            r.text,
            r.page,
            r.page,
            names.join(", ")
        );
    }
    out.push(("rules.md".to_string(), page));
    out
}

/// Writes [`pages`] into `dir` (created if missing), each file whole or
/// not at all; gives the files written.
pub fn write_pages(dir: &Path, entries: &[Entry]) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let pages = pages(entries);
    let files: Vec<(std::path::PathBuf, &[u8])> = pages
        .iter()
        .map(|(name, text)| (dir.join(name), text.as_bytes()))
        .collect();
    crate::atomic::write_all_atomic(&files)?;
    Ok(pages.into_iter().map(|(name, _)| name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declaration_has_an_entry_with_a_doc() {
        let entries = model_entries();
        let count = |t| entries.iter().filter(|e| e.topic == t).count();
        assert_eq!(count(Topic::ScenarioKey), PARAMS.len());
        assert_eq!(count(Topic::DealKey), DEAL_PARAMS.len());
        assert_eq!(count(Topic::Column), COLUMNS.len());
        assert_eq!(count(Topic::Chart), Chart::ALL.len());
        assert_eq!(count(Topic::Event), EventKind::ALL.len());
        for e in &entries {
            assert!(!e.doc.is_empty(), "{}", e.name);
            if matches!(
                e.topic,
                Topic::ScenarioKey | Topic::DealKey | Topic::Column | Topic::Event
            ) {
                assert!(e.rule.is_some(), "{} has no rule", e.name);
            }
        }
    }

    #[test]
    fn a_key_prints_its_doc_unit_default_range_and_rule() {
        let entries = model_entries();
        let text = explain(&entries, "deal[3].oak.amount").unwrap();
        assert!(
            text.starts_with("deal[i].oak.amount (deal key)\n  OAK allocated to the deal.\n"),
            "{text}"
        );
        assert!(text.contains("  unit: OAK\n"), "{text}");
        assert!(text.contains("  default: required\n"), "{text}");
        assert!(text.contains("  allowed: a number >= 0\n"), "{text}");
        assert!(
            text.contains("Rule: OAK, the IRR and redemptions\n"),
            "{text}"
        );
        let text = explain(&entries, "aegis.initial_usdc").unwrap();
        assert!(text.contains("  default: 100000000.0\n"), "{text}");
        // A name that is a column and a chart answers with both.
        let text = explain(&entries, "leaf_price").unwrap();
        assert!(text.contains("leaf_price (metrics.csv column)"), "{text}");
        assert!(text.contains("leaf_price (chart)"), "{text}");
        // An event by its words.
        let text = explain(&entries, "large redemptions").unwrap();
        assert!(
            text.starts_with("large_redemption (critical event)"),
            "{text}"
        );
        assert!(text.contains("5 %"), "{text}");
    }

    #[test]
    fn a_near_miss_gets_did_you_mean() {
        let entries = model_entries();
        let e = explain(&entries, "aegis.initial_usd").unwrap_err();
        assert_eq!(e.nearest.as_deref(), Some("aegis.initial_usdc"));
        assert!(
            e.to_string()
                .ends_with("did you mean `aegis.initial_usdc`?"),
            "{e}"
        );
        let e = explain(&entries, "qqqqqqqq").unwrap_err();
        assert_eq!(e.nearest, None);
    }

    #[test]
    fn the_event_docs_state_the_thresholds_the_code_uses() {
        use canopy_model::critical::{LARGE_REDEMPTION_SHARE, LOW_USDC_SHARE};
        let large = format!("{} %", LARGE_REDEMPTION_SHARE * 100.0);
        assert!(EventKind::LargeRedemption.doc().contains(&large));
        let low = format!("{} %", LOW_USDC_SHARE * 100.0);
        assert!(EventKind::LowUsdc.doc().contains(&low));
    }

    #[test]
    fn pages_link_every_rule_to_a_heading_of_the_rules_page() {
        let pages = pages(&model_entries());
        let rules = &pages.iter().find(|p| p.0 == "rules.md").unwrap().1;
        for (_, text) in &pages {
            for link in text.split("(rules.md#").skip(1) {
                let id = link.split(')').next().unwrap();
                let found = rules
                    .lines()
                    .filter_map(|l| l.strip_prefix("## "))
                    .any(|t| heading_id(t) == id);
                assert!(found, "rules.md#{id}");
            }
        }
        let metrics = &pages.iter().find(|p| p.0 == "metrics.md").unwrap().1;
        assert!(metrics.contains("| `aegis_from_price` |"));
    }
}

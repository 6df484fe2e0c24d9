//! The quick reading of a scenario text that has nothing wrong with it.
//!
//! Most texts are valid, and a valid text needs no positions: this reader
//! walks the parser's table straight into a [`Scenario`], along the same
//! parameter table as [`super::load`]'s reader, and gives up (`None`) at the
//! first thing that is not plainly right: a syntax error, an unknown key, a
//! wrong type, a value out of range, a missing key. The caller then reads the
//! text again with positions, to word every problem with its file, line and
//! key path. So the messages come from one place, and only a valid text takes
//! this path.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::params::{self, Kind, Value};
use super::tree::number_value;
use super::validate::{Spot, Spots, Where};
use super::{Deal, Scenario};

/// The scenario in `text` and the deals whose `id` the text gives, if the
/// text reads without a single problem (validation across keys aside).
pub(super) fn read(text: &str) -> Option<(Scenario, Spots)> {
    let table = DeTable::parse(text).ok()?.into_inner();
    let mut s = Scenario::default();
    let mut spots = Spots::default();
    section(&mut s, "", &table)?;
    if let Some(deals) = table.get("deal") {
        let DeValue::Array(items) = deals.get_ref() else {
            return None;
        };
        s.deals.reserve_exact(items.len());
        for (i, item) in items.iter().enumerate() {
            let DeValue::Table(entries) = item.get_ref() else {
                return None;
            };
            let (deal, id_given) = deal(entries)?;
            if id_given {
                // Validation tells a given id from a made one.
                spots.insert(Spot::Deal(i, 0), Where::Nowhere);
            }
            s.deals.push(deal);
        }
    }
    Some((s, spots))
}

type Entries<'a> = DeTable<'a>;

/// Reads the table at `prefix` (and its sub-tables) into `s`.
fn section(s: &mut Scenario, prefix: &str, entries: &Entries<'_>) -> Option<()> {
    for (key, node) in entries {
        let key: &str = key.get_ref();
        // A quoted key with a dot (`"aegis.initial_leaf" = 1`) is one key,
        // unknown to the table.
        if key.contains('.') {
            return None;
        }
        if prefix.is_empty() && key == "deal" {
            continue;
        }
        if let Some(p) = params::PARAMS.iter().find(|p| is_path(p.path, prefix, key)) {
            (p.set)(s, value(node, p.kind)?);
            continue;
        }
        // A sub-table holds at least one parameter; anything else is unknown.
        let path = join(prefix, key);
        if !params::PARAMS.iter().any(|p| is_below(p.path, &path)) {
            return None;
        }
        let DeValue::Table(sub) = node.get_ref() else {
            return None;
        };
        section(s, &path, sub)?;
    }
    Some(())
}

/// One `[[deal]]`, and whether its `id` was given.
fn deal(entries: &Entries<'_>) -> Option<(Deal, bool)> {
    let mut d = Deal::default();
    let mut id_given = false;
    let mut parts = 0;
    // Which of the deal's keys were given, by index in DEAL_PARAMS.
    let mut given = 0u64;
    for (key, node) in entries {
        let key: &str = key.get_ref();
        if params::DEAL_PARTS.contains(&key) {
            let DeValue::Table(sub) = node.get_ref() else {
                return None;
            };
            part(&mut d, key, sub)?;
            parts += 1;
            continue;
        }
        let (j, p) = params::DEAL_PARAMS
            .iter()
            .enumerate()
            .find(|(_, p)| p.path == key && !p.path.contains('.'))?;
        (p.set)(&mut d, value(node, p.kind)?);
        given |= 1 << j;
        id_given |= key == "id";
    }
    // Every required key of the deal itself, and at least one part.
    let missing = params::DEAL_PARAMS.iter().enumerate().any(|(j, p)| {
        given & (1 << j) == 0 && !p.path.contains('.') && p.default == params::Default::Required
    });
    if missing || parts == 0 {
        return None;
    }
    if !id_given {
        d.id = Deal::default_id(&d.counterparty, d.start_month);
    }
    Some((d, id_given))
}

/// Reads the part `part` of a deal (`oak`) from its table, defaults included.
fn part(d: &mut Deal, part: &str, entries: &Entries<'_>) -> Option<()> {
    let mut given = 0u64;
    for (key, node) in entries {
        let key: &str = key.get_ref();
        let (j, p) = params::DEAL_PARAMS
            .iter()
            .enumerate()
            .find(|(_, p)| is_path(p.path, part, key))?;
        (p.set)(d, value(node, p.kind)?);
        given |= 1 << j;
    }
    for (j, p) in params::DEAL_PARAMS.iter().enumerate() {
        if given & (1 << j) != 0 || !is_below(p.path, part) {
            continue;
        }
        match p.default.value() {
            Some(v) => (p.set)(d, v),
            None if p.default == params::Default::Derived => {}
            None => return None,
        }
    }
    Some(())
}

// The masks above hold one bit per deal key.
const _: () = assert!(params::DEAL_PARAMS.len() <= 64);

/// The value of `node` as `kind`, if it fits.
fn value(node: &Spanned<DeValue<'_>>, kind: Kind) -> Option<Value> {
    let v = match node.get_ref() {
        DeValue::String(s) => Value::Str(Cow::clone(s).into_owned()),
        DeValue::Integer(i) => number_value(i.as_str(), i.radix(), true).ok()?,
        DeValue::Float(f) => number_value(f.as_str(), 10, false).ok()?,
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Array(items) => Value::List(
            items
                .iter()
                .map(|item| match item.get_ref() {
                    DeValue::Integer(i) => number_value(i.as_str(), i.radix(), true)
                        .ok()
                        .and_then(|v| v.as_f64()),
                    DeValue::Float(f) => number_value(f.as_str(), 10, false)
                        .ok()
                        .and_then(|v| v.as_f64()),
                    _ => None,
                })
                .collect::<Option<_>>()?,
        ),
        DeValue::Datetime(_) | DeValue::Table(_) => return None,
    };
    kind.check_shown(&v, String::new).ok()
}

/// Whether `path` is `key` in the table at `prefix`, without building it.
fn is_path(path: &str, prefix: &str, key: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) if prefix.is_empty() => rest == key,
        Some(rest) => rest.strip_prefix('.') == Some(key),
        None => false,
    }
}

/// Whether `path` lies inside the table at `table`.
fn is_below(path: &str, table: &str) -> bool {
    path.strip_prefix(table)
        .is_some_and(|rest| rest.starts_with('.'))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::load::positioned;
    use super::super::validate::validate;
    use crate::builtin;

    /// Reads `text` both ways: the quick reader must give a valid scenario
    /// exactly when the positioned reader does, and the same one.
    fn same_both_ways(name: &str, text: &str) -> bool {
        let quick =
            super::read(text).and_then(|(s, spots)| validate(name, s, Vec::new(), &spots).ok());
        let slow = positioned(name, text, &[]);
        match (&quick, &slow) {
            (Some(q), Ok(s)) => assert_eq!(q.scenario(), s.scenario(), "{name}:\n{text}"),
            (None, Err(_)) => {}
            _ => panic!(
                "{name}: quick reader {}, positioned reader {}:\n{text}",
                if quick.is_some() {
                    "accepts"
                } else {
                    "declines"
                },
                if slow.is_ok() { "accepts" } else { "rejects" }
            ),
        }
        slow.is_ok()
    }

    /// The texts a test reads: the built-in scenarios and the example files.
    fn files() -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = builtin::BUILTIN
            .iter()
            .map(|(name, _, text)| (name.to_string(), text.to_string()))
            .collect();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        for dir in ["examples", "benchmarks", "crates/canopy-model/scenarios"] {
            let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
                .expect("a folder of the repository")
                .map(|e| e.expect("an entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).expect("a text file");
                out.push((p.display().to_string(), text));
            }
        }
        out
    }

    #[test]
    fn every_file_reads_the_same_both_ways() {
        let mut valid = 0;
        for (name, text) in files() {
            valid += usize::from(same_both_ways(&name, &text));
        }
        // The built-in scenarios twice (by name and as files); the example
        // files are sweep files, not scenarios, and are rejected both ways.
        assert_eq!(valid, 8);
    }

    #[test]
    fn every_one_line_change_of_a_builtin_reads_the_same_both_ways() {
        let (mut accepted, mut rejected) = (0, 0);
        for (name, _, text) in builtin::BUILTIN {
            let lines: Vec<&str> = text.lines().collect();
            for i in 0..lines.len() {
                let line = lines[i];
                let mut changed = Vec::new();
                // The line left out, written twice, its key misspelt, its
                // value made a string, negative, fractional, or empty.
                changed.push(String::new());
                changed.push(format!("{line}\n{line}"));
                if let Some((key, value)) = line.split_once('=') {
                    changed.push(format!("{}x ={value}", key.trim_end()));
                    changed.push(format!("{key}= \"zz\""));
                    changed.push(format!("{key}= -1"));
                    changed.push(format!("{key}= 0.5"));
                    changed.push(format!("{key}= 2_000"));
                    changed.push(format!("{key}= []"));
                    changed.push(format!("\"{}.y\" ={value}", key.trim()));
                }
                for new in changed {
                    let mut all = lines.clone();
                    all[i] = &new;
                    let text = all.join("\n");
                    if same_both_ways(name, &text) {
                        accepted += 1;
                    } else {
                        rejected += 1;
                    }
                }
            }
        }
        // Both kinds of text are met, many times.
        assert!(accepted > 500 && rejected > 500, "{accepted} {rejected}");
    }

    #[test]
    fn unusual_but_valid_texts_read_the_same_both_ways() {
        let deal = "counterparty = \"recurring\"\nstart_month = 1\n";
        let texts = [
            String::new(),
            "aegis.initial_leaf = 0x10\nsimulation = { months = 12, seed = 7 }\n".into(),
            "aegis.initial_usdc = 100000000000000000000\n".into(),
            "tvl.market.growth_rates = [1, 0.5, 2_0]\n".into(),
            "tvl.market.growth_rates = []\n".into(),
            "tvl.market.growth_rates = [1, \"x\"]\n".into(),
            "leaf_price.model = 1979-05-27\n".into(),
            "deal = [{ counterparty = \"A\", start_month = 2, oak = { amount = 1, irr_threshold = 0.1 } }]\n".into(),
            format!("[[deal]]\n{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n"),
            format!(
                "[[deal]]\nid = \"recurring_001\"\n{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n"
            ),
            format!(
                "[[deal]]\nid = \"recurring 001\"\n{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n"
            ),
            format!(
                "[[deal]]\n{deal}enabled = false\n[deal.oak]\namount = 1\nirr_threshold = 0.1\n"
            ),
            format!(
                "[[deal]]\n{deal}\"oak.amount\" = 1\noak = {{ amount = 1, irr_threshold = 0.1 }}\n"
            ),
            format!("[[deal]]\n{deal}oak = {{ amount = 1 }}\n"),
            format!(
                "[[deal]]\n{deal}\n[[deal]]\n{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n"
            ),
            format!(
                "[[deal]]\n{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n[[deal]]\n{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n"
            ),
            "[aegis]\n[aegis.x]\n".into(),
            "[tvl]\norganic = 1\n".into(),
            "deal = 3\n".into(),
            "deal = [1]\n".into(),
            "a = { b = { c = { d = 1 } } }\n".into(),
        ];
        for text in texts {
            same_both_ways("t", &text);
        }
    }
}

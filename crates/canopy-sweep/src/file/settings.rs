//! The `[sweep]` table's settings: `runs`, `seed`, `keep_months` and
//! `quantiles`, each checked against what it allows.

use super::*;

impl Reader<'_> {
    /// Reads `[sweep]`; gives the scenario's place and name if given.
    pub(super) fn settings(
        &mut self,
        sweep: &mut Sweep,
        entries: &[Entry],
    ) -> Option<(usize, String)> {
        self.unknown_keys("sweep", entries, &keys::keys_of("sweep"));
        let mut scenario = None;
        for e in entries {
            let path = format!("sweep.{}", e.key);
            let n = &e.node;
            match e.key.as_str() {
                "scenario" => {
                    if let Some(Value::Str(s)) = self.value(n, &path, Kind::Text) {
                        sweep.scenario_at = self.locate(n.offset());
                        scenario = Some((n.offset(), s));
                    }
                }
                "runs" | "seed" => self.runs_or_seed(sweep, n, &path, &e.key),
                "mode" => {
                    self.mode_at = Some(n.offset());
                    if let Some(Value::Str(s)) = self.value(n, &path, Kind::Choice(&Mode::NAMES)) {
                        sweep.mode = match s.as_str() {
                            "zip" => Mode::Zip,
                            "oat" => Mode::Oat,
                            "sobol" => Mode::Sobol,
                            "morris" => Mode::Morris,
                            _ => Mode::Grid,
                        };
                    }
                }
                "common_random_numbers" => {
                    if let Some(Value::Bool(b)) = self.value(n, &path, Kind::Bool) {
                        sweep.common_random_numbers = b;
                    }
                }
                "keep_months" => {
                    if let Some(names) = self.keep_months(n, &path) {
                        sweep.keep_months = names;
                    }
                }
                "quantiles" => {
                    if let Some(qs) = self.quantiles(n, &path) {
                        sweep.quantiles = qs;
                    }
                }
                "confidence" => {
                    if let Some(c) = self.number(n, &path, CONFIDENCE) {
                        sweep.confidence = c;
                    }
                }
                "tail" => {
                    if let Some(t) = self.number(n, &path, Range::LeftOpen(0.0, 1.0)) {
                        sweep.tail = t;
                    }
                }
                _ => {}
            }
        }
        scenario
    }

    /// `runs` or `seed` (`key`) of a sweep or seek file, into `sweep`.
    pub(super) fn runs_or_seed(&mut self, sweep: &mut Sweep, n: &Node, path: &str, key: &str) {
        let kind = if key == "runs" { RUNS } else { SEED };
        if let Some(Value::Int(i)) = self.value(n, path, kind) {
            if key == "runs" {
                sweep.runs = i as u64;
            } else {
                sweep.seed = Some(i as u64);
            }
        }
    }

    pub(super) fn keep_months(&mut self, n: &Node, path: &str) -> Option<Vec<String>> {
        let Tree::Array(items) = &n.value else {
            self.problem(
                n.offset(),
                path,
                format!(
                    "expected an array of metrics.csv column names, found {} ({})",
                    n.value.type_name(),
                    n.value.show()
                ),
            );
            return None;
        };
        let known: Vec<&str> = NAMES.iter().copied().filter(|c| *c != "month").collect();
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match &item.value {
                Tree::Str(s) if known.contains(&s.as_str()) => {
                    if out.contains(s) {
                        ok = false;
                        self.problem(item.offset(), &item_path, format!("`{s}` is listed twice"));
                    }
                    out.push(s.clone());
                }
                Tree::Str(s) => {
                    ok = false;
                    let hint = if s == "month" {
                        "every kept row has its month already; list the other columns".into()
                    } else {
                        params::suggest(s, &known)
                    };
                    self.problem(
                        item.offset(),
                        &item_path,
                        format!(
                            "`{}` is not a column of metrics.csv; {hint}",
                            params::escaped(&params::short(s))
                        ),
                    );
                }
                other => {
                    ok = false;
                    self.problem(
                        item.offset(),
                        &item_path,
                        format!(
                            "expected a metrics.csv column name (a string), found {} ({})",
                            other.type_name(),
                            other.show()
                        ),
                    );
                }
            }
        }
        ok.then_some(out)
    }

    pub(super) fn quantiles(&mut self, n: &Node, path: &str) -> Option<Vec<f64>> {
        let Tree::Array(items) = &n.value else {
            self.problem(
                n.offset(),
                path,
                format!(
                    "expected an array of numbers from 0 to 1, found {} ({})",
                    n.value.type_name(),
                    n.value.show()
                ),
            );
            return None;
        };
        let qs: Vec<Option<f64>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.number(item, &format!("{path}[{i}]"), Range::Closed(0.0, 1.0)))
            .collect();
        // Each quantile names a column (`p50`): two with one name would
        // make files that Arrow readers refuse.
        let mut names: Vec<(String, usize)> = Vec::new();
        let mut repeated = false;
        for (i, q) in qs.iter().enumerate() {
            let Some(q) = q else { continue };
            let name = crate::defaults::quantile_name(*q);
            if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
                self.problem(
                    items[i].offset(),
                    &format!("{path}[{i}]"),
                    format!(
                        "{} repeats {path}[{first}]: both would be the column `{name}` (quantiles are named to 10 significant digits of their percent)",
                        items[i].value.show()
                    ),
                );
                // Every repeat is reported, not only the first.
                repeated = true;
                continue;
            }
            names.push((name, i));
        }
        if repeated {
            return None;
        }
        qs.into_iter().collect()
    }
}

//! Reading `[[criterion]]` tables and `--criterion` texts (DECIDE.md,
//! "Criteria"), every problem with its place.

use canopy_model::scenario::params::Range;
use canopy_model::scenario::tree::{Entry, Node, Tree};
use canopy_model::scenario::validate::{Given, Where};

use super::{Reader, Sweep};
use crate::criteria::{self, Criterion, Limit, Side, When};

impl Reader<'_> {
    /// Reads the `criterion` array of tables, if there is one.
    pub(super) fn criteria(&mut self, top: &[Entry]) -> Vec<Criterion> {
        let mut out = Vec::new();
        let Some(node) = top.iter().find(|e| e.key == "criterion").map(|e| &e.node) else {
            return out;
        };
        let Tree::Array(items) = &node.value else {
            self.problem(
                node.offset(),
                "criterion",
                format!(
                    "expected an array of tables (`[[criterion]]`), found {} ({})",
                    node.value.type_name(),
                    node.value.show()
                ),
            );
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("criterion[{i}]");
            let Some(entries) = self.table(item, &path) else {
                continue;
            };
            if let Some(c) = self.criterion(&path, item, entries, i) {
                out.push(c);
            }
        }
        out
    }

    fn criterion(
        &mut self,
        path: &str,
        item: &Node,
        entries: &[Entry],
        index: usize,
    ) -> Option<Criterion> {
        self.unknown_keys(path, entries, &super::keys::keys_of("criterion"));
        let find = |k: &str| entries.iter().find(|e| e.key == k).map(|e| &e.node);
        let mut ok = true;
        let name = match find("name") {
            Some(n) => match &n.value {
                Tree::Str(s) => match criteria::check_name(s) {
                    Ok(()) => Some(s.clone()),
                    Err(m) => {
                        self.problem(n.offset(), &format!("{path}.name"), m);
                        None
                    }
                },
                other => {
                    self.problem(
                        n.offset(),
                        &format!("{path}.name"),
                        format!(
                            "expected a name (a string), found {} ({})",
                            other.type_name(),
                            other.show()
                        ),
                    );
                    None
                }
            },
            None => Some(format!("c{}", index + 1)),
        };
        ok &= name.is_some();
        let metric = match find("metric") {
            Some(n) => match &n.value {
                Tree::Str(s) => match criteria::metric(s) {
                    Ok(c) => Some(c),
                    Err(m) => {
                        self.problem(n.offset(), &format!("{path}.metric"), m);
                        None
                    }
                },
                other => {
                    self.problem(
                        n.offset(),
                        &format!("{path}.metric"),
                        format!(
                            "expected a metrics.csv column name (a string), found {} ({})",
                            other.type_name(),
                            other.show()
                        ),
                    );
                    None
                }
            },
            None => {
                self.problem(
                    item.offset(),
                    &format!("{path}.metric"),
                    "missing: a criterion needs the metric it watches (a metrics.csv column)"
                        .into(),
                );
                None
            }
        };
        ok &= metric.is_some();
        let side_limit = match (find("below"), find("above")) {
            (Some(n), None) => self
                .limit(n, &format!("{path}.below"))
                .map(|l| (Side::Below, l)),
            (None, Some(n)) => self
                .limit(n, &format!("{path}.above"))
                .map(|l| (Side::Above, l)),
            (Some(_), Some(n)) => {
                self.problem(
                    n.offset(),
                    &format!("{path}.above"),
                    "give exactly one of `below` and `above`, not both".into(),
                );
                None
            }
            (None, None) => {
                self.problem(
                    item.offset(),
                    &format!("{path}.below"),
                    "missing: a criterion needs `below` or `above` (a number, or { fraction = F, of = \"KEY\" })".into(),
                );
                None
            }
        };
        ok &= side_limit.is_some();
        let when = match find("when") {
            None => Some(When::Ever),
            Some(n) => {
                let bad = |r: &mut Self| {
                    r.problem(
                        n.offset(),
                        &format!("{path}.when"),
                        format!(
                            "{} is not allowed: expected \"ever\", \"end\" or a month number from 1",
                            n.value.show()
                        ),
                    )
                };
                match &n.value {
                    Tree::Str(s) if s == "ever" => Some(When::Ever),
                    Tree::Str(s) if s == "end" => Some(When::End),
                    Tree::Int(m) if (1..=i64::from(u32::MAX)).contains(m) => {
                        Some(When::Month(*m as u32))
                    }
                    _ => {
                        bad(self);
                        None
                    }
                }
            }
        };
        ok &= when.is_some();
        if !ok {
            return None;
        }
        let (side, limit) = side_limit?;
        Some(Criterion {
            name: name?,
            metric: metric?,
            side,
            limit,
            when: when?,
            at: self.locate(item.offset()),
        })
    }

    /// A limit: a number, or `{ fraction = F, of = "KEY" }`.
    fn limit(&mut self, n: &Node, path: &str) -> Option<Limit> {
        match &n.value {
            Tree::Table(entries) => {
                self.unknown_keys(path, entries, &super::keys::keys_of("criterion.below"));
                let find = |k: &str| entries.iter().find(|e| e.key == k).map(|e| &e.node);
                let fraction = match find("fraction") {
                    Some(f) => self.number(f, &format!("{path}.fraction"), Range::Any),
                    None => {
                        self.problem(
                            n.offset(),
                            &format!("{path}.fraction"),
                            "missing: a fractional limit needs `fraction` and `of`".into(),
                        );
                        None
                    }
                };
                let of = match find("of") {
                    Some(k) => match &k.value {
                        Tree::Str(s) => match criteria::limit_key(s) {
                            Ok(key) => Some(key),
                            Err(m) => {
                                self.problem(k.offset(), &format!("{path}.of"), m);
                                None
                            }
                        },
                        other => {
                            self.problem(
                                k.offset(),
                                &format!("{path}.of"),
                                format!(
                                    "expected a numeric scenario key (a string), found {} ({})",
                                    other.type_name(),
                                    other.show()
                                ),
                            );
                            None
                        }
                    },
                    None => {
                        self.problem(
                            n.offset(),
                            &format!("{path}.of"),
                            "missing: a fractional limit needs `fraction` and `of` (a numeric scenario key)".into(),
                        );
                        None
                    }
                };
                Some(Limit::Fraction {
                    fraction: fraction?,
                    of: of?,
                })
            }
            _ => self.number(n, path, Range::Any).map(Limit::Number),
        }
    }

    /// Reads the command line's criteria (`--criterion TEXT`), named
    /// `c<N>` after those of the file when they have no name.
    pub(super) fn criterion_texts(&mut self, texts: &[String], out: &mut Vec<Criterion>) {
        for (i, text) in texts.iter().enumerate() {
            self.given = Some(Given::Criterion(text.clone()));
            let default = format!("c{}", out.len() + 1);
            match criteria::parse(text, &default) {
                Ok(mut c) => {
                    c.at = Where::Override(Given::Criterion(text.clone()));
                    out.push(c);
                }
                Err(m) => self.problem(0, &format!("criterion[{}]", i), m),
            }
        }
        self.given = None;
    }

    /// The problems of the criteria taken together (names twice, or taken
    /// by another column of runs.parquet), at each criterion's place.
    pub(super) fn check_criteria(&mut self, sweep: &Sweep) {
        let criteria = &sweep.criteria;
        let mut taken: Vec<&str> = vec!["point", "run", "seed"];
        taken.extend(crate::summary::SUMMARY_COLUMNS.iter().map(|c| c.name));
        taken.extend(sweep.axes.iter().map(|a| a.key.path.as_str()));
        taken.extend(sweep.samples.iter().map(|s| s.key.path.as_str()));
        for (i, c) in criteria.iter().enumerate() {
            for column in c.run_columns() {
                if taken.contains(&column.as_str()) {
                    self.problems.push(crate::error::Problem {
                        at: c.at.clone(),
                        path: format!("criterion[{i}].name"),
                        deal: None,
                        message: format!(
                            "the name `{}` would make the column `{column}`, which runs.parquet already has; choose another name",
                            c.name
                        ),
                    });
                }
            }
        }
        for (i, message) in criteria::check_all(criteria, None) {
            self.problems.push(crate::error::Problem {
                at: criteria[i].at.clone(),
                path: format!("criterion[{i}]"),
                deal: None,
                message,
            });
        }
    }
}

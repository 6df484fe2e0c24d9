//! Reading `[[axis]]` and `[[sample]]`: the key, the values (listed or
//! spaced, rounded on whole-number keys) or the distribution, each problem
//! where it was written.

use super::*;

impl Reader<'_> {
    /// One `[[axis]]`, or `None` after its problems.
    pub(super) fn axis(
        &mut self,
        path: &str,
        item: &Node,
        entries: &[Entry],
        seen: &mut Vec<Seen>,
    ) -> Option<Axis> {
        const SPECS: [&str; 3] = ["values", "linspace", "logspace"];
        self.unknown_keys(path, entries, &super::keys::keys_of("axis"));
        let key_entry = entries.iter().find(|e| e.key == "key");
        let key = self.required_key(path, item, key_entry, "an axis", seen, true);
        let given: Vec<&Entry> = entries
            .iter()
            .filter(|e| SPECS.contains(&e.key.as_str()))
            .collect();
        let spec_entry = match given.as_slice() {
            [one] => *one,
            [] => {
                self.problem(
                    item.offset(),
                    path,
                    "an axis needs exactly one of `values`, `linspace` or `logspace`; none is given".into(),
                );
                return None;
            }
            [_, second, ..] => {
                self.problem(
                    second.key_offset(),
                    &format!("{path}.{}", second.key),
                    format!(
                        "an axis takes exactly one of `values`, `linspace` or `logspace`; this one has {}",
                        given.iter().map(|e| format!("`{}`", e.key)).collect::<Vec<_>>().join(" and ")
                    ),
                );
                return None;
            }
        };
        let key = key?;
        let spec_path = format!("{path}.{}", spec_entry.key);
        let n = &spec_entry.node;
        let (spec, value_pos) = match spec_entry.key.as_str() {
            "values" => {
                let Tree::Array(items) = &n.value else {
                    self.problem(
                        n.offset(),
                        &spec_path,
                        format!(
                            "expected an array of numbers, strings or booleans, found {} ({})",
                            n.value.type_name(),
                            n.value.show()
                        ),
                    );
                    return None;
                };
                if items.is_empty() {
                    self.problem(
                        n.offset(),
                        &spec_path,
                        "an axis needs at least one value".into(),
                    );
                    return None;
                }
                let mut values = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match (&it.value, key.is_scenario()) {
                        (Tree::Str(_), true)
                        | (Tree::Str(_) | Tree::Int(_) | Tree::Float(..) | Tree::Bool(_), false) => {
                            values.extend(it.value.value());
                        }
                        (other, _) => {
                            let what = if key.is_scenario() {
                                "a scenario name or file (a string)"
                            } else {
                                "a number, string or boolean"
                            };
                            self.problem(
                                it.offset(),
                                &format!("{spec_path}[{i}]"),
                                format!(
                                    "expected {what}, found {} ({})",
                                    other.type_name(),
                                    other.show()
                                ),
                            );
                        }
                    }
                }
                if values.len() != items.len() {
                    return None;
                }
                let pos = items.iter().map(|it| it.offset()).collect();
                (AxisSpec::Values(values), pos)
            }
            kind => {
                let log = kind == "logspace";
                if key.is_scenario() {
                    self.problem(
                        n.offset(),
                        &spec_path,
                        "the `scenario` axis takes `values`: a list of scenario names or files"
                            .into(),
                    );
                    return None;
                }
                if !matches!(key.kind, Some(Kind::Number(_) | Kind::Whole { .. })) {
                    self.problem(
                        n.offset(),
                        &spec_path,
                        format!(
                            "`{}` takes {}, not numbers: give its `values`",
                            key.path,
                            key.kind.map(Kind::describe).unwrap_or_default()
                        ),
                    );
                    return None;
                }
                let entries = self.table(n, &spec_path)?;
                let spec = self.spacing(&spec_path, n, entries, log)?;
                (spec, Vec::new())
            }
        };
        let values = axis::values(&spec, key.is_whole());
        // Spaced values rounded to whole numbers may meet: two points the same.
        if value_pos.is_empty()
            && let Some(j) = (1..values.len()).find(|&j| values[..j].contains(&values[j]))
        {
            let mut distinct = values.clone();
            distinct.dedup();
            self.problem(
                n.offset(),
                &spec_path,
                format!(
                    "`{}` takes whole numbers, and {} steps round to {}: the value {} comes twice, which would make two points the same; use at most {} steps",
                    key.path,
                    values.len(),
                    shown_values(&values),
                    values[j].echo(),
                    distinct.len()
                ),
            );
            return None;
        }
        let value_at = if value_pos.is_empty() {
            vec![self.locate(n.offset()); values.len()]
        } else {
            value_pos.into_iter().map(|p| self.locate(p)).collect()
        };
        let at = self.locate(key_entry.map_or(item.offset(), |e| e.node.offset()));
        Some(Axis {
            key,
            spec,
            values,
            value_at,
            at,
        })
    }

    fn spacing(&mut self, path: &str, n: &Node, entries: &[Entry], log: bool) -> Option<AxisSpec> {
        self.unknown_keys(path, entries, &["from", "to", "steps"]);
        let range = if log { Range::Positive } else { Range::Any };
        let mut get = |name: &str, kind: Kind| -> Option<Value> {
            match entries.iter().find(|e| e.key == name) {
                Some(e) => self.value(&e.node, &format!("{path}.{name}"), kind),
                None => {
                    self.problem(
                        n.offset(),
                        &format!("{path}.{name}"),
                        format!("missing: expected {}", kind.describe()),
                    );
                    None
                }
            }
        };
        // Ends keep their integers, so that spacing whole numbers is exact.
        let exact = |v: Option<Value>, node: Option<&Entry>| match (v, node.map(|e| &e.node.value))
        {
            (Some(_), Some(Tree::Int(i))) => Some(Value::Int(*i)),
            (v, _) => v,
        };
        let from = get("from", Kind::Number(range));
        let to = get("to", Kind::Number(range));
        let steps = get(
            "steps",
            Kind::Whole {
                min: 1,
                max: MAX_STEPS,
            },
        );
        let from = exact(from, entries.iter().find(|e| e.key == "from"))?;
        let to = exact(to, entries.iter().find(|e| e.key == "to"))?;
        let Some(Value::Int(steps)) = steps else {
            return None;
        };
        let steps = steps as usize;
        Some(if log {
            AxisSpec::Logspace { from, to, steps }
        } else {
            AxisSpec::Linspace { from, to, steps }
        })
    }

    /// One `[[sample]]`, or `None` after its problems.
    pub(super) fn sample(
        &mut self,
        path: &str,
        item: &Node,
        entries: &[Entry],
        seen: &mut Vec<Seen>,
    ) -> Option<Sample> {
        let dists = Distribution::NAMES;
        let mut known = vec!["key"];
        known.extend(dists);
        self.unknown_keys(path, entries, &known);
        let key_entry = entries.iter().find(|e| e.key == "key");
        let key = self.required_key(path, item, key_entry, "a sample", seen, false);
        let given: Vec<&Entry> = entries
            .iter()
            .filter(|e| dists.contains(&e.key.as_str()))
            .collect();
        let choices = "`uniform`, `normal`, `lognormal` or `triangular`";
        let d = match given.as_slice() {
            [one] => *one,
            [] => {
                self.problem(
                    item.offset(),
                    path,
                    format!("a sample needs exactly one distribution: {choices}; none is given"),
                );
                return None;
            }
            [_, second, ..] => {
                self.problem(
                    second.key_offset(),
                    &format!("{path}.{}", second.key),
                    format!(
                        "a sample takes exactly one distribution ({choices}); this one has {}",
                        given
                            .iter()
                            .map(|e| format!("`{}`", e.key))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                return None;
            }
        };
        let dpath = format!("{path}.{}", d.key);
        let dentries = self.table(&d.node, &dpath);
        let key = key?;
        if !matches!(key.kind, Some(Kind::Number(_) | Kind::Whole { .. })) {
            self.problem(
                key_entry.map_or(item.offset(), |e| e.node.offset()),
                &format!("{path}.key"),
                format!(
                    "only numbers can be sampled; `{}` takes {}",
                    key.path,
                    key.kind.map(Kind::describe).unwrap_or_default()
                ),
            );
            return None;
        }
        let dentries = dentries?;
        let names = Distribution::parameters(&d.key);
        self.unknown_keys(&dpath, dentries, names);
        let mut xs = Vec::with_capacity(names.len());
        for name in names {
            let p = format!("{dpath}.{name}");
            match dentries.iter().find(|e| e.key == *name) {
                Some(e) => xs.push(self.number(&e.node, &p, Range::Any)),
                None => {
                    self.problem(
                        d.node.offset(),
                        &p,
                        "missing: expected a finite number".into(),
                    );
                    xs.push(None);
                }
            }
        }
        let xs: Vec<f64> = xs.into_iter().collect::<Option<_>>()?;
        match Distribution::new(&d.key, &xs) {
            Ok(distribution) => Some(Sample {
                key,
                distribution,
                at: self.locate(key_entry.map_or(item.offset(), |e| e.node.offset())),
            }),
            Err(message) => {
                self.problem(d.node.offset(), &dpath, message);
                None
            }
        }
    }
}

/// `1, 2, 2, 3`, or the first and last few of a long list.
fn shown_values(values: &[Value]) -> String {
    let text = |v: &[Value]| v.iter().map(Value::echo).collect::<Vec<_>>().join(", ");
    if values.len() <= 12 {
        text(values)
    } else {
        format!(
            "{}, ..., {}",
            text(&values[..6]),
            text(&values[values.len() - 3..])
        )
    }
}

//! Keys and `[set]`: which parameter a key names, given once, from the
//! file or the command line (`--runs`, `--seed`, `--set`).

use super::*;

impl Reader<'_> {
    /// Applies `--runs`, `--seed` and `--set`, each checked as the file's
    /// own key is.
    pub(super) fn command_line(
        &mut self,
        sweep: &mut Sweep,
        seen: &mut Vec<Seen>,
        c: &CommandLine,
    ) {
        let whole = |n: &Option<i64>, given: fn(i64) -> Given, min, max| {
            n.map(|n| {
                (
                    given(n),
                    Node {
                        value: Tree::Int(n),
                        origin: Origin::Implied,
                    },
                    Kind::Whole { min, max },
                )
            })
        };
        if let Some((given, node, kind)) = whole(&c.runs, Given::Runs, 1, MAX_RUNS) {
            self.given = Some(given);
            if let Some(Value::Int(i)) = self.value(&node, "sweep.runs", kind) {
                sweep.runs = i as u64;
            }
        }
        if let Some((given, node, kind)) = whole(&c.seed, Given::Seed, 0, i64::MAX) {
            self.given = Some(given);
            if let Some(Value::Int(i)) = self.value(&node, "sweep.seed", kind) {
                sweep.seed = Some(i as u64);
            }
        }
        for text in &c.sets {
            self.given = Some(Given::Set(text.clone()));
            let Some((key, raw)) = text.split_once('=') else {
                self.problem(
                    0,
                    "",
                    format!(
                        "`{}` is not KEY=VALUE (for example `aegis.initial_usdc=5e7`)",
                        params::escaped(&params::short(text))
                    ),
                );
                continue;
            };
            let key = key.trim();
            let raw = raw.trim();
            let node = match DeValue::parse(raw) {
                Ok(v) => match convert(v, 0) {
                    Ok(node) => node,
                    Err((_, message)) => {
                        self.problem(0, key, format!("`{raw}`: {message}"));
                        continue;
                    }
                },
                // TOML's own syntax that does not parse is a mistake, not a word.
                Err(e) if raw.starts_with(['[', '{', '"', '\'']) => {
                    self.problem(
                        0,
                        key,
                        format!(
                            "`{raw}` is not a valid TOML value: {}",
                            e.message().trim_end()
                        ),
                    );
                    continue;
                }
                Err(_) => Node {
                    value: Tree::Str(raw.to_string()),
                    origin: Origin::Implied,
                },
            };
            let entry = Entry {
                key: key.to_string(),
                key_origin: Origin::Implied,
                node,
            };
            // An inline table sets each of its keys, as in `[set]` (and as
            // `canopy run --set` takes it).
            let mut flat = Vec::new();
            flatten("", std::slice::from_ref(&entry), &mut flat);
            for (path, e) in flat {
                // The command line's value replaces the file's `[set]` one.
                if let Some(i) = sweep.set.iter().position(|s| s.key.path == path) {
                    sweep.set.remove(i);
                    seen.retain(|s| s.path.to_string() != path || s.table != "[set]");
                }
                self.setting(sweep, seen, &path, e);
            }
        }
        self.given = None;
    }

    /// The key of a `[set]` entry, axis or sample, checked against the
    /// parameter table and against the keys given before.
    /// The `key` of an axis or sample (`what`), which must be there.
    pub(super) fn required_key(
        &mut self,
        path: &str,
        item: &Node,
        key_entry: Option<&Entry>,
        what: &'static str,
        seen: &mut Vec<Seen>,
        scenario_ok: bool,
    ) -> Option<Key> {
        let key_path = format!("{path}.key");
        match key_entry {
            Some(e) => self.key(&e.node, &key_path, what, seen, scenario_ok),
            None => {
                self.problem(
                    item.offset(),
                    &key_path,
                    format!("missing: {what} needs a key (a dotted key path such as `aegis.initial_usdc` or `deal[3].oak.amount`)"),
                );
                None
            }
        }
    }

    pub(super) fn key(
        &mut self,
        node: &Node,
        path: &str,
        table: &'static str,
        seen: &mut Vec<Seen>,
        scenario_ok: bool,
    ) -> Option<Key> {
        let text = match &node.value {
            Tree::Str(s) => s.clone(),
            other => {
                self.problem(
                    node.offset(),
                    path,
                    format!(
                        "expected a dotted key path such as `deal[3].oak.amount` (a string), found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                return None;
            }
        };
        self.key_text(&text, node.offset(), path, table, seen, scenario_ok)
    }

    pub(super) fn key_text(
        &mut self,
        text: &str,
        pos: usize,
        path: &str,
        table: &'static str,
        seen: &mut Vec<Seen>,
        scenario_ok: bool,
    ) -> Option<Key> {
        let shown = params::escaped(&params::short(text)).into_owned();
        if text == SCENARIO_AXIS {
            if !scenario_ok {
                self.problem(
                    pos,
                    path,
                    "`scenario` can only be an axis (with values that are scenario names or files); the scenario swept is `sweep.scenario`".into(),
                );
                return None;
            }
            return self.remember(KeyPath::parse(text).ok()?, pos, path, table, seen, None);
        }
        let kp = match KeyPath::parse(text) {
            Ok(kp) => kp,
            Err(message) => {
                self.problem(pos, path, message);
                return None;
            }
        };
        let shape = match classify(&kp) {
            Ok(shape) => shape,
            Err(message) => {
                self.problem(pos, path, format!("`{shown}`: {message}"));
                return None;
            }
        };
        let kind = match (shape.value_kind(), &shape) {
            (Some(kind), _) => kind,
            (None, Shape::Table(t)) => {
                self.problem(
                    pos,
                    path,
                    format!(
                        "`{shown}` is a table; name one of its keys ({})",
                        params::scenario_children(t).join(", ")
                    ),
                );
                return None;
            }
            (None, _) => {
                self.problem(
                    pos,
                    path,
                    format!("`{shown}` is a deal or a part of one; name one of its keys"),
                );
                return None;
            }
        };
        if kp.to_string() == "simulation.seed" {
            self.problem(
                pos,
                path,
                "`simulation.seed` may not be set, swept or sampled: run r of a sweep uses the seed `sweep.seed` + r".into(),
            );
            return None;
        }
        self.remember(kp, pos, path, table, seen, Some(kind))
    }

    pub(super) fn remember(
        &mut self,
        kp: KeyPath,
        pos: usize,
        path: &str,
        table: &'static str,
        seen: &mut Vec<Seen>,
        kind: Option<Kind>,
    ) -> Option<Key> {
        let at = self.locate(pos);
        // `a.list` and `a.list[0]` clash as surely as the same key twice.
        let clash = seen.iter().find(|s| {
            let n = s.path.segments.len().min(kp.segments.len());
            s.path.segments[..n] == kp.segments[..n]
        });
        if let Some(s) = clash {
            let line = match s.at {
                Where::Text { line, column } => format!("line {line}, column {column}"),
                _ => "before".into(),
            };
            let message = format!(
                "`{}` is already given in {} ({line}): a key may appear only once among [set], the axes and the samples",
                s.path, s.table
            );
            self.problem(pos, path, message);
            return None;
        }
        let key = Key {
            path: kp.to_string(),
            kind,
        };
        seen.push(Seen {
            path: kp,
            at,
            table,
        });
        Some(key)
    }

    pub(super) fn setting(
        &mut self,
        sweep: &mut Sweep,
        seen: &mut Vec<Seen>,
        path: &str,
        e: &Entry,
    ) {
        let label = format!("set.{}", quoted_key(path));
        let Some(key) = self.key_text(path, e.key_offset(), &label, "[set]", seen, false) else {
            return;
        };
        match e.node.value.value() {
            // The value's type and range, checked here with the file's other
            // problems (a point's scenario checks the rest).
            Some(value) => {
                if let Some(kind) = key.kind {
                    let shown = || e.node.value.show();
                    if let Err(message) = kind.check_shown(&value, shown) {
                        self.problem(e.node.offset(), &label, message);
                        return;
                    }
                }
                sweep.set.push(Setting {
                    key,
                    value,
                    at: self.locate(e.node.offset()),
                })
            }
            None => self.problem(
                e.node.offset(),
                &label,
                format!(
                    "expected a number, string, boolean or array of numbers, found {} ({})",
                    e.node.value.type_name(),
                    e.node.value.show()
                ),
            ),
        }
    }
}

/// `[set]` entries as dotted paths: `aegis.initial_usdc = 1` written as a
/// table is the same key as `"aegis.initial_usdc" = 1`.
pub(super) fn flatten<'e>(prefix: &str, entries: &'e [Entry], out: &mut Vec<(String, &'e Entry)>) {
    for e in entries {
        let path = join(prefix, &e.key);
        match &e.node.value {
            Tree::Table(sub) => flatten(&path, sub, out),
            _ => out.push((path, e)),
        }
    }
}

/// A key for a message about `[set]`: quoted when it holds a dot.
fn quoted_key(path: &str) -> String {
    if path.contains(['.', '[']) {
        format!("\"{path}\"")
    } else {
        path.to_string()
    }
}

//! `changes.csv`: every key whose value differs between A and B, both with
//! every default filled in; deals matched by id.

use std::io;
use std::path::Path;

use canopy_model::Scenario;
use canopy_model::scenario::params::{self, DEAL_PARAMS};
use canopy_output::atomic;

use super::CHANGES_CSV;

/// One key that differs: its path and both values as TOML writes them
/// (empty where a side lacks the key).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `aegis.initial_usdc`, `deal[<id>].oak.amount`, or `deal[<id>]` for a
    /// deal only one side has.
    pub key: String,
    /// A's value; `present`/`absent` for a whole deal.
    pub a: String,
    /// B's value.
    pub b: String,
}

/// The keys whose values differ between `a` and `b`, in file order: the
/// scenario's keys, then the deals of A (by id), then the deals only B has.
pub fn changes(a: &Scenario, b: &Scenario) -> Vec<Change> {
    let mut out = Vec::new();
    for p in params::PARAMS {
        let (x, y) = ((p.get)(a), (p.get)(b));
        if x != y {
            out.push(Change {
                key: p.path.to_string(),
                a: x.show(),
                b: y.show(),
            });
        }
    }
    let shown = |v: Option<canopy_model::Value>| v.map(|v| v.show()).unwrap_or_default();
    for da in &a.deals {
        let key = format!("deal[{}]", da.id);
        match b.deals.iter().find(|d| d.id == da.id) {
            None => out.push(Change {
                key,
                a: "present".into(),
                b: "absent".into(),
            }),
            Some(db) => {
                for p in DEAL_PARAMS {
                    let (x, y) = ((p.get)(da), (p.get)(db));
                    if x != y {
                        out.push(Change {
                            key: format!("{key}.{}", p.path),
                            a: shown(x),
                            b: shown(y),
                        });
                    }
                }
            }
        }
    }
    for db in &b.deals {
        if !a.deals.iter().any(|d| d.id == db.id) {
            out.push(Change {
                key: format!("deal[{}]", db.id),
                a: "absent".into(),
                b: "present".into(),
            });
        }
    }
    out
}

/// Writes `changes.csv` into `dir`.
pub fn write(dir: &Path, changes: &[Change]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["key", "a", "b"])?;
    for c in changes {
        w.write_record([&c.key, &c.a, &c.b])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    atomic::write_atomic(&dir.join(CHANGES_CSV), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_model::{Value, builtin, load};

    #[test]
    fn changed_keys_and_deals_by_id() {
        let a = load("default", builtin::text("default").unwrap(), &[]).unwrap();
        let mut b = a.scenario().clone();
        b.set("aegis.initial_usdc", Value::Float(1.0)).unwrap();
        let gone = b.deals.remove(0);
        b.deals[0].enabled = false;
        let c = changes(&a, &b);
        assert_eq!(c[0].key, "aegis.initial_usdc");
        assert!(
            c.iter().any(|c| c.key == format!("deal[{}]", gone.id)
                && c.a == "present"
                && c.b == "absent")
        );
        assert!(
            c.iter()
                .any(|c| c.key == format!("deal[{}].enabled", a.deals[1].id) && c.b == "false")
        );
        assert_eq!(c.len(), 3, "{c:?}");
    }
}

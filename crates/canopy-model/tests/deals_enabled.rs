//! `deal[i].enabled = false`: the deal is absent from the run, bit for bit
//! as if its `[[deal]]` table were cut from the file, and the other deals
//! keep their indices.

use canopy_model::scenario::edit::KeyPath;
use canopy_model::{MonthRecord, ValidScenario, Value, builtin, load, run};

/// Every cell of every record as bits.
fn bits(rs: &[MonthRecord]) -> Vec<Vec<Option<u64>>> {
    rs.iter()
        .map(|r| r.values().iter().map(|v| v.map(f64::to_bits)).collect())
        .collect()
}

/// The file's text with deal `i`'s table cut out: the scenario written
/// whole, then its `[[deal]]` tables but the one.
fn cut(s: &ValidScenario, i: usize) -> String {
    let text = s.to_toml();
    let mut pieces = text.split("\n[[deal]]\n");
    let mut out = pieces.next().unwrap().to_string();
    for (j, deal) in pieces.enumerate() {
        if j != i {
            out.push_str("\n[[deal]]\n");
            out.push_str(deal);
        }
    }
    out
}

#[test]
fn a_disabled_deal_is_the_deal_cut_from_the_file_bit_for_bit() {
    for (name, _, _) in builtin::BUILTIN {
        let s = load(name, builtin::text(name).unwrap(), &[]).unwrap();
        for i in 0..s.deals.len() {
            let key = format!("deal[{i}].enabled");
            let off = s.with(&[(key.as_str(), Value::Bool(false))]).unwrap();
            assert!(!off.deals[i].enabled);
            let cut = load("cut.toml", &cut(&s, i), &[]).unwrap();
            assert_eq!(cut.deals.len(), s.deals.len() - 1);
            let (a, b) = (run(&off), run(&cut));
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(bits(&a), bits(&b), "{name}: deal {i}"),
                (Err(a), Err(b)) => {
                    assert_eq!((a.month, bits(&a.records)), (b.month, bits(&b.records)))
                }
                (a, b) => panic!("{name}: deal {i}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }
}

#[test]
fn enabled_is_written_read_and_set_like_any_deal_key() {
    let s = load("default", builtin::text("default").unwrap(), &[]).unwrap();
    assert!(s.deals.iter().all(|d| d.enabled));
    assert!(s.to_toml().contains("enabled = true"));
    let off = s.with(&[("deal[2].enabled", Value::Bool(false))]).unwrap();
    assert_eq!(off.get("deal[2].enabled").unwrap(), Value::Bool(false));
    // Written whole and read back, it is still off, and the deals after it
    // keep their indices.
    let again = load("again.toml", &off.to_toml(), &[]).unwrap();
    assert!(!again.deals[2].enabled);
    assert_eq!(again.deals[3].id, s.deals[3].id);
    assert!(KeyPath::parse("deal[3].enabled").is_ok());
    // Not a boolean: refused with what is allowed.
    let e = s
        .with(&[("deal[2].enabled", Value::Str("no".into()))])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("deal[2].enabled") && e.contains("true or false"),
        "{e}"
    );
}

#[test]
fn a_disabled_deal_allocates_no_oak_against_the_supply() {
    let s = load("default", builtin::text("default").unwrap(), &[]).unwrap();
    let (i, amount) = s
        .deals
        .iter()
        .enumerate()
        .find_map(|(i, d)| d.oak.as_ref().map(|o| (i, o.amount)))
        .unwrap();
    let allocated: f64 = s
        .deals
        .iter()
        .filter_map(|d| d.oak.as_ref())
        .map(|o| o.amount)
        .sum();
    // A supply that the deals exceed only with deal i.
    let supply = allocated - amount / 2.0;
    let key = format!("deal[{i}].enabled");
    assert!(
        s.with(&[("oak.total_supply", Value::Float(supply))])
            .is_err()
    );
    s.with(&[
        ("oak.total_supply", Value::Float(supply)),
        (key.as_str(), Value::Bool(false)),
    ])
    .unwrap();
}

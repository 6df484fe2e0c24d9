//! `deals.csv` streamed month by month is the file the all-in-memory log
//! wrote, on a scenario with hundreds of deals and every feature on; and
//! summed per month it gives the totals of `metrics.csv`.

use std::collections::BTreeMap;
use std::fs;
use std::ops::ControlFlow;

use canopy_model::scenario::parse_override;
use canopy_model::{Contribution, TvlSource as Source};
use canopy_model::{
    Event, MonthRecord, Observer, Scenario, State, TvlKind, ValidScenario, builtin, load,
    run_observed,
};
use canopy_output::DealLog;
use canopy_output::deals::{COLUMNS, CellType, DEAL_COLUMNS, Entity};

/// The `stress` scenario (market price and flows, chain TVL) with `n` more
/// deals of every shape, starting through the run.
fn many_deals(n: usize) -> ValidScenario {
    many_deals_with(n, &[])
}

/// [`many_deals`] with these overrides too.
fn many_deals_with(n: usize, overrides: &[&str]) -> ValidScenario {
    let mut text = builtin::text("stress").unwrap().to_string();
    for i in 0..n {
        let start = 1 + i % 50;
        // One id the CSV must quote (a comma and quotes).
        let id = if i == 0 {
            r#"odd, \"quoted\" id"#.to_string()
        } else {
            format!("gen{i:04}")
        };
        text.push_str(&format!(
            "\n[[deal]]\nid = \"{id}\"\ncounterparty = \"Generated {i}\"\nstart_month = {start}\n"
        ));
        if i % 4 != 1 {
            let kind = ["contracted", "boosted", "protocol-locked"][i % 3];
            text.push_str(&format!(
                "tvl = {{ kind = \"{kind}\", amount = {}, revenue_rate = 0.03, duration_months = {} }}\n",
                100_000 + i,
                3 + i % 20
            ));
        }
        if i % 4 != 2 {
            text.push_str(&format!(
                "oak = {{ amount = 5, vesting_months = {}, irr_threshold = 0.{:02} }}\n",
                1 + i % 12,
                5 + i % 40
            ));
        }
        if i % 4 != 0 {
            text.push_str(&format!(
                "leaf_pair = {{ amount = 50000, leaf_tokens = 0, target_ratio = 0.35, base_concentration = 0.5, max_concentration = 0.8, duration_months = {} }}\n",
                2 + i % 15
            ));
        }
    }
    let sets: Vec<_> = ["oak.total_supply=1e9"]
        .iter()
        .chain(overrides)
        .map(|o| parse_override(o).unwrap())
        .collect();
    load("many", &text, &sets).unwrap()
}

/// The log as it was before streaming: every (month, entity) row kept in one
/// map until the run ends, the chain's row derived afterwards from the
/// records, rows of months after the last record dropped.
#[derive(Default)]
struct AllInMemory {
    rows: BTreeMap<(u32, Entity), Row>,
    organic: BTreeMap<u32, (f64, f64)>,
}

/// A row: TVL kind, then tvl, revenue, pair_leaf, pair_usdc,
/// oak_distributed, oak_held, oak_redeemed, payout_usdc, payout_leaf,
/// oak_queued.
#[derive(Clone, Default)]
struct Row {
    kind: Option<TvlKind>,
    f: [f64; 10],
}

impl Observer for AllInMemory {
    fn wants_contributions(&self) -> bool {
        true
    }

    fn event(&mut self, m: u32, e: &Event) {
        let deal = |index| (m, Entity::Deal { index, twin: false });
        match *e {
            Event::OakDistributed { deal: d, amount } => {
                self.rows.entry(deal(d)).or_default().f[4] += amount;
            }
            Event::Redemption {
                deal: d,
                amount,
                usdc,
                leaf,
                ..
            } => {
                let r = self.rows.entry(deal(d)).or_default();
                r.f[6] += amount;
                r.f[7] += usdc;
                r.f[8] += leaf;
            }
            _ => {}
        }
    }

    fn contribution(&mut self, m: u32, c: &Contribution, amount: f64, revenue: f64) {
        let e = match c.source {
            Source::Deal(index) => Entity::Deal {
                index,
                twin: c.twin,
            },
            Source::Recurring(month) => Entity::Recurring {
                month,
                twin: c.twin,
            },
        };
        if c.kind == TvlKind::Organic {
            let o = self.organic.entry(m).or_default();
            o.0 += amount;
            o.1 += revenue;
        }
        let r = self.rows.entry((m, e)).or_default();
        r.kind = Some(c.kind);
        r.f[0] += amount;
        r.f[1] += revenue;
    }

    fn month_end(&mut self, _r: &MonthRecord, state: &State<'_>) -> ControlFlow<()> {
        let m = state.current_month();
        for p in state.pairs().pairs().iter().filter(|p| p.active(m)) {
            let e = Entity::Deal {
                index: p.deal,
                twin: false,
            };
            let r = self.rows.entry((m, e)).or_default();
            r.f[2] += p.leaf;
            r.f[3] += p.usdc;
        }
        for h in state.oak().holders() {
            if h.distributed() && !h.redeemed {
                let e = Entity::Deal {
                    index: h.deal,
                    twin: false,
                };
                self.rows.entry((m, e)).or_default().f[5] += h.held;
            }
        }
        for q in state.oak().queue().iter() {
            let e = Entity::Deal {
                index: q.deal,
                twin: false,
            };
            self.rows.entry((m, e)).or_default().f[9] += q.amount;
        }
        ControlFlow::Continue(())
    }
}

impl AllInMemory {
    fn csv(&self, s: &Scenario, records: &[MonthRecord]) -> Vec<u8> {
        let mut rows = self.rows.clone();
        let k = TvlKind::Organic.index();
        for r in records.iter().filter(|r| r.chain_tvl.is_some()) {
            let (tvl, revenue) = self.organic.get(&r.month).copied().unwrap_or_default();
            let mut chain = Row {
                kind: Some(TvlKind::Organic),
                ..Default::default()
            };
            chain.f[0] = r.tvl[k] - tvl;
            chain.f[1] = r.revenue[k] - revenue;
            if chain.f[0] != 0.0 || chain.f[1] != 0.0 {
                rows.insert((r.month, Entity::Chain), chain);
            }
        }
        let last = records.last().map_or(0, |r| r.month);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(COLUMNS).unwrap();
        for ((m, e), r) in rows.into_iter().filter(|((m, _), _)| *m <= last) {
            let twin = |t: bool| if t { " (organic)" } else { "" };
            let (name, source, id) = match e {
                Entity::Deal { index, twin: t } => (
                    format!("{}{}", s.deals[index].id, twin(t)),
                    if t { "deal organic" } else { "deal" },
                    s.deals[index].id.clone(),
                ),
                Entity::Recurring { month, twin: t } => (
                    format!("recurring {month:03}{}", twin(t)),
                    if t { "recurring organic" } else { "recurring" },
                    String::new(),
                ),
                Entity::Chain => ("chain organic".into(), "chain", String::new()),
            };
            let mut row = vec![
                m.to_string(),
                name,
                source.to_string(),
                id,
                r.kind.map_or(String::new(), |k| k.name().to_string()),
            ];
            row.extend(r.f[..9].iter().map(|x| format!("{x:?}")));
            row.push(if s.oak.rate_limited() {
                format!("{:?}", r.f[9])
            } else {
                String::new()
            });
            w.write_record(&row).unwrap();
        }
        w.into_inner().unwrap()
    }
}

#[test]
fn streamed_deals_csv_is_the_all_in_memory_file() {
    streams_as_in_memory(&many_deals(400));
}

#[test]
fn streamed_deals_csv_is_the_all_in_memory_file_with_redemption_controls() {
    streams_as_in_memory(&many_deals_with(
        400,
        &[
            "oak.max_redemption_per_month=0.0000005",
            "deal[11].oak.lockup_months=4",
            "deal[11].oak.redeem_fraction=0.3",
            "deal[11].oak.irr_threshold_end=0.9",
        ],
    ));
}

#[test]
fn every_cell_of_deals_csv_is_of_its_declared_type() {
    let s = many_deals_with(12, &["oak.max_redemption_per_month=0.05"]);
    let mut log = DealLog::new(&s);
    run_observed(&s, &mut log).unwrap();
    let bytes = log.csv().expect("in memory").to_vec();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, COLUMNS);
    let mut rows = 0;
    for row in reader.records() {
        let row = row.unwrap();
        rows += 1;
        for (c, cell) in DEAL_COLUMNS.iter().zip(row.iter()) {
            match c.ty {
                CellType::Count => assert!(cell.parse::<u32>().is_ok(), "{}: {cell:?}", c.name),
                CellType::Amount => assert!(
                    cell.is_empty() || cell.parse::<f64>().is_ok_and(f64::is_finite),
                    "{}: {cell:?}",
                    c.name
                ),
                // Any text is text: ids are the user's.
                CellType::Text => {}
            }
        }
    }
    assert!(rows > 100, "{rows} rows");
}

fn streams_as_in_memory(s: &ValidScenario) {
    let s = s.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/deals.csv");

    let mut old = AllInMemory::default();
    let records = run_observed(&s, &mut old).unwrap();
    let expected = old.csv(&s, &records);

    let mut streamed = DealLog::streaming(&s, &path).unwrap();
    let mut in_memory = DealLog::new(&s);
    let mut both = (&mut streamed, &mut in_memory);
    assert_eq!(run_observed(&s, &mut both).unwrap(), records);
    assert!(!path.exists(), "only a temporary file until saved");
    streamed.save(&path).unwrap();
    let got = fs::read(&path).unwrap();
    let lines = got.iter().filter(|&&b| b == b'\n').count();
    assert!(lines > 4000, "a file of many rows: {lines}");
    let quoted = String::from_utf8_lossy(&got);
    assert!(quoted.contains(r#","odd, ""quoted"" id",deal,"odd, ""quoted"" id",contracted,"#));
    assert!(
        got == expected,
        "streamed deals.csv differs from the old file"
    );
    assert_eq!(in_memory.csv(), Some(expected.as_slice()));
    drop(streamed);
    let names: Vec<_> = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["deals.csv"], "no temporary file left");
}

#[test]
fn summed_per_month_the_rows_give_the_metrics_totals() {
    sums_to_the_metrics(&many_deals(120));
}

#[test]
fn summed_per_month_the_rows_give_the_metrics_totals_with_a_queue() {
    // 5e-7 of the supply of 1e9: 500 OAK a month, 100 allocations of 5.
    let s = many_deals_with(
        120,
        &[
            "oak.max_redemption_per_month=0.0000005",
            "deal[12].oak.redeem_fraction=0.25",
        ],
    );
    let records = canopy_model::run(&s).unwrap();
    assert!(
        records.iter().any(|r| r.oak_queued > Some(0.0)),
        "a queue formed"
    );
    sums_to_the_metrics(&s);
}

fn sums_to_the_metrics(s: &ValidScenario) {
    let mut log = DealLog::new(s);
    let records = run_observed(s, &mut log).unwrap();
    let mut rows = csv::Reader::from_reader(log.csv().unwrap());
    type Sums = ([f64; 4], [f64; 4], f64, f64, f64, f64, f64, f64);
    let mut sums: BTreeMap<u32, Sums> = BTreeMap::new();
    for row in rows.records() {
        let row = row.unwrap();
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        let e = sums.entry(row[0].parse().unwrap()).or_default();
        if let Some(k) = TvlKind::ALL.iter().position(|k| k.name() == &row[4]) {
            e.0[k] += num(5);
            e.1[k] += num(6);
        }
        e.2 += num(7);
        e.3 += num(8);
        e.4 += num(9);
        e.5 += num(11);
        e.6 += num(10);
        if !row[14].is_empty() {
            e.7 += num(14);
        }
    }
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    let mut distributed = 0.0;
    for r in &records {
        let (tvl, rev, pl, pu, dist, red, held, queued) =
            sums.get(&r.month).copied().unwrap_or_default();
        for k in 0..4 {
            assert!(close(tvl[k], r.tvl[k]), "month {} tvl {k}", r.month);
            assert!(close(rev[k], r.revenue[k]), "month {} revenue {k}", r.month);
        }
        assert!(
            close(pl, r.pairs_leaf) && close(pu, r.pairs_usdc),
            "month {}",
            r.month
        );
        distributed += dist;
        assert!(close(distributed, r.oak_distributed), "month {}", r.month);
        assert!(close(red, r.oak_redeemed_month), "month {}", r.month);
        assert!(
            close(held, r.oak_distributed - r.oak_redeemed),
            "month {}",
            r.month
        );
        assert!(
            close(queued, r.oak_queued.unwrap_or(0.0)),
            "month {}",
            r.month
        );
    }
    // Every redemption is a deal's: the deals' payouts are the run's.
    let paid: f64 = log.totals().iter().map(|t| t.payout_usdc).sum();
    let out: f64 = records.iter().map(|r| r.redemption_usdc_out).sum();
    assert!(out > 0.0 && close(paid, out), "{paid} {out}");
}

#[test]
fn a_streamed_log_never_saved_leaves_no_file() {
    let s = many_deals(3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deals.csv");
    {
        let mut log = DealLog::streaming(&s, &path).unwrap();
        run_observed(&s, &mut log).unwrap();
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

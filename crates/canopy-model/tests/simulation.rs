//! The steppable engine: `Simulation` gives `run()`'s records bit for bit,
//! can be cloned mid-run, and observers (also as `&mut dyn Observer`) see
//! each month, may stop the run, and get deals by index.

use std::ops::ControlFlow;
use std::sync::Arc;

use canopy_model::{
    Event, Failure, MonthRecord, Observer, Simulation, State, ValidScenario, builtin, load, run,
    run_observed,
};

fn builtin(name: &str) -> ValidScenario {
    load(name, builtin::text(name).unwrap(), &[]).unwrap()
}

/// Every cell of every record as bits, so that 0.0 and -0.0 (or two NaNs)
/// are told apart and "equal" means bit for bit.
fn bits(rs: &[MonthRecord]) -> Vec<Vec<Option<u64>>> {
    rs.iter()
        .map(|r| r.values().iter().map(|v| v.map(f64::to_bits)).collect())
        .collect()
}

fn step_all(sim: &mut Simulation) -> Vec<MonthRecord> {
    let mut out = Vec::new();
    while let Some(r) = sim.step().unwrap() {
        out.push(r);
    }
    out
}

#[test]
fn stepping_month_by_month_gives_the_records_of_run() {
    for name in ["default", "reference", "stress"] {
        let s = builtin(name);
        let whole = run(&s).unwrap();
        let mut sim = Simulation::new(s.clone());
        assert_eq!(sim.month(), 0);
        let stepped = step_all(&mut sim);
        assert_eq!(stepped.len(), s.simulation.months as usize, "{name}");
        assert_eq!(bits(&stepped), bits(&whole), "{name}");
        assert!(sim.is_finished() && !sim.was_stopped());
        assert_eq!(sim.step().unwrap(), None, "no month after the last");
    }
}

/// `Simulation` can move to another thread and be copied.
const _: fn() = || {
    fn clone_send<T: Clone + Send + 'static>() {}
    clone_send::<Simulation>();
};

#[test]
fn a_clone_taken_mid_run_continues_to_the_same_results() {
    let s = Arc::new(builtin("stress"));
    let whole = run(&s).unwrap();
    let mut sim = Simulation::new(Arc::clone(&s));
    let mut first: Vec<MonthRecord> = (0..25).map(|_| sim.step().unwrap().unwrap()).collect();
    let mut copy = sim.clone();
    assert_eq!(copy.month(), 25);
    // The copy finishes on another thread while the original finishes here.
    let rest_of_copy = std::thread::spawn(move || step_all(&mut copy))
        .join()
        .unwrap();
    let rest = step_all(&mut sim);
    assert_eq!(bits(&rest), bits(&rest_of_copy));
    first.extend(rest);
    assert_eq!(bits(&first), bits(&whole));
}

/// Stops the run at the end of month `at`; counts what it sees.
struct StopAt {
    at: u32,
    months_seen: Vec<u32>,
    events: usize,
}

impl Observer for StopAt {
    fn event(&mut self, _month: u32, _event: &Event) {
        self.events += 1;
    }

    fn month_end(&mut self, record: &MonthRecord, state: &State<'_>) -> ControlFlow<()> {
        assert_eq!(record.month, state.current_month());
        self.months_seen.push(record.month);
        if record.month == self.at {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

#[test]
fn an_observer_that_stops_at_month_k_gets_exactly_k_records() {
    let s = builtin("default");
    let whole = run(&s).unwrap();
    for k in [1, 7, 60] {
        let mut obs = StopAt {
            at: k,
            months_seen: Vec::new(),
            events: 0,
        };
        let got = run_observed(&s, &mut obs).unwrap();
        assert_eq!(got.len(), k as usize);
        assert_eq!(obs.months_seen, (1..=k).collect::<Vec<_>>());
        assert_eq!(bits(&got), bits(&whole[..k as usize]));

        let mut sim = Simulation::new(s.clone());
        let mut obs = StopAt {
            at: k,
            months_seen: Vec::new(),
            events: 0,
        };
        let mut n = 0;
        while let Some(r) = sim.step_observed(&mut obs).unwrap() {
            n += 1;
            assert_eq!(r.month, n);
        }
        assert_eq!(n, k);
        // Stopping in the last month is still a stop.
        assert!(sim.was_stopped() && sim.is_finished());
        assert_eq!(sim.step_observed(&mut obs).unwrap(), None);
    }
}

#[test]
fn a_dyn_observer_works() {
    let s = builtin("default");
    let mut concrete = StopAt {
        at: 10,
        months_seen: Vec::new(),
        events: 0,
    };
    let obs: &mut dyn Observer = &mut concrete;
    let got = run_observed(&s, obs).unwrap();
    assert_eq!(got.len(), 10);
    // Several observers of different types behind one trait object type.
    let mut silent = canopy_model::Silent;
    let mut list: Vec<&mut dyn Observer> = vec![&mut concrete, &mut silent];
    for o in &mut list {
        assert!(!o.wants_contributions());
    }
    let mut sim = Simulation::new(s);
    sim.step_observed(list[0]).unwrap();
    assert!(concrete.events > 0);
}

/// Gathers the events that name deals.
#[derive(Default)]
struct DealEvents {
    starts: Vec<(u32, usize)>,
    withdrawn: Vec<(u32, usize)>,
    distributed: Vec<(u32, usize, f64)>,
    redeemed: Vec<(u32, usize)>,
}

impl Observer for DealEvents {
    fn event(&mut self, m: u32, e: &Event) {
        match *e {
            Event::DealStarts { deal } => self.starts.push((m, deal)),
            Event::PairWithdrawn { deal, .. } => self.withdrawn.push((m, deal)),
            Event::OakDistributed { deal, amount } => self.distributed.push((m, deal, amount)),
            Event::Redemption { deal, .. } => self.redeemed.push((m, deal)),
            _ => {}
        }
    }
}

#[test]
fn events_name_the_right_deal_by_index() {
    // Three deals: index 0 starts in month 2 with a 3-month pair (withdrawn
    // in month 5); index 1 starts in month 1 with OAK vesting 4 months
    // (distributed in month 5); index 2 starts in month 9, after the run.
    let text = "[simulation]\nmonths = 8\n[oak]\nredemption_start_month = 3\n\
        [[deal]]\ncounterparty = \"Pair\"\nstart_month = 2\n\
        leaf_pair = { amount = 1000, leaf_tokens = 0, target_ratio = 0.35, base_concentration = 0.5, max_concentration = 0.8, duration_months = 3 }\n\
        [[deal]]\ncounterparty = \"Oak\"\nstart_month = 1\n\
        oak = { amount = 100, vesting_months = 4, irr_threshold = 0.1 }\n\
        [[deal]]\ncounterparty = \"Late\"\nstart_month = 9\n\
        tvl = { kind = \"boosted\", amount = 5, revenue_rate = 0.1, duration_months = 2 }\n";
    let s = load("test", text, &[]).unwrap();
    let mut obs = DealEvents::default();
    run_observed(&s, &mut obs).unwrap();
    assert_eq!(obs.starts, [(1, 1), (2, 0)]);
    assert_eq!(obs.withdrawn, [(5, 0)]);
    assert_eq!(obs.distributed, [(5, 1, 100.0)]);
    assert!(obs.redeemed.iter().all(|&(_, d)| d == 1));
}

#[test]
fn a_non_finite_month_is_a_typed_failure_and_ends_the_simulation() {
    // 1.7e308 of TVL earning 100 % a year: 1.4e307 of revenue a month, so
    // the cumulative revenue overflows in month 13.
    let s = load(
        "test",
        "[oak]\nredemption_start_month = 40\n[[deal]]\ncounterparty = \"Huge\"\nstart_month = 1\n\
         tvl = { kind = \"boosted\", amount = 1.7e308, revenue_rate = 1, duration_months = 24 }\n",
        &[],
    )
    .unwrap();
    let mut sim = Simulation::new(s);
    for m in 1..=12 {
        assert_eq!(sim.step().unwrap().unwrap().month, m);
    }
    let f = sim.step().unwrap_err();
    assert_eq!(
        f,
        Failure::NonFinite {
            column: "revenue_cumulative"
        }
    );
    assert_eq!(sim.month(), 13);
    assert_eq!(f.to_string(), "revenue_cumulative: is not a finite number");
    assert!(sim.is_finished());
    assert_eq!(sim.step().unwrap(), None);

    // The same through the one-call form: the months before are kept.
    let mut rest = sim.clone();
    assert_eq!(rest.run_observed(&mut canopy_model::Silent).unwrap(), []);
}

#[test]
fn a_scenario_that_is_not_random_runs_the_same_whatever_its_seed() {
    let load = |name: &str| {
        canopy_model::load(name, canopy_model::builtin::text(name).unwrap(), &[]).unwrap()
    };
    let fixed = load("default");
    assert!(!fixed.is_random());
    assert_eq!(
        canopy_model::run_seeded(&fixed, 1).unwrap(),
        canopy_model::run_seeded(&fixed, 2).unwrap()
    );
    let stress = load("stress");
    assert!(stress.is_random());
    assert_ne!(
        canopy_model::run_seeded(&stress, 1).unwrap(),
        canopy_model::run_seeded(&stress, 2).unwrap()
    );
}

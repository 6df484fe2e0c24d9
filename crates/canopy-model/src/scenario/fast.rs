//! The quick reading of a scenario text that has nothing wrong with it.
//!
//! Most texts are valid, and a valid text needs neither positions nor a
//! table of its keys: this reader follows the events of the parser that
//! `toml` itself is built on (`toml_parser`) straight into a [`Scenario`],
//! along the same parameter table as [`super::load`]'s reader. It takes only
//! the plain shapes scenario files are written in -- `[table]` headers,
//! `[[deal]]`, `key = value` with one bare key, inline tables for the parts
//! of a deal, arrays of numbers, comments -- and gives up (`None`) at any
//! other shape (a dotted or quoted key, a deal written as an inline table,
//! `[deal.oak]`, a multi-line string, a date) and at the first thing that is
//! not plainly right: a syntax error, a key or table given twice, an unknown
//! key, a wrong type, a value out of range, a missing key. The caller then
//! reads the text again with positions, to word every problem with its file,
//! line and key path. So the messages come from one place, and only a valid
//! text takes this path.

use std::borrow::Cow;

use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::{Event, EventKind, EventReceiver};
use toml_parser::{ErrorSink, ParseError, Source, Span};

use super::params::{self, Kind, Value};
use super::tree::number_value;
use super::validate::{Spot, Spots, Where};
use super::{Deal, Scenario};

/// The scenario in `text` and the deals whose `id` the text gives, if the
/// text is in the plain shapes and reads without a single problem
/// (validation across keys aside).
pub(super) fn read(text: &str) -> Option<(Scenario, Spots)> {
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    let mut events = Events {
        source,
        // Fewer events are kept than there are tokens.
        kept: Vec::with_capacity(tokens.len()),
        depth: 0,
        declined: false,
    };
    let mut error: Option<ParseError> = None;
    toml_parser::parser::parse_document(&tokens, &mut events, &mut error);
    if error.is_some() || events.declined {
        return None;
    }
    let mut reader = Reader {
        source,
        events: events.kept.iter(),
        scenario: Scenario::default(),
        spots: Spots::default(),
        given: 0,
        tables: Vec::new(),
        deal: None,
        masks: DealMasks::new(),
    };
    reader.document()?;
    Some((reader.scenario, reader.spots))
}

/// How deep arrays and inline tables may nest: a deal part's inline table
/// holding an array.
const MAX_DEPTH: u32 = 2;

/// Keeps the parser's events that carry meaning, and checks the comments and
/// line ends between them as `toml` does.
struct Events<'i> {
    source: Source<'i>,
    kept: Vec<Event>,
    /// How deep the arrays and inline tables open here nest.
    depth: u32,
    /// A shape this reader does not take, or an error event.
    declined: bool,
}

impl Events<'_> {
    fn keep(&mut self, kind: EventKind, encoding: Option<Encoding>, span: Span) {
        self.kept.push(Event::new_unchecked(kind, encoding, span));
    }

    /// Whether the parser may enter an array or inline table. Refusing
    /// deeper ones also keeps the parser from recursing into them.
    fn open(&mut self, kind: EventKind, span: Span) -> bool {
        self.depth += 1;
        let allowed = self.depth <= MAX_DEPTH;
        self.declined |= !allowed;
        self.keep(kind, None, span);
        allowed
    }

    fn close(&mut self, kind: EventKind, span: Span) {
        self.depth = self.depth.saturating_sub(1);
        self.keep(kind, None, span);
    }
}

impl EventReceiver for Events<'_> {
    fn std_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::StdTableOpen, None, span);
    }
    fn std_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::StdTableClose, None, span);
    }
    fn array_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::ArrayTableOpen, None, span);
    }
    fn array_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::ArrayTableClose, None, span);
    }
    fn inline_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) -> bool {
        self.open(EventKind::InlineTableOpen, span)
    }
    fn inline_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.close(EventKind::InlineTableClose, span);
    }
    fn array_open(&mut self, span: Span, _: &mut dyn ErrorSink) -> bool {
        self.open(EventKind::ArrayOpen, span)
    }
    fn array_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.close(EventKind::ArrayClose, span);
    }
    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _: &mut dyn ErrorSink) {
        self.keep(EventKind::SimpleKey, encoding, span);
    }
    fn key_sep(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::KeySep, None, span);
    }
    fn key_val_sep(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::KeyValSep, None, span);
    }
    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, _: &mut dyn ErrorSink) {
        self.keep(EventKind::Scalar, encoding, span);
    }
    fn value_sep(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.keep(EventKind::ValueSep, None, span);
    }
    // Whitespace needs no check; comments and line ends are checked for
    // characters TOML does not allow in them, as `toml` checks them.
    fn comment(&mut self, span: Span, error: &mut dyn ErrorSink) {
        match self.source.get(span) {
            Some(raw) => raw.decode_comment(error),
            None => self.declined = true,
        }
    }
    fn newline(&mut self, span: Span, error: &mut dyn ErrorSink) {
        match self.source.get(span) {
            Some(raw) => raw.decode_newline(error),
            None => self.declined = true,
        }
    }
    fn error(&mut self, _: Span, _: &mut dyn ErrorSink) {
        self.declined = true;
    }
}

/// The deal being read: the deal, which of its keys were given (by index in
/// DEAL_PARAMS) and which of its parts (by index in DEAL_PARTS).
struct DealRead {
    deal: Deal,
    given: u64,
    parts: u8,
}

/// Walks the kept events into a scenario.
struct Reader<'e, 'i> {
    source: Source<'i>,
    events: std::slice::Iter<'e, Event>,
    scenario: Scenario,
    spots: Spots,
    /// The scenario's keys given so far, by index in PARAMS.
    given: u64,
    /// The tables given a `[header]` so far: TOML allows each once.
    tables: Vec<&'static str>,
    /// The `[[deal]]` being read, if the last header was one.
    deal: Option<DealRead>,
    masks: DealMasks,
}

/// Sets of a deal's keys, by index in DEAL_PARAMS, worked out once a read
/// rather than once a deal.
struct DealMasks {
    /// The deal's own keys that must be given.
    required: u64,
    /// Its `id`.
    id: u64,
    /// The keys of each part, by index in DEAL_PARTS.
    parts: [u64; params::DEAL_PARTS.len()],
}

impl DealMasks {
    fn new() -> Self {
        let mut masks = DealMasks {
            required: 0,
            id: 0,
            parts: [0; params::DEAL_PARTS.len()],
        };
        for (j, p) in params::DEAL_PARAMS.iter().enumerate() {
            match params::part_of(p.path) {
                Some(part) => {
                    if let Some(i) = params::DEAL_PARTS.iter().position(|q| *q == part) {
                        masks.parts[i] |= 1 << j;
                    }
                }
                None if p.default == params::Default::Required => masks.required |= 1 << j,
                None if p.path == "id" => masks.id |= 1 << j,
                None => {}
            }
        }
        masks
    }
}

// The masks hold one bit per key.
const _: () = assert!(params::PARAMS.len() <= 64 && params::DEAL_PARAMS.len() <= 64);
const _: () = assert!(params::DEAL_PARTS.len() <= 8);

impl<'i> Reader<'_, 'i> {
    fn next(&mut self) -> Option<&Event> {
        self.events.next()
    }

    fn document(&mut self) -> Option<()> {
        // The table the keys that follow belong to; no scenario key lies at
        // the top (before any header).
        let mut table: Option<&'static str> = None;
        while let Some(event) = self.next() {
            match event.kind() {
                EventKind::StdTableOpen => {
                    self.end_deal()?;
                    let path = self.header()?;
                    if self.tables.contains(&path) {
                        return None;
                    }
                    self.tables.push(path);
                    table = Some(path);
                }
                EventKind::ArrayTableOpen => {
                    self.end_deal()?;
                    let key = self.bare_key()?;
                    if key != "deal" || self.next()?.kind() != EventKind::ArrayTableClose {
                        return None;
                    }
                    self.deal = Some(DealRead {
                        deal: Deal::default(),
                        given: 0,
                        parts: 0,
                    });
                    table = None;
                }
                EventKind::SimpleKey => {
                    let event = *event;
                    let key = self.key(&event)?;
                    if self.deal.is_some() {
                        self.deal_key(key)?;
                    } else {
                        self.scenario_key(table?, key)?;
                    }
                }
                _ => return None,
            }
        }
        self.end_deal()
    }

    /// The bare key of the next event.
    fn bare_key(&mut self) -> Option<&'i str> {
        let event = *self.next()?;
        if event.kind() != EventKind::SimpleKey || event.encoding().is_some() {
            return None;
        }
        Some(self.source.get(event)?.as_str())
    }

    /// The bare key `event` starts, followed by `=` (not by a dot).
    fn key(&mut self, event: &Event) -> Option<&'i str> {
        if event.encoding().is_some() {
            return None;
        }
        let text = self.source.get(event)?.as_str();
        if self.next()?.kind() != EventKind::KeyValSep {
            return None;
        }
        Some(text)
    }

    /// The path of the `[table]` whose header has just opened, if the
    /// scenario has keys inside it.
    fn header(&mut self) -> Option<&'static str> {
        let mut keys = [""; 3];
        let mut n = 0;
        loop {
            let event = *self.next()?;
            match event.kind() {
                EventKind::SimpleKey if event.encoding().is_none() && n < keys.len() => {
                    keys[n] = self.source.get(event)?.as_str();
                    n += 1;
                }
                EventKind::KeySep => {}
                EventKind::StdTableClose => break,
                _ => return None,
            }
        }
        let keys = &keys[..n];
        params::PARAMS.iter().find_map(|p| {
            let mut rest = p.path;
            for k in keys {
                rest = rest.strip_prefix(k)?.strip_prefix('.')?;
            }
            Some(&p.path[..p.path.len() - rest.len() - 1])
        })
    }

    /// `key = value` in the table at `table`.
    fn scenario_key(&mut self, table: &str, key: &str) -> Option<()> {
        let (j, p) = params::PARAMS
            .iter()
            .enumerate()
            .find(|(_, p)| is_path(p.path, table, key))?;
        if self.given & (1 << j) != 0 {
            return None;
        }
        self.given |= 1 << j;
        let v = self.value(p.kind)?;
        (p.set)(&mut self.scenario, v);
        Some(())
    }

    /// `key = value` in the deal being read; a part is an inline table.
    fn deal_key(&mut self, key: &str) -> Option<()> {
        if let Some(i) = params::DEAL_PARTS.iter().position(|p| *p == key) {
            return self.part(i);
        }
        let j = params::DEAL_PARAMS.iter().position(|p| p.path == key)?;
        self.deal_param(j)
    }

    /// The value of `DEAL_PARAMS[j]` in the deal being read; a key given
    /// twice gives up (the positioned reader words that).
    fn deal_param(&mut self, j: usize) -> Option<()> {
        let p = &params::DEAL_PARAMS[j];
        let v = self.value(p.kind)?;
        let d = self.deal.as_mut()?;
        if d.given & (1 << j) != 0 {
            return None;
        }
        d.given |= 1 << j;
        (p.set)(&mut d.deal, v);
        Some(())
    }

    /// The part `DEAL_PARTS[i]` of the deal being read, from its inline
    /// table, defaults included.
    fn part(&mut self, i: usize) -> Option<()> {
        let part = params::DEAL_PARTS[i];
        let d = self.deal.as_mut()?;
        if d.parts & (1 << i) != 0 {
            return None;
        }
        d.parts |= 1 << i;
        if self.next()?.kind() != EventKind::InlineTableOpen {
            return None;
        }
        loop {
            let event = *self.next()?;
            match event.kind() {
                EventKind::InlineTableClose => break,
                EventKind::ValueSep => {}
                EventKind::SimpleKey => {
                    let key = self.key(&event)?;
                    let j = params::DEAL_PARAMS
                        .iter()
                        .position(|p| is_path(p.path, part, key))?;
                    self.deal_param(j)?;
                }
                _ => return None,
            }
        }
        let d = self.deal.as_mut()?;
        let missing = self.masks.parts[i] & !d.given;
        for (j, p) in params::DEAL_PARAMS.iter().enumerate() {
            if missing & (1 << j) == 0 {
                continue;
            }
            match p.default.value() {
                Some(v) => (p.set)(&mut d.deal, v),
                None if p.default == params::Default::Derived => {}
                None => return None,
            }
        }
        Some(())
    }

    /// Ends the deal being read, if any: every required key of the deal
    /// itself given, and at least one part.
    fn end_deal(&mut self) -> Option<()> {
        let Some(DealRead {
            mut deal,
            given,
            parts,
        }) = self.deal.take()
        else {
            return Some(());
        };
        if self.masks.required & !given != 0 || parts == 0 {
            return None;
        }
        if given & self.masks.id != 0 {
            // Validation tells a given id from a made one.
            self.spots
                .insert(Spot::Deal(self.scenario.deals.len(), 0), Where::Nowhere);
        } else {
            deal.id = Deal::default_id(&deal.counterparty, deal.start_month);
        }
        self.scenario.deals.push(deal);
        Some(())
    }

    /// The value that follows, as `kind`, if it fits.
    fn value(&mut self, kind: Kind) -> Option<Value> {
        let event = *self.next()?;
        let v = match event.kind() {
            EventKind::Scalar => self.scalar(&event)?,
            EventKind::ArrayOpen => {
                let mut items = Vec::new();
                loop {
                    let event = *self.next()?;
                    match event.kind() {
                        EventKind::ArrayClose => break,
                        EventKind::ValueSep => {}
                        EventKind::Scalar => match self.scalar(&event)? {
                            v @ (Value::Int(_) | Value::Float(_)) => items.push(v.as_f64()?),
                            _ => return None,
                        },
                        _ => return None,
                    }
                }
                Value::List(items)
            }
            _ => return None,
        };
        kind.check_shown(&v, String::new).ok()
    }

    /// A string, number or boolean, decoded as `toml` decodes it; `None`
    /// for a date or a multi-line string.
    fn scalar(&self, event: &Event) -> Option<Value> {
        if matches!(
            event.encoding(),
            Some(Encoding::MlBasicString | Encoding::MlLiteralString)
        ) {
            return None;
        }
        let raw = self.source.get(event)?;
        if event.encoding().is_none()
            && let Some(v) = plain_number(raw.as_str())
        {
            return Some(v);
        }
        decoded(raw)
    }
}

/// A scalar as the decoder reads it for `toml`; `None` for a date or
/// anything the decoder finds wrong.
fn decoded(raw: toml_parser::Raw<'_>) -> Option<Value> {
    let mut decoded = Cow::Borrowed("");
    let mut error: Option<ParseError> = None;
    let kind = raw.decode_scalar(&mut decoded, &mut error);
    if error.is_some() {
        return None;
    }
    match kind {
        ScalarKind::String => Some(Value::Str(decoded.into_owned())),
        ScalarKind::Boolean(b) => Some(Value::Bool(b)),
        ScalarKind::Integer(radix) => number_value(&decoded, radix.value(), true).ok(),
        ScalarKind::Float => number_value(&decoded, 10, false).ok(),
        ScalarKind::DateTime => None,
    }
}

/// The most common numbers, read without the decoder: a decimal integer
/// (`1_000`, `-3`) that fits an i64, or a decimal fraction without
/// underscores or exponent (`0.025`). `None` for anything else, which the
/// decoder then reads (or rejects) as `toml` does.
fn plain_number(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    // TOML allows no leading zero (`01`), nor an empty side of the point.
    let leading_zero = |part: &[u8]| part.len() > 1 && part[0] == b'0';
    if let Some(point) = digits.iter().position(|b| *b == b'.') {
        let (whole, fraction) = (&digits[..point], &digits[point + 1..]);
        let plain = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
        if !plain(whole) || !plain(fraction) || leading_zero(whole) {
            return None;
        }
        return text.parse::<f64>().ok().map(Value::Float);
    }
    if digits.is_empty() || leading_zero(digits) {
        return None;
    }
    // An underscore only between two digits.
    let mut n: i64 = 0;
    let mut last_digit = false;
    for &b in digits {
        if b == b'_' {
            if !last_digit {
                return None;
            }
            last_digit = false;
            continue;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        let d = i64::from(b - b'0');
        // Built negative, so that i64::MIN fits.
        n = n.checked_mul(10)?.checked_sub(d)?;
        last_digit = true;
    }
    if !last_digit {
        return None;
    }
    Some(Value::Int(if negative { n } else { n.checked_neg()? }))
}

/// Whether `path` is `key` in the table at `prefix`, without building it.
fn is_path(path: &str, prefix: &str, key: &str) -> bool {
    // The length first: most paths differ in it, and it costs no compare.
    path.len() == prefix.len() + 1 + key.len()
        && path.as_bytes()[prefix.len()] == b'.'
        && path.starts_with(prefix)
        && path.ends_with(key)
}

#[cfg(test)]
mod tests {
    use super::super::load::positioned;
    use super::super::validate::validate;
    use crate::builtin;

    /// Reads `text` both ways: whatever the quick reader accepts, the
    /// positioned reader must accept, and read the same. A text in the
    /// plain shapes (`plain`) must also get the same verdict both ways; the
    /// quick reader may decline any other shape and leave it to the
    /// positioned reader. Whether the positioned reader accepts.
    fn same_both_ways(name: &str, text: &str, plain: bool) -> bool {
        let quick =
            super::read(text).and_then(|(s, spots)| validate(name, s, Vec::new(), &spots).ok());
        let slow = positioned(name, text, &[]);
        match (&quick, &slow) {
            (Some(q), Ok(s)) => assert_eq!(q.scenario(), s.scenario(), "{name}:\n{text}"),
            (None, Err(_)) => {}
            (None, Ok(_)) if !plain => {}
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
            valid += usize::from(same_both_ways(&name, &text, true));
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
                    if same_both_ways(name, &text, true) {
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

    /// A deal's own keys, for the texts below.
    const DEAL: &str = "counterparty = \"recurring\"\nstart_month = 1\n";
    /// A deal's OAK part.
    const OAK: &str = "oak = { amount = 1, irr_threshold = 0.1 }\n";

    #[test]
    fn unusual_texts_in_the_plain_shapes_read_the_same_both_ways() {
        let texts = [
            String::new(),
            "# only a comment\n".into(),
            "[aegis]\r\ninitial_leaf = 7\r\n".into(),
            "[ aegis ]\n  initial_leaf=7 # spaced\n[ tvl . organic ]\ndecay_rate = 0.1\n".into(),
            "[aegis]\ninitial_leaf = 0x10\n[simulation]\nmonths = 12\nseed = 7\n".into(),
            "[aegis]\ninitial_leaf = 0o17\ninitial_usdc = 0b101\n".into(),
            "[aegis]\ninitial_leaf = +1_000\ninitial_usdc = 1e3\n".into(),
            "[aegis]\ninitial_usdc = 100000000000000000000\n".into(),
            "[aegis]\ninitial_usdc = inf\n".into(),
            "[aegis]\ninitial_usdc = nan\n".into(),
            "[aegis]\ninitial_usdc = -0.0\n".into(),
            "[aegis]\ninitial_usdc = true\n".into(),
            "[aegis]\ninitial_usdc = 1__0\n".into(),
            "[aegis]\ninitial_usdc = 01\n".into(),
            "[tvl.market]\ngrowth_rates = [1, 0.5, 2_0]\n".into(),
            "[tvl.market]\ngrowth_rates = [\n  1, # one\n  0.5,\n]\n".into(),
            "[tvl.market]\ngrowth_rates = []\n".into(),
            "[tvl.market]\ngrowth_rates = [1, \"x\"]\n".into(),
            "[tvl.market]\ngrowth_rates = [[1]]\n".into(),
            "[tvl.market]\ngrowth_rates = 1\n".into(),
            "[leaf_price]\nmodel = 'fixed'\n".into(),
            "[leaf_price]\nmodel = \"fi\\u0078ed\"\n".into(),
            "[leaf_price]\nmodel = \"fixed\\q\"\n".into(),
            "[leaf_price]\nmodel = { a = 1 }\n".into(),
            "[leaf_price]\nmodel = 1979-05-27\n".into(),
            "[leaf_price] # a comment with a \u{7f} in it\n".into(),
            "[aegis]\n[aegis.x]\n".into(),
            "[aegis]\n[tvl]\n[tvl.organic]\n".into(),
            "[tvl.organic]\ndecay_rate = 0.1\n[tvl]\n".into(),
            "[aegis.initial_leaf]\n".into(),
            "[tvl.organic.decay_rate.x]\n".into(),
            "[tvl]\norganic = 1\n".into(),
            "[deal]\ncounterparty = \"A\"\n".into(),
            "[[aegis]]\n".into(),
            "deal = 3\n".into(),
            "deal = [1]\n".into(),
            "aegis = 1\n".into(),
            "a = { b = { c = { d = 1 } } }\n".into(),
            format!("[[deal]]\n{DEAL}{OAK}"),
            format!("[[deal]]\n{OAK}{DEAL}enabled = false\n"),
            format!("[[deal]]\nid = \"recurring_001\"\n{DEAL}{OAK}"),
            format!("[[deal]]\nid = \"recurring 001\"\n{DEAL}{OAK}"),
            format!("[[deal]]\nid = \"x\"\n{DEAL}{OAK}[[deal]]\nid = \"x\"\n{DEAL}{OAK}"),
            format!("[[deal]]\n{DEAL}oak = {{ amount = 1 }}\n"),
            format!("[[deal]]\n{DEAL}oak = {{}}\n"),
            format!("[[deal]]\n{DEAL}oak = 1\n"),
            format!("[[deal]]\n{DEAL}oak = {{ amount = 1, irr_threshold = 0.1, }}\n"),
            format!("[[deal]]\n{DEAL}oak = {{\n  amount = 1,\n  irr_threshold = 0.1\n}}\n"),
            format!("[[deal]]\n{DEAL}oak = {{ amount = 1, irr_threshold = 0.1, x = 1 }}\n"),
            format!("[[deal]]\n{DEAL}\n[[deal]]\n{DEAL}{OAK}"),
            format!("[[deal]]\n{DEAL}{OAK}[aegis]\ninitial_leaf = 5\n[[deal]]\n{DEAL}{OAK}"),
            format!("[[deal]]\n{DEAL}{OAK}[[deal.x]]\n"),
            format!("[[deal]]\n{DEAL}{OAK}[[deal]]\n{DEAL}{OAK}"),
            format!("[[deal]]\n{DEAL}{OAK}\n[simulation]\nmonths = 1\n"),
            format!("[[deal]]\ncounterparty = \"recurring\"\n{OAK}"),
            format!("[[deal]]\n{DEAL}{OAK}x = 1\n"),
        ];
        let valid = texts
            .iter()
            .filter(|text| same_both_ways("t", text, true))
            .count();
        // Both kinds are met: the quick reader takes the valid ones.
        assert_eq!(valid, 21);
    }

    #[test]
    fn a_key_or_table_given_twice_is_rejected_both_ways() {
        let texts = [
            "[aegis]\ninitial_leaf = 1\ninitial_leaf = 1\n".to_string(),
            "[aegis]\ninitial_leaf = 1\n[aegis]\ninitial_usdc = 1\n".into(),
            "[aegis]\n[aegis]\n".into(),
            "[tvl]\n[tvl.organic]\n[tvl]\n".into(),
            "[tvl.organic]\ndecay_rate = 0.1\n[tvl.organic]\n".into(),
            "[aegis]\ninitial_leaf = 1\n\"initial_leaf\" = 1\n".into(),
            "[aegis]\ninitial_leaf = 1\n[simulation]\nmonths = 2\n[aegis]\n".into(),
            format!("[[deal]]\n{DEAL}{OAK}counterparty = \"B\"\n"),
            format!("[[deal]]\n{DEAL}start_month = 2\n{OAK}"),
            format!("[[deal]]\n{DEAL}{OAK}{OAK}"),
            format!("[[deal]]\n{DEAL}{OAK}oak = {{ amount = 2 }}\n"),
            format!("[[deal]]\n{DEAL}oak = {{ amount = 1, amount = 1, irr_threshold = 0.1 }}\n"),
            format!("[[deal]]\n{DEAL}{OAK}enabled = true\nenabled = true\n"),
        ];
        for text in texts {
            assert!(super::read(&text).is_none(), "{text}");
            assert!(!same_both_ways("t", &text, true), "{text}");
        }
    }

    #[test]
    fn dotted_and_quoted_keys_are_left_to_the_positioned_reader() {
        let texts = [
            "aegis.initial_leaf = 5\n".to_string(),
            "simulation = { months = 12, seed = 7 }\n".into(),
            "[tvl]\norganic.decay_rate = 0.1\n".into(),
            "[aegis]\n\"initial_leaf\" = 5\n".into(),
            "[aegis]\n'initial_leaf' = 5\n".into(),
            "['aegis']\ninitial_leaf = 5\n".into(),
            "[\"tvl\".organic]\ndecay_rate = 0.1\n".into(),
            format!("[[deal]]\n{DEAL}oak.amount = 1\noak.irr_threshold = 0.1\n"),
            format!("[[deal]]\n{DEAL}\"oak\" = {{ amount = 1, irr_threshold = 0.1 }}\n"),
            format!("[[deal]]\n{DEAL}oak = {{ \"amount\" = 1, irr_threshold = 0.1 }}\n"),
            format!("[[deal]]\n{DEAL}[deal.oak]\namount = 1\nirr_threshold = 0.1\n"),
            "deal = [{ counterparty = \"A\", start_month = 2, oak = { amount = 1, irr_threshold = 0.1 } }]\n".into(),
            "[leaf_price]\nmodel = \"\"\"fixed\"\"\"\n".into(),
            "[leaf_price]\nmodel = '''fixed'''\n".into(),
        ];
        let mut valid = 0;
        for text in &texts {
            assert!(super::read(text).is_none(), "{text}");
            valid += usize::from(same_both_ways("t", text, false));
        }
        // All are valid: the positioned reader reads them.
        assert_eq!(valid, texts.len());
    }

    #[test]
    fn plain_numbers_read_as_the_decoder_reads_them() {
        let texts = [
            "0",
            "-0",
            "+0",
            "7",
            "1_000",
            "-1_000",
            "+1_0_0",
            "1__0",
            "_1",
            "1_",
            "01",
            "00",
            "-01",
            "-",
            "+",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "99999999999999999999",
            "0.5",
            "-0.5",
            "+0.5",
            "0.0",
            "-0.0",
            "00.5",
            "01.5",
            "1.",
            ".5",
            "1.e3",
            "1.5_0",
            "1_0.5",
            "1e3",
            "1.5e-3",
            "0x10",
            "inf",
            "nan",
            "1.2.3",
            "12345678901234567890.5",
            "1979-05-27",
        ];
        let mut plain = 0;
        for text in texts {
            let raw = toml_parser::Source::new(text)
                .get(toml_parser::Span::new_unchecked(0, text.len()))
                .expect("the whole text");
            if let Some(v) = super::plain_number(text) {
                assert_eq!(Some(&v), super::decoded(raw).as_ref(), "{text}");
                plain += 1;
            }
        }
        // Most of the valid ones are plain.
        assert_eq!(plain, 15);
    }

    #[test]
    fn deep_nesting_is_declined_without_recursing() {
        let text = format!("[tvl.market]\ngrowth_rates = {}\n", "[".repeat(100_000));
        assert!(super::read(&text).is_none());
        let text = format!(
            "[tvl.market]\ngrowth_rates = {}\n",
            "{ a = ".repeat(100_000)
        );
        assert!(super::read(&text).is_none());
    }
}

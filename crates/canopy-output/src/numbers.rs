//! Numbers as people read them.

/// From this magnitude on, a number is written in scientific form: sixteen
/// digits and more are unreadable, and 1e300 would be a 400-character line.
pub const HUGE: f64 = 1e15;

/// `x` with `decimals` decimals and thousands separators: `1,234,567.89`.
/// Magnitudes from [`HUGE`] on, and non-zero magnitudes that `decimals`
/// (when there are any) would round to zero, are written compactly as
/// [`scientific`] does. With no decimals a tiny value stays `0`: whole-unit
/// amounts round dust away on purpose.
pub fn thousands(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let a = x.abs();
    // Half of the last decimal shown: anything smaller would print as zero.
    let tiny = decimals > 0 && a > 0.0 && a < 0.5 * 10f64.powi(-(decimals.min(300) as i32));
    if a >= HUGE || tiny {
        return scientific(x);
    }
    let text = format!("{:.*}", decimals, a);
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    // "-0" is just "0".
    if x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// `x` in scientific form with up to three significant digits and no
/// trailing zeros: `1e308`, `-4.3e20`, `1.23e-12`.
pub fn scientific(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let text = format!("{x:.2e}");
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return text;
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}e{exponent}")
}

/// `x` for a log line or a message: as Rust writes it (the shortest text
/// that reads back the same number) for ordinary magnitudes, and in the
/// same shortest form but scientific (`1e305`, `1.5e-290`) from [`HUGE`]
/// on and below 1e-6, where the plain form would be hundreds of digits or
/// zeros. Zero is `0` (never `-0`).
pub fn compact(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-6..HUGE).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// How [`amount`] and [`money`] write an amount: one style per use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A page's figures: billions and millions with two decimals
    /// (`$1.23B`, `$4.56M`), whole amounts from 10,000 (`$12,345`), cents
    /// below (`$12.34`).
    Page,
    /// A chart's subtitle, short: two decimals and a suffix (`$1.23T`,
    /// `$4.56B`, `$7.89M`, `$1.50K`, `$12.34`).
    Compact,
    /// A console line: whole from 100 (`12,345`), two decimals from 1
    /// (`12.34`), short scientific below (`1.23e-4`), so that a small
    /// amount never shows as 0.
    Line,
}

/// An amount of money or tokens, written in `style`, without a unit.
pub fn amount(v: f64, style: Style) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    let text = match style {
        _ if a >= HUGE && style != Style::Line => scientific(a),
        Style::Page if a >= 1e9 => format!("{:.2}B", a / 1e9),
        Style::Page if a >= 1e6 => format!("{:.2}M", a / 1e6),
        Style::Page if a >= 1e4 => thousands(a, 0),
        Style::Page => thousands(a, 2),
        Style::Compact => {
            let (d, s) = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
                .into_iter()
                .find(|(d, _)| a >= *d)
                .unwrap_or((1.0, ""));
            format!("{:.2}{s}", a / d)
        }
        Style::Line if a == 0.0 || a >= 100.0 => thousands(a, 0),
        Style::Line if a >= 1.0 => thousands(a, 2),
        Style::Line => format!("{a:.2e}"),
    };
    format!("{sign}{text}")
}

/// An amount of US dollars, written in `style`: [`amount`] after a `$`
/// (and the sign before it: `-$1.23M`).
pub fn money(v: f64, style: Style) -> String {
    let text = amount(v, style);
    match text.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${text}"),
    }
}

/// `n` and the noun, singular for one: `1 month`, `3 months`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_one_way_per_use() {
        assert_eq!(money(1.234e9, Style::Page), "$1.23B");
        assert_eq!(money(-4.5e6, Style::Page), "-$4.50M");
        assert_eq!(money(12_345.6, Style::Page), "$12,346");
        assert_eq!(money(12.345, Style::Page), "$12.35");
        assert_eq!(money(2e15, Style::Page), "$2e15");
        assert_eq!(money(1.5e12, Style::Compact), "$1.50T");
        assert_eq!(money(-1500.0, Style::Compact), "-$1.50K");
        assert_eq!(money(12.0, Style::Compact), "$12.00");
        assert_eq!(amount(12_345.6, Style::Line), "12,346");
        assert_eq!(amount(-5.0, Style::Line), "-5.00");
        assert_eq!(amount(0.000123, Style::Line), "1.23e-4");
        assert_eq!(amount(0.0, Style::Line), "0");
        assert_eq!(amount(-2e16, Style::Line), "-2e16");
    }

    #[test]
    fn compact_is_plain_for_ordinary_numbers_and_short_for_extremes() {
        assert_eq!(compact(1234.5), "1234.5");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(-0.0), "0");
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(1e305), "1e305");
        assert_eq!(compact(-1.5e20), "-1.5e20");
        assert_eq!(compact(1e-290), "1e-290");
        assert_eq!(compact(1.25e-7), "1.25e-7");
        assert_eq!(compact(999_999_999_999_999.0), "999999999999999");
        assert_eq!(compact(0.000_001), "0.000001");
        assert_eq!(compact(f64::NAN), "NaN");
        assert_eq!(count(1, "month", "months"), "1 month");
        assert_eq!(count(0, "month", "months"), "0 months");
    }

    #[test]
    fn thousands_groups_digits_and_keeps_decimals() {
        assert_eq!(thousands(0.0, 0), "0");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(1000.0, 0), "1,000");
        assert_eq!(thousands(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(thousands(-55_624_999.99, 0), "-55,625,000");
        assert_eq!(thousands(-0.0001, 0), "0");
        assert_eq!(thousands(100_000_000.0, 0), "100,000,000");
    }

    #[test]
    fn huge_numbers_are_scientific_from_1e15() {
        assert_eq!(thousands(999_999_999_999_999.0, 0), "999,999,999,999,999");
        assert_eq!(thousands(1e15, 0), "1e15");
        assert_eq!(thousands(-1e15, 2), "-1e15");
        assert_eq!(thousands(1e300, 0), "1e300");
        assert_eq!(thousands(f64::MAX, 0), "1.8e308");
        assert_eq!(thousands(4.3e302, 2), "4.3e302");
        assert_eq!(thousands(1.23456e20, 0), "1.23e20");
        assert_eq!(thousands(f64::INFINITY, 0), "inf");
    }

    #[test]
    fn tiny_numbers_are_scientific_below_the_last_decimal() {
        // 0.00005 still rounds up to the last decimal; just below it does not.
        assert_eq!(thousands(0.00005, 4), "0.0001");
        assert_eq!(thousands(0.0000499, 4), "4.99e-5");
        assert_eq!(thousands(1.23e-12, 4), "1.23e-12");
        assert_eq!(thousands(-1e-9, 2), "-1e-9");
        assert_eq!(thousands(0.0, 4), "0.0000");
        assert_eq!(thousands(0.001, 2), "1e-3");
        assert_eq!(thousands(0.005, 2), "0.01");
        assert_eq!(thousands(f64::MIN_POSITIVE, 400), "2.23e-308");
    }

    #[test]
    fn scientific_trims_zeros() {
        assert_eq!(scientific(1e308), "1e308");
        assert_eq!(scientific(1.5e-7), "1.5e-7");
        assert_eq!(scientific(-2.0), "-2e0");
    }
}

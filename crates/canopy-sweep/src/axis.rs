//! The values of an axis: as listed, or evenly or geometrically spaced.

use canopy_model::Value;

/// How an axis's values were given.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisSpec {
    /// A list of values (numbers, strings or booleans).
    Values(Vec<Value>),
    /// `steps` values evenly spaced from `from` to `to`, both included.
    Linspace {
        /// The first value (an integer when written as one).
        from: Value,
        /// The last value.
        to: Value,
        /// How many values, >= 1 (1 gives `from` alone).
        steps: usize,
    },
    /// `steps` values in geometric progression from `from` to `to` (both > 0).
    Logspace {
        /// The first value.
        from: Value,
        /// The last value.
        to: Value,
        /// How many values, >= 1 (1 gives `from` alone).
        steps: usize,
    },
}

/// The values of an axis; on a whole-number key spaced values are rounded
/// to the nearest whole number (halves away from zero).
pub fn values(spec: &AxisSpec, whole: bool) -> Vec<Value> {
    match spec {
        AxisSpec::Values(vs) => vs.clone(),
        AxisSpec::Linspace { from, to, steps } => {
            // Whole ends on a whole-number key are spaced in integers, so
            // that no value goes through f64.
            if let (true, Value::Int(a), Value::Int(b)) = (whole, from, to) {
                return (0..*steps)
                    .map(|i| Value::Int(lin_int(*a, *b, i, *steps)))
                    .collect();
            }
            let (a, b) = (num(from), num(to));
            spaced(*steps, whole, |t| a + (b - a) * t, a, b)
        }
        AxisSpec::Logspace { from, to, steps } => {
            let (a, b) = (num(from), num(to));
            spaced(*steps, whole, |t| a * (b / a).powf(t), a, b)
        }
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// `steps` values `f(i / (steps - 1))`, the ends exactly `a` and `b`.
fn spaced(steps: usize, whole: bool, f: impl Fn(f64) -> f64, a: f64, b: f64) -> Vec<Value> {
    (0..steps)
        .map(|i| {
            let x = if i == 0 {
                a
            } else if i + 1 == steps {
                b
            } else {
                f(i as f64 / (steps - 1) as f64)
            };
            if whole { rounded(x) } else { Value::Float(x) }
        })
        .collect()
}

/// `x` rounded to the nearest whole number, as an integer when it fits
/// (else left as a float, which the whole-number check refuses).
pub fn rounded(x: f64) -> Value {
    let r = x.round();
    if r.is_finite() && r.abs() < 9.2e18 {
        Value::Int(r as i64)
    } else {
        Value::Float(x)
    }
}

/// Item `i` of `steps` evenly spaced integers from `a` to `b`, rounded to
/// nearest (halves away from zero), in exact integer arithmetic.
fn lin_int(a: i64, b: i64, i: usize, steps: usize) -> i64 {
    if steps <= 1 {
        return a;
    }
    // The value is n / den; rounded as f64::round rounds.
    let den = (steps - 1) as i128;
    let n = a as i128 * den + (b as i128 - a as i128) * i as i128;
    let (q, r) = (n / den, n % den);
    let q = if 2 * r.abs() >= den {
        q + n.signum()
    } else {
        q
    };
    q as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_spacing_rounds_halves_away_from_zero() {
        // 1, 2.5, 4 -> 1, 3, 4, and 4, 2.5, 1 -> 4, 3, 1, as f64::round does;
        // -1, -2.5, -4 -> -1, -3, -4.
        assert_eq!(lin_int(1, 4, 1, 3), 3);
        assert_eq!(lin_int(4, 1, 1, 3), 3);
        assert_eq!(lin_int(-1, -4, 1, 3), -3);
        assert_eq!(lin_int(0, 10, 1, 4), 3);
        assert_eq!(lin_int(0, 10, 2, 4), 7);
        assert_eq!(lin_int(5, 5, 0, 1), 5);
    }
}

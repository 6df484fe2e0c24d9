//! What the statistics of a sweep's folder learn that its report draws:
//! written by [`crate::statistics`], read by [`crate::report`].

use crate::defaults::{FAN_QUANTILES, MAIN_METRICS};

/// The fan bands of one point and kept metric: month by month, the
/// [`FAN_QUANTILES`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fan {
    /// Months, from 1.
    pub months: Vec<u32>,
    /// For each of [`FAN_QUANTILES`], one value per month.
    pub quantiles: [Vec<Option<f64>>; FAN_QUANTILES.len()],
}

/// Everything [`crate::statistics::finish`] learns that the report draws.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    /// Per kept metric, per point, its fan.
    pub fans: Vec<Vec<Fan>>,
    /// `points.csv`: header and rows.
    pub points_header: Vec<String>,
    /// `points.csv` rows.
    pub points_rows: Vec<Vec<String>>,
    /// Per point, each main metric's median over its ok runs.
    pub medians: Vec<[Option<f64>; MAIN_METRICS.len()]>,
    /// Per axis, per main metric, the response at each axis value.
    pub responses: Vec<Vec<Response>>,
    /// Per point, per criterion, its counts.
    pub criteria: Vec<Vec<crate::criteria::Count>>,
    /// A sensitivity sweep's indices.
    pub sensitivity: Option<crate::sensitivity::SensitivityFindings>,
}

/// The last month's 5 %, 50 % and 95 % quantiles of a main metric over
/// the ok runs at each value of an axis (all points with that value).
pub type Response = Vec<[Option<f64>; 3]>;

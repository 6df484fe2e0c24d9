//! The Arrow schemas of `runs.parquet` and `months.parquet` (SWEEP.md,
//! "What a sweep writes"), read off the plan: its axes and samples, the
//! summary columns ([`SUMMARY_COLUMNS`]) and the kept metrics.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use canopy_model::column;
use canopy_model::{Column, ColumnType, Value};

use crate::points::Plan;
use crate::summary::{SUMMARY_COLUMNS, SummaryType};

/// What a column of axis or sample values holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// float64: a number.
    Float,
    /// int64: a whole number.
    Int,
    /// utf8: a string (a choice, or a scenario of the `scenario` axis).
    Text,
    /// bool.
    Bool,
}

impl ValueType {
    /// The type of a value as the plan holds it (in its key's own form).
    pub fn of(v: &Value) -> ValueType {
        match v {
            Value::Int(_) => ValueType::Int,
            Value::Bool(_) => ValueType::Bool,
            Value::Str(_) => ValueType::Text,
            Value::Float(_) | Value::List(_) => ValueType::Float,
        }
    }

    fn arrow(self) -> DataType {
        match self {
            ValueType::Float => DataType::Float64,
            ValueType::Int => DataType::Int64,
            ValueType::Text => DataType::Utf8,
            ValueType::Bool => DataType::Boolean,
        }
    }
}

/// The Arrow type of a metrics.csv column: counts uint32, the rest float64.
pub fn metric_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Count => DataType::UInt32,
        ColumnType::Amount | ColumnType::Rate => DataType::Float64,
    }
}

/// The columns of a sweep's files.
#[derive(Clone, Debug)]
pub struct Layout {
    /// `runs.parquet`.
    pub runs: SchemaRef,
    /// `months.parquet`; `None` when no metric is kept.
    pub months: Option<SchemaRef>,
    /// The type of each axis's (or factor's) column, in order.
    pub axis_types: Vec<ValueType>,
    /// The type of each sample's column, in sample order.
    pub sample_types: Vec<ValueType>,
    /// The kept metrics, in `keep_months` order.
    pub kept: Vec<&'static Column>,
}

impl Layout {
    /// The layout of a plan's files.
    pub fn of(plan: &Plan) -> Layout {
        let sweep = &plan.sweep;
        // The axes' columns, or a sensitivity sweep's factors'.
        let keys = sweep.point_keys();
        let axis_types: Vec<ValueType> = (0..keys.len())
            .map(|a| {
                plan.points
                    .first()
                    .map_or(ValueType::Float, |p| ValueType::of(&p.values[a]))
            })
            .collect();
        let sample_types: Vec<ValueType> = sweep
            .samples
            .iter()
            .map(|s| {
                if s.key.is_whole() {
                    ValueType::Int
                } else {
                    ValueType::Float
                }
            })
            .collect();
        let mut fields = vec![
            Field::new("point", DataType::UInt32, false),
            Field::new("run", DataType::UInt32, false),
            Field::new("seed", DataType::UInt64, false),
        ];
        for (key, ty) in keys.iter().zip(&axis_types) {
            fields.push(Field::new(*key, ty.arrow(), true));
        }
        for (s, ty) in sweep.samples.iter().zip(&sample_types) {
            fields.push(Field::new(&s.key.path, ty.arrow(), true));
        }
        for c in &SUMMARY_COLUMNS {
            let (ty, nullable) = match c.ty {
                SummaryType::Text => (DataType::Utf8, false),
                SummaryType::Number(t) => (metric_type(t), true),
            };
            fields.push(Field::new(c.name, ty, nullable));
        }
        for c in &sweep.criteria {
            let [met, month] = c.run_columns();
            fields.push(Field::new(met, DataType::Boolean, true));
            fields.push(Field::new(month, DataType::UInt32, true));
        }
        // `read` refuses names that are not metrics.csv columns.
        let kept: Vec<&'static Column> =
            sweep.keep_months.iter().filter_map(|n| column(n)).collect();
        let months = (!kept.is_empty()).then(|| {
            let mut fields = vec![
                Field::new("point", DataType::UInt32, false),
                Field::new("run", DataType::UInt32, false),
                Field::new("month", DataType::UInt32, false),
            ];
            for c in &kept {
                fields.push(Field::new(c.name, metric_type(c.ty), true));
            }
            Arc::new(Schema::new(fields))
        });
        Layout {
            runs: Arc::new(Schema::new(fields)),
            months,
            axis_types,
            sample_types,
            kept,
        }
    }
}

//! The one palette of every chart and of the report, so that a quantity (a
//! TVL kind, LEAF, USDC, OAK) has the same colour wherever it appears.

use canopy_model::{Family, TvlKind, column};
use plotters::style::RGBColor;

/// TVL kinds, in [`TvlKind::ALL`] order: protocol-locked, contracted, organic, boosted.
pub const TVL: [RGBColor; 4] = [
    RGBColor(0x26, 0x46, 0x53), // deep slate blue
    RGBColor(0x2A, 0x9D, 0x8F), // teal
    RGBColor(0x8A, 0xB1, 0x7D), // sage green
    RGBColor(0xE9, 0xA8, 0x3B), // amber
];

/// The colour of a TVL kind.
pub fn tvl(kind: TvlKind) -> RGBColor {
    TVL[kind.index()]
}

/// LEAF: balances, LEAF value, the LEAF price.
pub const LEAF: RGBColor = RGBColor(0x7B, 0x4F, 0xB8);
/// USDC balances and payouts.
pub const USDC: RGBColor = RGBColor(0x27, 0x75, 0xCA);
/// Totals drawn over their parts (AEGIS value, cumulative revenue).
pub const TOTAL: RGBColor = RGBColor(0x1F, 0x1F, 0x24);
/// AEGIS's value (the colour of the first TVL kind).
pub const AEGIS_VALUE: RGBColor = TVL[0];
/// Cumulative revenue.
pub const CUMULATIVE: RGBColor = RGBColor(0xC2, 0x3B, 0x4E);
/// OAK distributed.
pub const OAK: RGBColor = RGBColor(0x8C, 0x5A, 0x3C);
/// OAK redeemed.
pub const REDEEMED: RGBColor = RGBColor(0xE0, 0x6C, 0x4F);
/// OAK not redeemed.
pub const UNREDEEMED: RGBColor = RGBColor(0x5E, 0x7C, 0x4A);
/// OAK waiting in the redemption queue.
pub const QUEUED: RGBColor = RGBColor(0x1F, 0x1F, 0x24);
/// Value per OAK and the IRR.
pub const VALUE: RGBColor = RGBColor(0x1F, 0x1F, 0x24);
/// The IRR threshold.
pub const THRESHOLD: RGBColor = RGBColor(0xC2, 0x3B, 0x4E);
/// Counts (active pairs).
pub const COUNT: RGBColor = RGBColor(0x90, 0x9A, 0xA6);
/// Chain TVL.
pub const CHAIN: RGBColor = RGBColor(0xB8, 0xC4, 0xD6);
/// Market share.
pub const SHARE: RGBColor = RGBColor(0xC2, 0x3B, 0x4E);

/// Points of a sweep drawn together (their medians on one chart), in
/// point order; distinct in hue and lightness.
pub const POINTS: [RGBColor; 12] = [
    RGBColor(0x2A, 0x9D, 0x8F), // teal
    RGBColor(0xE0, 0x6C, 0x4F), // coral
    RGBColor(0x26, 0x46, 0x53), // deep slate blue
    RGBColor(0xE9, 0xA8, 0x3B), // amber
    RGBColor(0x7B, 0x4F, 0xB8), // purple
    RGBColor(0x27, 0x75, 0xCA), // blue
    RGBColor(0xC2, 0x3B, 0x4E), // crimson
    RGBColor(0x8A, 0xB1, 0x7D), // sage green
    RGBColor(0x8C, 0x5A, 0x3C), // brown
    RGBColor(0xD1, 0x7F, 0xB5), // pink
    RGBColor(0x5E, 0x7C, 0x4A), // olive
    RGBColor(0xA0, 0x7A, 0x1A), // dark gold (grey is for the points past these)
];

/// The colour of a `metrics.csv` column (or of a summary of one, such as
/// `min_aegis_value`) on a sweep's charts: the colour of its quantity on a
/// run's charts, as the column's [`Family`] says.
pub fn metric(name: &str) -> RGBColor {
    let base = name
        .strip_prefix("min_")
        .or_else(|| name.strip_prefix("max_"))
        .unwrap_or(name);
    family(column(base).and_then(|c| c.family))
}

/// The colour of a family of quantities; those of no family share one.
pub fn family(family: Option<Family>) -> RGBColor {
    match family {
        Some(Family::Leaf) => LEAF,
        Some(Family::Usdc) => USDC,
        Some(Family::Cumulative) => CUMULATIVE,
        Some(Family::Oak) => OAK,
        Some(Family::Redeemed) => REDEEMED,
        Some(Family::Unredeemed) => UNREDEEMED,
        Some(Family::AegisValue) => AEGIS_VALUE,
        None => TVL[1],
    }
}

/// Body text.
pub const TEXT: RGBColor = RGBColor(0x22, 0x25, 0x2B);
/// Secondary text (subtitles, axis ticks).
pub const MUTED: RGBColor = RGBColor(0x5F, 0x66, 0x70);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xE4, 0xE7, 0xEB);
/// Axis lines.
pub const AXIS: RGBColor = RGBColor(0x9A, 0xA1, 0xAB);

/// `#rrggbb` for CSS.
pub fn css(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sweep charts' colours as the run's charts have them: each named
    /// column in the colour of the series that draws its quantity.
    #[test]
    fn a_metric_has_the_colour_of_its_quantity() {
        let expected = [
            ("leaf_price", LEAF),
            ("aegis_leaf", LEAF),
            ("pairs_leaf", LEAF),
            ("aegis_usdc", USDC),
            ("pairs_usdc", USDC),
            ("revenue_cumulative", CUMULATIVE),
            ("oak_redeemed", REDEEMED),
            ("oak_redeemed_month", REDEEMED),
            ("oak_distributed", OAK),
            ("value_per_oak", OAK),
            ("oak_unredeemed", UNREDEEMED),
            ("aegis_value", AEGIS_VALUE),
            ("min_aegis_value", AEGIS_VALUE),
            ("max_leaf_price", LEAF),
            ("tvl_total", TVL[1]),
            ("irr", TVL[1]),
        ];
        for (name, colour) in expected {
            assert_eq!(metric(name), colour, "{name}");
        }
        let coloured = canopy_model::COLUMNS
            .iter()
            .filter(|c| c.family.is_some())
            .count();
        assert_eq!(coloured, 12, "every family-coloured column is listed above");
    }
}

//! AEGIS, the treasury of LEAF and USDC.

/// AEGIS's balances.
#[derive(Clone, Debug, PartialEq)]
pub struct Aegis {
    /// LEAF held.
    pub leaf: f64,
    /// USDC held.
    pub usdc: f64,
}

impl Aegis {
    /// Value in USD at LEAF price `p`.
    pub fn value(&self, p: f64) -> f64 {
        self.usdc + self.leaf * p
    }

    /// Sells up to `leaf` LEAF at `p`; returns what was sold (capped by the balance).
    pub fn sell_leaf(&mut self, leaf: f64, p: f64) -> f64 {
        let sold = leaf.min(self.leaf).max(0.0);
        self.leaf -= sold;
        self.usdc += sold * p;
        sold
    }

    /// Buys up to `leaf` LEAF at `p`; returns what was bought (capped by USDC).
    pub fn buy_leaf(&mut self, leaf: f64, p: f64) -> f64 {
        let bought = leaf.min(self.usdc / p).max(0.0);
        self.leaf += bought;
        self.usdc = (self.usdc - bought * p).max(0.0);
        bought
    }

    /// Takes in revenue.
    pub fn receive(&mut self, usdc: f64) {
        self.usdc += usdc;
    }

    /// Pays out `share` (0..=1) of both balances; returns (usdc, leaf) paid.
    pub fn pay_share(&mut self, share: f64) -> (f64, f64) {
        let share = share.clamp(0.0, 1.0);
        let usdc = self.usdc * share;
        let leaf = self.leaf * share;
        self.usdc -= usdc;
        self.leaf -= leaf;
        (usdc, leaf)
    }
}

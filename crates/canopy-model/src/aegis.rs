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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sales_and_purchases_are_capped_by_the_balances() {
        let mut a = Aegis {
            leaf: 100.0,
            usdc: 50.0,
        };
        assert_eq!(a.sell_leaf(30.0, 2.0), 30.0);
        assert_eq!(
            a,
            Aegis {
                leaf: 70.0,
                usdc: 110.0
            }
        );
        assert_eq!(a.sell_leaf(500.0, 1.0), 70.0);
        assert_eq!(
            a,
            Aegis {
                leaf: 0.0,
                usdc: 180.0
            }
        );
        assert_eq!(a.buy_leaf(1000.0, 2.0), 90.0);
        assert_eq!(
            a,
            Aegis {
                leaf: 90.0,
                usdc: 0.0
            }
        );
        assert_eq!(a.value(3.0), 270.0);
    }

    #[test]
    fn a_payout_takes_the_same_share_of_both_balances() {
        let mut a = Aegis {
            leaf: 400.0,
            usdc: 1000.0,
        };
        assert_eq!(a.pay_share(0.25), (250.0, 100.0));
        assert_eq!(
            a,
            Aegis {
                leaf: 300.0,
                usdc: 750.0
            }
        );
        a.receive(50.0);
        assert_eq!(a.usdc, 800.0);
    }
}

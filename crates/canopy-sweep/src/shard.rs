//! One of N shards of a sweep: which runs are its own.

/// One of N shards of a sweep (`--shard K/N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which one, from 1.
    pub k: u64,
    /// Of how many.
    pub n: u64,
}

impl Shard {
    /// The whole sweep: shard 1 of 1.
    pub const WHOLE: Shard = Shard { k: 1, n: 1 };

    /// Reads `K/N` (1 <= K <= N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "`{text}` is not K/N with 1 <= K <= N (for example 2/8: the second of eight shards)"
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Its folder under the sweep's: `part-K-of-N`.
    pub fn dir_name(&self) -> String {
        format!("part-{}-of-{}", self.k, self.n)
    }

    /// How many of `total` runs are its own.
    pub fn count(&self, total: u64) -> u64 {
        let first = self.k - 1;
        if total <= first {
            0
        } else {
            (total - first).div_ceil(self.n)
        }
    }

    /// The global index of its `i`-th run.
    pub fn global(&self, i: u64) -> u64 {
        self.k - 1 + i * self.n
    }
}

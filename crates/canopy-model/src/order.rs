//! Lists of indices kept in index order, the order of every sum over them.

use std::sync::Arc;

/// The indices of `items` in order of their first month, then index: the
/// order in which they join a list of what has started.
pub(crate) fn by_start<T>(items: &[T], start: impl Fn(&T) -> u32) -> Arc<[usize]> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable: items of one month stay in index order.
    order.sort_by_key(|&i| start(&items[i]));
    order.into()
}

/// Points `to` at `from`'s value, leaving the counts alone where it already
/// does (two atomic operations a field saved on every restarted run).
pub(crate) fn share<T: ?Sized>(to: &mut Arc<T>, from: &Arc<T>) {
    if !Arc::ptr_eq(to, from) {
        *to = Arc::clone(from);
    }
}

/// Puts `list[first_new..]`, appended to a list in index order, in its
/// place: a few by insertion (a month adds a few), many by a sort.
pub(crate) fn sort_appended(list: &mut [usize], first_new: usize) {
    if list.len() - first_new > 8 {
        list.sort_unstable();
        return;
    }
    for k in first_new..list.len() {
        let v = list[k];
        let at = list[..k].partition_point(|&j| j < v);
        list.copy_within(at..k, at + 1);
        list[at] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_indices_land_in_order_few_or_many() {
        let mut few = vec![2, 5, 9, 7, 1, 5];
        sort_appended(&mut few, 3);
        assert_eq!(few, [1, 2, 5, 5, 7, 9]);
        let mut many: Vec<usize> = (0..20).rev().collect();
        sort_appended(&mut many, 0);
        assert_eq!(many, (0..20).collect::<Vec<_>>());
        let mut none = vec![1, 3];
        sort_appended(&mut none, 2);
        assert_eq!(none, [1, 3]);
    }
}

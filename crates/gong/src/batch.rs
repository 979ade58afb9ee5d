//! Splitting call id lists into Gong-sized requests.

use std::collections::HashSet;

/// The ids without duplicates (first occurrence wins) and without blank entries, in input order.
/// A blank id would widen Gong's filter rather than narrow it, so it is never sent.
pub(crate) fn dedupe(ids: &[String]) -> Vec<String> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty() && seen.insert(*id))
        .map(str::to_owned)
        .collect()
}

/// `ids` in chunks of at most `size` (a size of 0 is treated as 1).
pub(crate) fn chunks(ids: &[String], size: usize) -> impl Iterator<Item = &[String]> {
    ids.chunks(size.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn dedupe_keeps_first_occurrence_order_and_drops_blanks() {
        let ids = strings(&["3", "1", "3", " 2 ", "", "1", "2", "  "]);
        assert_eq!(dedupe(&ids), strings(&["3", "1", "2"]));
    }

    #[test]
    fn chunks_are_at_most_the_batch_size() {
        let ids: Vec<String> = (0..250).map(|i| i.to_string()).collect();
        let sizes: Vec<usize> = chunks(&ids, 100).map(<[String]>::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        assert_eq!(chunks(&ids[..3], 0).count(), 3);
        assert_eq!(chunks(&[], 100).count(), 0);
    }
}

//! Cleaning call id lists before they are asked for.

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
}

//! Cleaning call id lists before they are asked for.

use std::collections::HashSet;

use crate::wire::CallId;

/// The ids without duplicates (first occurrence wins), in input order. A [`CallId`] is never
/// blank (a blank id would widen Gong's filter rather than narrow it).
pub(crate) fn dedupe(ids: &[CallId]) -> Vec<CallId> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().filter(|id| seen.insert(*id)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<CallId> {
        v.iter().map(|s| CallId::parse("id", s).unwrap()).collect()
    }

    #[test]
    fn dedupe_keeps_first_occurrence_order() {
        let asked = ids(&["3", "1", "3", " 2 ", "1", "2"]);
        assert_eq!(dedupe(&asked), ids(&["3", "1", "2"]));
    }
}

//! Id formats of the two systems, produced deterministically so that the same org always
//! carries the same ids.

use fastrand::Rng;

/// Alphabet of the 3-character case-checksum suffix of 18-character Salesforce ids.
const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// An 18-character Salesforce id: the 3-character key prefix (`001` Account, `003` Contact,
/// `005` User, `006` Opportunity, `a0G` the Gong call object), a fixed instance marker, a
/// zero-padded counter, and the real case-checksum suffix, so ids look and validate like
/// Salesforce's own.
pub fn salesforce_id(prefix: &str, n: u64) -> String {
    let base = format!("{prefix}Dm{n:010}");
    let bytes = base.as_bytes();
    let mut id = base.clone();
    for chunk in 0..3 {
        let mut bits = 0usize;
        for i in 0..5 {
            if bytes.get(chunk * 5 + i).is_some_and(u8::is_ascii_uppercase) {
                bits |= 1 << i;
            }
        }
        id.push(char::from(SUFFIX_ALPHABET[bits]));
    }
    id
}

/// A numeric id of exactly `digits` digits (1..=19), as Gong uses for calls, users, parties
/// and speakers.
pub fn numeric_id(rng: &mut Rng, digits: u32) -> String {
    let digits = digits.clamp(1, 19);
    let low = 10u64.pow(digits - 1);
    let high = low.saturating_mul(10);
    rng.u64(low..high).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_ids_are_18_chars_with_prefix_and_checksum() {
        let id = salesforce_id("005", 7);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("005Dm0000000007"));
        // "005Dm": D at index 3 → bit 3 → 'I'; "00000" → 'A'; "00007" → 'A'.
        assert_eq!(&id[15..], "IAA");
    }

    #[test]
    fn numeric_ids_have_the_requested_length() {
        let mut rng = Rng::with_seed(1);
        for d in [1, 16, 18, 19] {
            let id = numeric_id(&mut rng, d);
            assert_eq!(id.len(), d as usize);
            assert!(id.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}

//! The attendee list of a call, for attendee tables: who was there, without contact details
//! beyond the e-mail domain.

use std::collections::HashSet;

use gong_wire as wire;

use crate::Speaker;

/// Affiliation when Gong gives none.
const UNKNOWN_AFFILIATION: &str = "Unknown";

/// Every party, in Gong's order, once per (name, e-mail). Parties with neither a name nor an
/// e-mail cannot be told apart, so each is kept.
pub(crate) fn speakers(parties: &[wire::Party]) -> Vec<Speaker> {
    let mut seen = HashSet::with_capacity(parties.len());
    parties
        .iter()
        .filter(|party| {
            let name = non_blank(party.name.as_deref());
            let email = non_blank(party.email_address.as_deref()).map(str::to_lowercase);
            (name.is_none() && email.is_none()) || seen.insert((name, email))
        })
        .map(|party| Speaker {
            name: non_blank(party.name.as_deref()).map(str::to_owned),
            title: non_blank(party.title.as_deref()).map(str::to_owned),
            affiliation: non_blank(party.affiliation.as_deref())
                .unwrap_or(UNKNOWN_AFFILIATION)
                .to_owned(),
            email_domain: party.email_address.as_deref().and_then(email_domain),
        })
        .collect()
}

/// The lowercased part after the last `@`, when there is one.
pub(crate) fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim();
    (!domain.is_empty()).then(|| domain.to_lowercase())
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: Option<&str>, email: Option<&str>) -> wire::Party {
        wire::Party {
            name: name.map(str::to_owned),
            email_address: email.map(str::to_owned),
            ..wire::Party::default()
        }
    }

    #[test]
    fn email_domain_is_the_lowercased_part_after_the_last_at() {
        assert_eq!(email_domain("Ann@Acme.COM").as_deref(), Some("acme.com"));
        assert_eq!(
            email_domain("odd@name@sub.example.org").as_deref(),
            Some("sub.example.org")
        );
        assert_eq!(email_domain("no-at-sign"), None);
        assert_eq!(email_domain("trailing@"), None);
        assert_eq!(email_domain(""), None);
    }

    #[test]
    fn duplicates_by_name_and_email_are_dropped_in_order() {
        let parties = [
            party(Some("Ann"), Some("ann@acme.com")),
            party(Some("Bob"), None),
            party(Some("Ann"), Some("ANN@acme.com")),
            party(Some("Bob"), None),
            party(Some("Ann"), Some("ann@other.com")),
            party(None, None),
            party(None, None),
        ];
        let listed = speakers(&parties);
        let names: Vec<Option<&str>> = listed.iter().map(|s| s.name.as_deref()).collect();
        assert_eq!(names, [Some("Ann"), Some("Bob"), Some("Ann"), None, None]);
    }

    #[test]
    fn missing_fields_default_sensibly() {
        let mut p = party(Some("  "), Some("x@Acme.io"));
        p.title = Some(String::new());
        p.affiliation = Some(" ".into());
        let s = &speakers(&[p])[0];
        assert_eq!(s.name, None);
        assert_eq!(s.title, None);
        assert_eq!(s.affiliation, "Unknown");
        assert_eq!(s.email_domain.as_deref(), Some("acme.io"));
    }
}

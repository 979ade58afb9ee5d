//! Salesforce's datetime format (`2024-01-15T17:00:00.000+0000`), which is not RFC 3339 (the
//! offset has no colon), so callers parse `Gong__Call_Start__c` and friends here.

use chrono::{DateTime, NaiveDate, Utc};

/// Parses a Salesforce datetime; RFC 3339 (`...Z`, `+00:00`) is accepted too.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses a Salesforce date (`2024-01-15`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn salesforce_and_rfc3339_forms() {
        let want = Utc.with_ymd_and_hms(2024, 1, 15, 17, 0, 0).single();
        assert_eq!(parse_datetime("2024-01-15T17:00:00.000+0000"), want);
        assert_eq!(parse_datetime("2024-01-15T12:00:00.000-0500"), want);
        assert_eq!(parse_datetime("2024-01-15T17:00:00Z"), want);
        assert_eq!(parse_datetime("2024-01-15T19:00:00+02:00"), want);
        assert_eq!(parse_datetime("2024-01-15"), None);
        assert_eq!(
            parse_date("2024-01-15"),
            NaiveDate::from_ymd_opt(2024, 1, 15)
        );
    }
}

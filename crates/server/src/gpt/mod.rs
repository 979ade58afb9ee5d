//! What a ChatGPT admin needs to build the GPT: the two-action flow's Salesforce action document
//! ([`salesforce_action`]), the Instructions texts ([`instructions`]) and the setup guide that
//! puts them together with schema URLs and auth settings ([`guide`]); [`Kit`] takes their inputs
//! from the server's settings.
//!
//! Everything here is pure: settings in, text or documents out. Routes and the CLI only call it.

pub mod guide;
pub mod instructions;
pub mod kit;
pub mod salesforce_action;

pub use kit::{Kit, KitError};

use std::fmt;
use std::str::FromStr;

use salesforce::escape::soql_string_literal;
pub use service::{GongFields, Methodology};

/// The two-action flow's query for an account's newest calls: `SELECT <call id>, <title>, <start>
/// FROM <call object> WHERE <account> = '<account id>' ORDER BY <start> DESC LIMIT <limit>`, with
/// the configured API names (checked to be API names by the settings) and the account id as an
/// escaped SOQL literal.
pub fn latest_calls_soql(fields: &GongFields, account_id: &str, limit: usize) -> String {
    format!(
        "SELECT {id}, {title}, {start} FROM {object} WHERE {account} = {literal} \
         ORDER BY {start} DESC LIMIT {limit}",
        id = fields.call_id,
        title = fields.title,
        start = fields.start,
        object = fields.call_object,
        account = fields.account,
        literal = soql_string_literal(account_id),
    )
}

/// The text names no known [`Variant`]; the message lists the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variant {0:?}; use one-action or two-action")]
pub struct UnknownVariant(pub String);

/// How the GPT is put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// Recommended: callbrief's own action only (search → confirm → briefing), one call for the
    /// briefing, and the rep's own Salesforce permissions through OAuth.
    #[default]
    OneAction,
    /// The original setup: a Salesforce action (SOSL, SOQL) plus callbrief's transcripts action.
    TwoAction,
}

impl Variant {
    /// Every variant, recommended first.
    pub const ALL: [Variant; 2] = [Variant::OneAction, Variant::TwoAction];

    /// The name used in query strings and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::OneAction => "one-action",
            Variant::TwoAction => "two-action",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Variant {
    type Err = UnknownVariant;

    /// Case-insensitive, surrounding spaces ignored; `one`/`two` are accepted as short forms.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "one-action" | "one" => Ok(Variant::OneAction),
            "two-action" | "two" => Ok(Variant::TwoAction),
            _ => Err(UnknownVariant(s.trim().to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_parse_case_insensitively_and_round_trip() {
        for v in Variant::ALL {
            assert_eq!(v.as_str().parse::<Variant>(), Ok(v));
            assert_eq!(v.as_str().to_uppercase().parse::<Variant>(), Ok(v));
        }
        assert_eq!(" two ".parse::<Variant>(), Ok(Variant::TwoAction));
    }

    #[test]
    fn unknown_variants_name_the_accepted_values() {
        let err = "three-action".parse::<Variant>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant \"three-action\"; use one-action or two-action"
        );
    }

    #[test]
    fn calls_query_uses_the_configured_names_and_escapes_the_id() {
        let fields = GongFields {
            call_object: "Acme__Call__c".into(),
            call_id: "Acme__Id__c".into(),
            title: "Acme__Name__c".into(),
            start: "Acme__Start__c".into(),
            account: "Acme__Account__c".into(),
            ..GongFields::default()
        };
        assert_eq!(
            latest_calls_soql(&fields, "001A", 2),
            "SELECT Acme__Id__c, Acme__Name__c, Acme__Start__c FROM Acme__Call__c \
             WHERE Acme__Account__c = '001A' ORDER BY Acme__Start__c DESC LIMIT 2"
        );
        assert!(
            latest_calls_soql(&GongFields::default(), "x' OR Name != '", 2)
                .contains("= 'x\\' OR Name != \\''")
        );
    }
}

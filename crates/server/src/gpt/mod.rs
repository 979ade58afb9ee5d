//! What a ChatGPT admin needs to build the GPT: the seed's Salesforce action document
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

/// The Gong for Salesforce managed package's API names the instructions and examples use.
///
/// They differ between package versions, so they are settings; the defaults are the current
/// package's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GongNames {
    /// The call object, e.g. `Gong__Gong_Call__c`.
    pub object: String,
    /// The field holding the Gong call id, e.g. `Gong__Call_ID__c`.
    pub call_id: String,
    /// The call title field, e.g. `Gong__Title__c`.
    pub title: String,
    /// The call start date-time field, e.g. `Gong__Call_Start__c`.
    pub start: String,
    /// The lookup to the call's account, e.g. `Gong__Primary_Account__c`.
    pub account: String,
}

impl Default for GongNames {
    fn default() -> Self {
        Self {
            object: "Gong__Gong_Call__c".into(),
            call_id: "Gong__Call_ID__c".into(),
            title: "Gong__Title__c".into(),
            start: "Gong__Call_Start__c".into(),
            account: "Gong__Primary_Account__c".into(),
        }
    }
}

impl GongNames {
    /// The seed's query for an account's newest calls, with `account_id` as the account literal
    /// (the caller passes an already-escaped id or a stand-in the instructions explain).
    pub fn latest_calls_soql(&self, account_id: &str, limit: usize) -> String {
        format!(
            "SELECT {id}, {title}, {start} FROM {object} WHERE {account} = '{account_id}' \
             ORDER BY {start} DESC LIMIT {limit}",
            id = self.call_id,
            title = self.title,
            start = self.start,
            object = self.object,
            account = self.account,
        )
    }
}

/// The sales methodology the write-up follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Methodology {
    /// Metrics, Economic Buyer, Decision Criteria, Decision Process, Paper Process, Identify
    /// Pain, Champion, (Competition): the seed's default.
    #[default]
    Medpicc,
    /// Situation, Pain, Impact, Critical Event, Decision.
    Spiced,
}

impl Methodology {
    /// Every methodology, in the order they are listed to people.
    pub const ALL: [Methodology; 2] = [Methodology::Medpicc, Methodology::Spiced];

    /// The lowercase name used in query strings and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            Methodology::Medpicc => "medpicc",
            Methodology::Spiced => "spiced",
        }
    }

    /// The name as people write it.
    pub fn display_name(self) -> &'static str {
        match self {
            Methodology::Medpicc => "MEDPICC",
            Methodology::Spiced => "SPICED",
        }
    }
}

impl fmt::Display for Methodology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that names no known methodology or variant; the message lists the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {given:?} is not known; use one of: {accepted}")]
pub struct UnknownChoice {
    /// What was being chosen (`methodology`, `variant`).
    pub what: &'static str,
    /// The value given.
    pub given: String,
    /// The accepted values, comma-separated.
    pub accepted: String,
}

impl FromStr for Methodology {
    type Err = UnknownChoice;

    /// Case-insensitive, surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownChoice {
                what: "methodology",
                given: s.to_owned(),
                accepted: Self::ALL.map(Methodology::as_str).join(", "),
            })
    }
}

/// How the GPT is put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// Recommended: callbrief's own action only (search → confirm → briefing), one call for the
    /// briefing, and the rep's own Salesforce permissions through OAuth.
    #[default]
    OneAction,
    /// The seed's setup: a Salesforce action (SOSL, SOQL) plus callbrief's transcripts action.
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
    type Err = UnknownChoice;

    /// Case-insensitive, surrounding spaces ignored; `one`/`two` are accepted as short forms.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        match wanted.as_str() {
            "one-action" | "one" => Ok(Variant::OneAction),
            "two-action" | "two" => Ok(Variant::TwoAction),
            _ => Err(UnknownChoice {
                what: "variant",
                given: s.to_owned(),
                accepted: Self::ALL.map(Variant::as_str).join(", "),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_case_insensitively_and_round_trip() {
        for m in Methodology::ALL {
            assert_eq!(m.as_str().parse::<Methodology>(), Ok(m));
            assert_eq!(m.display_name().parse::<Methodology>(), Ok(m));
        }
        for v in Variant::ALL {
            assert_eq!(v.as_str().parse::<Variant>(), Ok(v));
            assert_eq!(v.as_str().to_uppercase().parse::<Variant>(), Ok(v));
        }
        assert_eq!(" spiced ".parse::<Methodology>(), Ok(Methodology::Spiced));
    }

    #[test]
    fn unknown_choices_name_the_accepted_values() {
        let err = "bant".parse::<Methodology>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "methodology \"bant\" is not known; use one of: medpicc, spiced"
        );
        let err = "three-action".parse::<Variant>().unwrap_err();
        assert!(err.to_string().contains("one-action, two-action"));
    }

    #[test]
    fn latest_calls_query_uses_the_configured_names() {
        let names = GongNames {
            object: "Acme__Call__c".into(),
            call_id: "Acme__Id__c".into(),
            title: "Acme__Name__c".into(),
            start: "Acme__Start__c".into(),
            account: "Acme__Account__c".into(),
        };
        assert_eq!(
            names.latest_calls_soql("001A", 2),
            "SELECT Acme__Id__c, Acme__Name__c, Acme__Start__c FROM Acme__Call__c \
             WHERE Acme__Account__c = '001A' ORDER BY Acme__Start__c DESC LIMIT 2"
        );
    }
}

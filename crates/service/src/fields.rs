//! [`GongFields`]: the API names of the Gong managed package's call object and fields.
//!
//! The "Gong for Salesforce" package has renamed fields between versions, and some orgs
//! install it under another namespace, so every name callbrief puts into SOQL is a setting.
//! They are identifiers, not values: they cannot be escaped like literals, so they are checked
//! against Salesforce's API-name shape before any query is built from them.

use serde::{Deserialize, Serialize};

use crate::error::ServiceError;

/// Object and field API names of the Gong call object (`Gong__Gong_Call__c`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GongFields {
    /// The call object (`CALLBRIEF_GONG_CALL_OBJECT`), default `Gong__Gong_Call__c`.
    pub call_object: String,
    /// The Gong call id field (`CALLBRIEF_GONG_CALL_ID_FIELD`), default `Gong__Call_ID__c`.
    pub call_id: String,
    /// The call title field (`CALLBRIEF_GONG_TITLE_FIELD`), default `Gong__Title__c`.
    pub title: String,
    /// The call start datetime field (`CALLBRIEF_GONG_START_FIELD`), default `Gong__Call_Start__c`.
    pub start: String,
    /// The duration-in-seconds field (`CALLBRIEF_GONG_DURATION_FIELD`), default `Gong__Call_Duration_sec__c`.
    pub duration: String,
    /// The lookup to the call's account (`CALLBRIEF_GONG_ACCOUNT_FIELD`), default `Gong__Primary_Account__c`.
    pub account: String,
    /// The link to the call in Gong (`CALLBRIEF_GONG_URL_FIELD`), default `Gong__View_call__c`.
    pub url: String,
    /// The lookup to the call's opportunity (`CALLBRIEF_GONG_OPPORTUNITY_FIELD`), default
    /// `Gong__Primary_Opportunity__c`. A call with one is readable only by those who can see it.
    pub opportunity: String,
}

/// Default call object.
pub const DEFAULT_CALL_OBJECT: &str = "Gong__Gong_Call__c";
/// Default Gong call id field.
pub const DEFAULT_CALL_ID_FIELD: &str = "Gong__Call_ID__c";
/// Default title field.
pub const DEFAULT_TITLE_FIELD: &str = "Gong__Title__c";
/// Default start field.
pub const DEFAULT_START_FIELD: &str = "Gong__Call_Start__c";
/// Default duration field.
pub const DEFAULT_DURATION_FIELD: &str = "Gong__Call_Duration_sec__c";
/// Default account lookup field.
pub const DEFAULT_ACCOUNT_FIELD: &str = "Gong__Primary_Account__c";
/// Default Gong link field.
pub const DEFAULT_URL_FIELD: &str = "Gong__View_call__c";
/// Default opportunity lookup field.
pub const DEFAULT_OPPORTUNITY_FIELD: &str = "Gong__Primary_Opportunity__c";

impl Default for GongFields {
    fn default() -> Self {
        Self {
            call_object: DEFAULT_CALL_OBJECT.into(),
            call_id: DEFAULT_CALL_ID_FIELD.into(),
            title: DEFAULT_TITLE_FIELD.into(),
            start: DEFAULT_START_FIELD.into(),
            duration: DEFAULT_DURATION_FIELD.into(),
            account: DEFAULT_ACCOUNT_FIELD.into(),
            url: DEFAULT_URL_FIELD.into(),
            opportunity: DEFAULT_OPPORTUNITY_FIELD.into(),
        }
    }
}

impl GongFields {
    /// Each setting's name (as its environment variable) and value, for checks and messages.
    pub fn named(&self) -> [(&'static str, &str); 8] {
        [
            ("CALLBRIEF_GONG_CALL_OBJECT", &self.call_object),
            ("CALLBRIEF_GONG_CALL_ID_FIELD", &self.call_id),
            ("CALLBRIEF_GONG_TITLE_FIELD", &self.title),
            ("CALLBRIEF_GONG_START_FIELD", &self.start),
            ("CALLBRIEF_GONG_DURATION_FIELD", &self.duration),
            ("CALLBRIEF_GONG_ACCOUNT_FIELD", &self.account),
            ("CALLBRIEF_GONG_URL_FIELD", &self.url),
            ("CALLBRIEF_GONG_OPPORTUNITY_FIELD", &self.opportunity),
        ]
    }

    /// Checks that every name is a Salesforce API name (a letter, then letters, digits and
    /// underscores, at most 80 characters), so none can carry SOQL of its own.
    pub fn validate(&self) -> Result<(), ServiceError> {
        for (setting, value) in self.named() {
            if !is_api_name(value) {
                return Err(ServiceError::NotConfigured {
                    message: format!(
                        "{setting} must be a Salesforce API name (letters, digits and underscores, \
                         starting with a letter), got {value:?}"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Whether `s` has the shape of a Salesforce object or field API name.
pub fn is_api_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= 80
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_managed_package_names_and_valid() {
        let f = GongFields::default();
        assert_eq!(f.call_object, "Gong__Gong_Call__c");
        assert_eq!(f.account, "Gong__Primary_Account__c");
        assert!(f.validate().is_ok());
    }

    #[test]
    fn names_that_could_carry_soql_are_refused() {
        for bad in [
            "",
            "Gong__Title__c, (SELECT Id FROM Contacts)",
            "Name FROM User --",
            "1abc",
            "_x",
            "a b",
            "Owner.Name",
            &"a".repeat(81),
        ] {
            let f = GongFields {
                title: bad.to_string(),
                ..GongFields::default()
            };
            let err = f.validate().unwrap_err();
            assert!(
                err.to_string().contains("CALLBRIEF_GONG_TITLE_FIELD"),
                "{bad:?}: {err}"
            );
        }
        assert!(is_api_name("ns__Call_Start_Time__c"));
    }
}

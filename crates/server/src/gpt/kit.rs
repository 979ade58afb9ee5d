//! [`Kit`]: the GPT setup kit's inputs, taken from the server's settings and checked once, so
//! the route and the CLI print the same documents from the same values.

use crate::config::SalesforceSettings;

use super::guide::{guide, GuideSettings};
use super::salesforce_action::{self, ActionSettings};
use super::{GongFields, Methodology, Variant};

/// Why the kit cannot be generated: a setting it needs is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KitError {
    /// Without the instance URL there is no Salesforce to point the GPT at.
    #[error(
        "Salesforce is not configured: set SALESFORCE_INSTANCE_URL (e.g. \
         https://acme.my.salesforce.com) to generate the GPT setup and the Salesforce action"
    )]
    NoInstanceUrl,
}

/// Everything the setup guide and the Salesforce action document are generated from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kit {
    public_url: String,
    instance_url: String,
    login_url: String,
    api_version: String,
    gong: GongFields,
}

impl Kit {
    /// The kit for callbrief reachable at `public_url`, with these Salesforce settings and Gong
    /// API names. Fails when no Salesforce instance URL is configured.
    pub fn new(
        public_url: &str,
        salesforce: &SalesforceSettings,
        gong: GongFields,
    ) -> Result<Kit, KitError> {
        let instance = salesforce
            .instance_url
            .as_ref()
            .ok_or(KitError::NoInstanceUrl)?;
        let login = salesforce.effective_login_url().unwrap_or(instance);
        Ok(Kit {
            public_url: public_url.trim_end_matches('/').to_owned(),
            instance_url: instance.as_str().trim_end_matches('/').to_owned(),
            login_url: login.as_str().trim_end_matches('/').to_owned(),
            api_version: salesforce_action::api_version_path(&salesforce.api_version),
            gong,
        })
    }

    /// The setup guide (Markdown) for one variant and methodology.
    pub fn guide(&self, variant: Variant, methodology: Methodology) -> String {
        guide(
            &GuideSettings {
                public_url: &self.public_url,
                salesforce_instance_url: &self.instance_url,
                salesforce_login_url: &self.login_url,
                salesforce_api_version: &self.api_version,
                gong: &self.gong,
            },
            variant,
            methodology,
        )
    }

    /// The Salesforce action's OpenAPI document, as pretty JSON.
    pub fn salesforce_action_json(&self) -> String {
        salesforce_action::document_json(&ActionSettings {
            instance_url: &self.instance_url,
            api_version: &self.api_version,
            login_url: &self.login_url,
            gong: &self.gong,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn salesforce(instance: Option<&str>, login: Option<&str>) -> SalesforceSettings {
        SalesforceSettings {
            instance_url: instance.map(|u| Url::parse(u).unwrap()),
            login_url: login.map(|u| Url::parse(u).unwrap()),
            api_version: "64.0".into(),
            ..SalesforceSettings::default()
        }
    }

    #[test]
    fn no_instance_url_is_an_error_naming_the_setting() {
        let err = Kit::new(
            "https://cb.example.com",
            &salesforce(None, Some("https://login.salesforce.com")),
            GongFields::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("SALESFORCE_INSTANCE_URL"));
    }

    #[test]
    fn login_url_defaults_to_the_instance_and_urls_are_trimmed() {
        let kit = Kit::new(
            "https://cb.example.com/",
            &salesforce(Some("https://acme.my.salesforce.com/"), None),
            GongFields::default(),
        )
        .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&kit.salesforce_action_json()).unwrap();
        assert_eq!(
            doc["servers"][0]["url"],
            "https://acme.my.salesforce.com/services/data/v64.0"
        );
        let flow =
            &doc["components"]["securitySchemes"]["salesforceOAuth"]["flows"]["authorizationCode"];
        assert_eq!(
            flow["authorizationUrl"],
            "https://acme.my.salesforce.com/services/oauth2/authorize"
        );
        let guide = kit.guide(Variant::OneAction, Methodology::Medpicc);
        assert!(guide.contains("`https://cb.example.com/oauth/authorize`"));
        assert!(!guide.contains("https://cb.example.com//"));
    }

    #[test]
    fn a_separate_login_url_is_used_for_oauth() {
        let kit = Kit::new(
            "https://cb.example.com",
            &salesforce(
                Some("https://acme.my.salesforce.com"),
                Some("https://login.salesforce.com"),
            ),
            GongFields::default(),
        )
        .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&kit.salesforce_action_json()).unwrap();
        let flow =
            &doc["components"]["securitySchemes"]["salesforceOAuth"]["flows"]["authorizationCode"];
        assert_eq!(
            flow["tokenUrl"],
            "https://login.salesforce.com/services/oauth2/token"
        );
    }
}

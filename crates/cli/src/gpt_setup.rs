//! `callbrief gpt-setup`: prints the GPT setup guide (Instructions, schema URLs, auth settings,
//! callback URL) from the same settings `serve` reads, exactly as `GET /gpt/instructions` serves it.

use clap::Args;
use server::config::{AddressArgs, GongFieldsArgs, SalesforceArgs};
use server::gpt::{Kit, Methodology, Variant};

/// `callbrief gpt-setup`.
#[derive(Debug, Args)]
pub struct GptSetupArgs {
    /// Sales methodology the briefing is written in: medpicc or spiced.
    #[arg(long, default_value = "medpicc")]
    pub methodology: Methodology,

    /// one-action (recommended: callbrief's own action with Salesforce OAuth) or two-action
    /// (the original Salesforce action plus callbrief's transcripts action).
    #[arg(long, default_value = "one-action")]
    pub variant: Variant,

    #[command(flatten)]
    pub address: AddressArgs,

    #[command(flatten)]
    pub salesforce: SalesforceArgs,

    #[command(flatten)]
    pub gong_fields: GongFieldsArgs,
}

impl GptSetupArgs {
    /// The guide as Markdown; fails when Salesforce is not configured.
    pub fn guide(&self) -> anyhow::Result<String> {
        let kit = Kit::new(
            &self.address.server_url(),
            &self.salesforce.to_settings()?,
            self.gong_fields.to_fields()?,
        )?;
        Ok(kit.guide(self.variant, self.methodology))
    }

    /// What is likely wrong with the settings the guide is written from: ChatGPT reaches
    /// callbrief only at a public HTTPS URL, and the guide writes that URL everywhere.
    pub fn warnings(&self) -> Vec<String> {
        match &self.address.public_url {
            None => vec![format!(
                "CALLBRIEF_PUBLIC_URL is not set: the guide names {}, which ChatGPT cannot reach. \
                 Set CALLBRIEF_PUBLIC_URL (or --public-url) to callbrief's public HTTPS URL.",
                self.address.server_url()
            )],
            Some(url) if url.scheme() != "https" => vec![format!(
                "CALLBRIEF_PUBLIC_URL is {url}, not https: ChatGPT calls actions and OAuth only \
                 over HTTPS on port 443 with a public certificate."
            )],
            Some(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn guide(flags: &[&str]) -> anyhow::Result<String> {
        let mut argv = vec!["callbrief", "gpt-setup"];
        argv.extend_from_slice(flags);
        match Cli::try_parse_from(argv)?.command {
            Command::GptSetup(args) => args.guide(),
            _ => anyhow::bail!("not gpt-setup"),
        }
    }

    fn warnings(flags: &[&str]) -> Vec<String> {
        let mut argv = vec!["callbrief", "gpt-setup"];
        argv.extend_from_slice(flags);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::GptSetup(args) => args.warnings(),
            _ => unreachable!("gpt-setup parses as gpt-setup"),
        }
    }

    #[test]
    fn a_missing_or_plain_http_public_url_is_warned_about() {
        let unset = warnings(&["--addr", "127.0.0.1:8080"]);
        assert_eq!(unset.len(), 1);
        assert!(
            unset[0].contains("CALLBRIEF_PUBLIC_URL is not set"),
            "{unset:?}"
        );
        assert!(unset[0].contains("http://127.0.0.1:8080"), "{unset:?}");
        let plain = warnings(&["--public-url", "http://cb.example.com"]);
        assert!(plain[0].contains("not https"), "{plain:?}");
        assert!(warnings(&["--public-url", "https://cb.example.com"]).is_empty());
    }

    #[test]
    fn flags_pick_the_variant_and_methodology() {
        let text = guide(&[
            "--salesforce-instance-url",
            "https://acme.my.salesforce.com",
            "--public-url",
            "https://cb.example.com",
            "--variant",
            "two-action",
            "--methodology",
            "spiced",
        ])
        .unwrap();
        assert!(text.starts_with("# callbrief GPT setup: two actions"));
        assert!(text.contains("**SPICED**"));
        assert!(text.contains("https://cb.example.com/openapi/salesforce.json"));
    }

    #[test]
    fn configured_gong_names_are_written_in_and_checked() {
        let text = guide(&[
            "--salesforce-instance-url",
            "https://acme.my.salesforce.com",
            "--variant",
            "two-action",
            "--gong-call-object",
            "Conv__Call__c",
            "--gong-account-field",
            "Conv__Account__c",
        ])
        .unwrap();
        assert!(text.contains("FROM Conv__Call__c WHERE Conv__Account__c = 'ACCOUNT_ID'"));
        let err = guide(&[
            "--salesforce-instance-url",
            "https://acme.my.salesforce.com",
            "--gong-title-field",
            "Name FROM User --",
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("CALLBRIEF_GONG_TITLE_FIELD"), "{err}");
    }

    #[test]
    fn unknown_values_are_errors() {
        let err = guide(&["--methodology", "bant"]).unwrap_err().to_string();
        assert!(err.contains("use medpicc or spiced"), "{err}");
        let err = guide(&["--variant", "three"]).unwrap_err().to_string();
        assert!(err.contains("use one-action or two-action"), "{err}");
    }
}

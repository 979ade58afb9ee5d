//! Flags of the briefing service shared by `serve` and `briefing`: the Gong managed package's
//! object and field API names, and how callers authenticate.

use clap::{Args, ValueEnum};
use server::config::AuthMode;
use service::fields::{
    DEFAULT_ACCOUNT_FIELD, DEFAULT_CALL_ID_FIELD, DEFAULT_CALL_OBJECT, DEFAULT_DURATION_FIELD,
    DEFAULT_START_FIELD, DEFAULT_TITLE_FIELD, DEFAULT_URL_FIELD,
};
use service::GongFields;

/// API names of the Gong call object and fields in Salesforce; they differ between versions of
/// the Gong managed package, so each is a setting.
#[derive(Debug, Clone, Args)]
pub struct GongFieldsArgs {
    /// The Gong call object.
    #[arg(long, env = "CALLBRIEF_GONG_CALL_OBJECT", default_value = DEFAULT_CALL_OBJECT)]
    pub gong_call_object: String,

    /// The field holding the Gong call id.
    #[arg(long, env = "CALLBRIEF_GONG_CALL_ID_FIELD", default_value = DEFAULT_CALL_ID_FIELD)]
    pub gong_call_id_field: String,

    /// The call title field.
    #[arg(long, env = "CALLBRIEF_GONG_TITLE_FIELD", default_value = DEFAULT_TITLE_FIELD)]
    pub gong_title_field: String,

    /// The call start date-time field.
    #[arg(long, env = "CALLBRIEF_GONG_START_FIELD", default_value = DEFAULT_START_FIELD)]
    pub gong_start_field: String,

    /// The call duration field (seconds).
    #[arg(long, env = "CALLBRIEF_GONG_DURATION_FIELD", default_value = DEFAULT_DURATION_FIELD)]
    pub gong_duration_field: String,

    /// The lookup from a call to its account.
    #[arg(long, env = "CALLBRIEF_GONG_ACCOUNT_FIELD", default_value = DEFAULT_ACCOUNT_FIELD)]
    pub gong_account_field: String,

    /// The field holding the link to the call in Gong.
    #[arg(long, env = "CALLBRIEF_GONG_URL_FIELD", default_value = DEFAULT_URL_FIELD)]
    pub gong_url_field: String,
}

impl GongFieldsArgs {
    /// The names as the service takes them, checked to be API names.
    pub fn to_fields(&self) -> anyhow::Result<GongFields> {
        let fields = GongFields {
            call_object: self.gong_call_object.trim().to_owned(),
            call_id: self.gong_call_id_field.trim().to_owned(),
            title: self.gong_title_field.trim().to_owned(),
            start: self.gong_start_field.trim().to_owned(),
            duration: self.gong_duration_field.trim().to_owned(),
            account: self.gong_account_field.trim().to_owned(),
            url: self.gong_url_field.trim().to_owned(),
        };
        fields.validate()?;
        Ok(fields)
    }
}

/// `--auth` / `CALLBRIEF_AUTH` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// callbrief API keys (CALLBRIEF_API_KEYS); Salesforce through the service credentials.
    ApiKey,
    /// Each caller's own Salesforce access token (Salesforce OAuth in the GPT); every query runs as them.
    Salesforce,
}

impl From<AuthArg> for AuthMode {
    fn from(arg: AuthArg) -> Self {
        match arg {
            AuthArg::ApiKey => AuthMode::ApiKey,
            AuthArg::Salesforce => AuthMode::Salesforce,
        }
    }
}

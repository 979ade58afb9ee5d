//! The GPT setup guide: everything an admin enters in ChatGPT's GPT builder and in the
//! Salesforce External Client App, as Markdown, generated from the server's settings.
//!
//! Served at `GET /gpt/instructions` and printed by `callbrief gpt-setup`. Every URL and API
//! name is filled in from the settings; the one placeholder left is the GPT's id in the OAuth
//! callback URL, which only the GPT builder knows.

use url::Url;

use super::instructions::instructions;
use super::salesforce_action::{self, api_version_path, rest_base_url};
use super::{GongFields, Methodology, Variant};

/// The OAuth scope to enter for every OAuth action: REST access plus a refresh token.
pub const OAUTH_SCOPE: &str = "api refresh_token";
/// The callback URL ChatGPT uses for an action's OAuth; the GPT id is only known in the builder.
pub const CALLBACK_URL_TEMPLATE: &str = "https://chatgpt.com/aip/<your GPT id>/oauth/callback";
/// Callback URL of GPTs created before the move to chatgpt.com.
pub const LEGACY_CALLBACK_URL_TEMPLATE: &str =
    "https://chat.openai.com/aip/<your GPT id>/oauth/callback";
/// Path of callbrief's action document (relative to the public URL).
pub const OPENAPI_PATH: &str = "/openapi.json";
/// Path of the Salesforce action document (relative to the public URL).
pub const SALESFORCE_OPENAPI_PATH: &str = "/openapi/salesforce.json";
/// callbrief's OAuth front for Salesforce's authorize endpoint (same domain as the action).
pub const OAUTH_AUTHORIZE_PATH: &str = crate::oauth::paths::AUTHORIZE_PATH;
/// callbrief's OAuth front for Salesforce's token endpoint.
pub const OAUTH_TOKEN_PATH: &str = crate::oauth::paths::TOKEN_PATH;

/// What the guide is generated from.
#[derive(Debug, Clone, Copy)]
pub struct GuideSettings<'a> {
    /// Where ChatGPT reaches callbrief (`CALLBRIEF_PUBLIC_URL`).
    pub public_url: &'a str,
    /// `SALESFORCE_INSTANCE_URL`.
    pub salesforce_instance_url: &'a str,
    /// `SALESFORCE_LOGIN_URL`.
    pub salesforce_login_url: &'a str,
    /// `SALESFORCE_API_VERSION`.
    pub salesforce_api_version: &'a str,
    /// The Gong package's API names.
    pub gong: &'a GongFields,
}

impl GuideSettings<'_> {
    fn public(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

/// The whole guide for one variant and methodology, as Markdown.
pub fn guide(settings: &GuideSettings<'_>, variant: Variant, methodology: Methodology) -> String {
    let mut out = String::new();
    let title = match variant {
        Variant::OneAction => "one action (recommended)",
        Variant::TwoAction => "two actions (the original setup)",
    };
    out.push_str(&format!(
        "# callbrief GPT setup: {title}, {}\n\n",
        methodology.title()
    ));
    out.push_str(&format!(
        "Generated from this server's settings: callbrief at {}, Salesforce at {} \
         (sign-in at {}, API {}), Gong calls in {}.\n",
        settings.public_url.trim_end_matches('/'),
        settings.salesforce_instance_url.trim_end_matches('/'),
        settings.salesforce_login_url.trim_end_matches('/'),
        api_version_path(settings.salesforce_api_version),
        settings.gong.call_object,
    ));
    let other_variant = match variant {
        Variant::OneAction => Variant::TwoAction,
        Variant::TwoAction => Variant::OneAction,
    };
    let other_methodology = match methodology {
        Methodology::Medpicc => Methodology::Spiced,
        Methodology::Spiced => Methodology::Medpicc,
    };
    out.push_str(&format!(
        "Other versions: `?variant={other_variant}` (`callbrief gpt-setup --variant \
         {other_variant}`) for {}; `?methodology={other_methodology}` (`--methodology \
         {other_methodology}`) for {}.\n\n",
        variant_name(other_variant),
        other_methodology.title(),
    ));

    out.push_str(
        "## 1. Create the GPT\n\n\
         In ChatGPT: Explore GPTs → Create → Configure. Give it a name (for example \"Meeting \
         prep\") and paste this into **Instructions**:\n\n",
    );
    out.push_str("```text\n");
    out.push_str(&instructions(variant, methodology, settings.gong));
    out.push_str("```\n\n");
    out.push_str(
        "Conversation starters:\n\n\
         - Prepare me for my next meeting with Acme\n\
         - What did we learn in the last two calls with Acme?\n\
         - Which open questions should I raise with Acme next?\n\n",
    );

    match variant {
        Variant::OneAction => one_action_sections(&mut out, settings),
        Variant::TwoAction => two_action_sections(&mut out, settings),
    }
    callback_section(&mut out, settings, variant);
    out
}

fn variant_name(variant: Variant) -> &'static str {
    match variant {
        Variant::OneAction => "the one-action setup (recommended)",
        Variant::TwoAction => "the original two-action setup",
    }
}

fn oauth_table(out: &mut String, authorization_url: &str, token_url: &str, client: &str) {
    out.push_str("| Field | Value |\n|---|---|\n");
    out.push_str(&format!(
        "| Client ID | {client}: its Consumer Key |\n\
         | Client Secret | its Consumer Secret |\n\
         | Authorization URL | `{authorization_url}` |\n\
         | Token URL | `{token_url}` |\n\
         | Scope | `{OAUTH_SCOPE}` |\n\
         | Token Exchange Method | Default (POST request) |\n\n"
    ));
}

/// The OAuth fields for callbrief's own authorization server (`CALLBRIEF_OAUTH=server`).
fn server_oauth_table(out: &mut String, authorization_url: &str, token_url: &str) {
    out.push_str("| Field | Value |\n|---|---|\n");
    out.push_str(&format!(
        "| Client ID | the `client_id` printed by `callbrief oauth-client create` |\n\
         | Client Secret | the `client_secret` it printed |\n\
         | Authorization URL | `{authorization_url}` |\n\
         | Token URL | `{token_url}` |\n\
         | Scope | `{OAUTH_SCOPE}` |\n\
         | Token Exchange Method | Default (POST request) |\n\n"
    ));
}

fn one_action_sections(out: &mut String, settings: &GuideSettings<'_>) {
    out.push_str(&format!(
        "## 2. Add the callbrief action\n\n\
         Actions → Create new action → Import from URL:\n\n    {}\n\n\
         It brings searchAccounts, listAccountCalls, getAccountBriefing and \
         getTranscriptsByCallIds; the Instructions use searchAccounts and getAccountBriefing.\n\n\
         Authentication → **OAuth** (recommended: every rep sees only what Salesforce lets them \
         see). Run the server with `CALLBRIEF_AUTH=salesforce` so each call runs with the \
         rep's own Salesforce permissions. What goes into Client ID and Client Secret depends \
         on `CALLBRIEF_OAUTH`:\n\n\
         **`CALLBRIEF_OAUTH=server` (the default): callbrief is the authorization server.** \
         Reps sign in at Salesforce through the server's External Client App (`SALESFORCE_CLIENT_ID`, \
         `SALESFORCE_CLIENT_SECRET`; add `{}` to its callback URLs), and that app's secret \
         never reaches ChatGPT. Save the action once to learn its callback URL (step 3), then \
         on the server run\n\n    \
         callbrief oauth-client create --name \"Meeting prep GPT\" --redirect-uri {CALLBACK_URL_TEMPLATE} --allow-without-pkce\n\n\
         (`--allow-without-pkce` because GPT actions are reported not to send a PKCE code \
         challenge; the client still needs its secret) and enter what it prints:\n\n",
        settings.public(OPENAPI_PATH),
        settings.public(crate::oauth::paths::CALLBACK_PATH),
    ));
    server_oauth_table(
        out,
        &settings.public(OAUTH_AUTHORIZE_PATH),
        &settings.public(OAUTH_TOKEN_PATH),
    );
    out.push_str(
        "**`CALLBRIEF_OAUTH=proxy`: callbrief passes the sign-in through to Salesforce.** The \
         GPT holds the reps' External Client App's key and secret:\n\n",
    );
    oauth_table(
        out,
        &settings.public(OAUTH_AUTHORIZE_PATH),
        &settings.public(OAUTH_TOKEN_PATH),
        "your Salesforce External Client App",
    );
    out.push_str(&format!(
        "The authorization and token URLs are callbrief's own (ChatGPT requires them on the \
         action's domain); in proxy mode callbrief forwards them to Salesforce at `{}` and `{}`.\n\n\
         In proxy mode, use an External Client App for the GPT that allows only the authorization-code flow (no \
         client credentials or username-password flow), or one that requires no secret: \
         everyone who sets up the GPT sees its key and secret. callbrief's token URL passes \
         only `authorization_code` and `refresh_token`. The server's own service credentials \
         (`SALESFORCE_CLIENT_ID`, `SALESFORCE_CLIENT_SECRET`) belong to a separate External \
         Client App whose secret stays on the server. (An existing Connected App works the same \
         way; new ones need a request to Salesforce Support since Spring '26.)\n\n",
        salesforce_action::authorize_url(settings.salesforce_login_url),
        salesforce_action::token_url(settings.salesforce_login_url),
    ));
    out.push_str(
        "Alternative, without per-rep permissions: Authentication → **API Key**, Auth Type \
         **Bearer**, API Key = one of the server's `CALLBRIEF_API_KEYS`. callbrief then reads \
         Salesforce with its own External Client App credentials (`SALESFORCE_CLIENT_ID`, \
         `SALESFORCE_CLIENT_SECRET`), so everyone using the GPT sees every account that \
         integration user sees. With an API key, skip step 3.\n\n",
    );
}

fn two_action_sections(out: &mut String, settings: &GuideSettings<'_>) {
    out.push_str(&format!(
        "## 2. Add the Salesforce action\n\n\
         Actions → Create new action → Import from URL:\n\n    {}\n\n\
         It calls Salesforce directly at `{}` (executeSOSLSearch, executeSOQLQuery). \
         The GPT finds calls with SOQL on the Gong call object, so this setup needs the Gong \
         package in your org; without it, use the one-action setup, which finds calls in Gong. \
         Authentication → **OAuth**:\n\n",
        settings.public(SALESFORCE_OPENAPI_PATH),
        rest_base_url(
            settings.salesforce_instance_url,
            settings.salesforce_api_version
        ),
    ));
    oauth_table(
        out,
        &salesforce_action::authorize_url(settings.salesforce_login_url),
        &salesforce_action::token_url(settings.salesforce_login_url),
        "your Salesforce External Client App",
    );
    if host(settings.salesforce_login_url) != host(settings.salesforce_instance_url) {
        out.push_str(&format!(
            "Note: ChatGPT wants an action's OAuth URLs on the action's own domain, and the \
             sign-in URL ({}) is not on the instance's domain ({}). Set `SALESFORCE_LOGIN_URL` \
             to your My Domain URL (the instance URL), or use the one-action setup.\n\n",
            host(settings.salesforce_login_url).unwrap_or_default(),
            host(settings.salesforce_instance_url).unwrap_or_default(),
        ));
    }
    out.push_str(&format!(
        "## 3. Add the callbrief action\n\n\
         Actions → Create new action → Import from URL:\n\n    {}\n\n\
         The Instructions use its getTranscriptsByCallIds. Authentication → **API Key**, Auth \
         Type **Bearer**, API Key = one of the server's `CALLBRIEF_API_KEYS`.\n\n",
        settings.public(OPENAPI_PATH),
    ));
}

fn callback_section(out: &mut String, settings: &GuideSettings<'_>, variant: Variant) {
    let step = match variant {
        Variant::OneAction => 3,
        Variant::TwoAction => 4,
    };
    let server_mode = match variant {
        Variant::OneAction => {
            "With `CALLBRIEF_OAUTH=server`, that URL is the `--redirect-uri` of `callbrief \
             oauth-client create` (step 2), and Salesforce's callback is callbrief's own, already \
             added: skip the rest of this step. Otherwise (proxy mode): "
        }
        Variant::TwoAction => "",
    };
    out.push_str(&format!(
        "## {step}. Register the callback URL in Salesforce\n\n\
         After you save the action, the GPT builder shows its callback URL:\n\n    \
         {CALLBACK_URL_TEMPLATE}\n\n\
         `<your GPT id>` (it starts with `g-`) is only known once the GPT exists, so copy the \
         exact URL from the builder (GPTs created on chat.openai.com show \
         `{LEGACY_CALLBACK_URL_TEMPLATE}`). {server_mode}In Salesforce: Setup → External Client App \
         Manager → the reps' app → Edit → OAuth Settings → Callback URL: add that URL (an \
         existing Connected App: Setup → App Manager → the app → Edit). The app needs the OAuth \
         scopes \"Manage user data via APIs (api)\" and \"Perform requests at any time \
         (refresh_token, offline_access)\" and the Authorization Code and Credentials flow. \
         Reps sign in at {}.\n\n",
        settings.salesforce_login_url.trim_end_matches('/'),
    ));
    out.push_str(&format!(
        "## {}. Try it\n\n\
         Ask the GPT \"Prepare me for my next meeting with Acme\": it searches, asks you to \
         confirm the account, then writes the briefing with sources.\n",
        step + 1
    ));
}

/// The host of a URL (lowercase), for comparing domains; `None` when it does not parse.
fn host(url: &str) -> Option<String> {
    Url::parse(url).ok()?.host_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn settings(gong: &GongFields) -> GuideSettings<'_> {
        GuideSettings {
            public_url: "https://callbrief.example.com/",
            salesforce_instance_url: "https://acme.my.salesforce.com",
            salesforce_login_url: "https://acme.my.salesforce.com",
            salesforce_api_version: "v62.0",
            gong,
        }
    }

    /// Every `<...>` in the text.
    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            match after.find('>') {
                Some(end) => {
                    found.insert(after[..end].to_owned());
                    rest = &after[end + 1..];
                }
                None => {
                    found.insert(after.to_owned());
                    break;
                }
            }
        }
        found
    }

    #[test]
    fn snapshots() {
        let gong = GongFields::default();
        for variant in Variant::ALL {
            insta::assert_snapshot!(
                format!("guide_{variant}_medpicc"),
                guide(&settings(&gong), variant, Methodology::Medpicc)
            );
        }
    }

    #[test]
    fn only_the_gpt_id_is_left_as_a_placeholder() {
        let gong = GongFields::default();
        for variant in Variant::ALL {
            for methodology in Methodology::ALL {
                let text = guide(&settings(&gong), variant, methodology);
                let found = placeholders(&text);
                assert_eq!(
                    found,
                    BTreeSet::from(["your GPT id".to_owned()]),
                    "{variant}/{methodology}"
                );
            }
        }
    }

    #[test]
    fn one_action_points_oauth_at_callbriefs_domain() {
        let gong = GongFields::default();
        let text = guide(&settings(&gong), Variant::OneAction, Methodology::Medpicc);
        for needle in [
            "    https://callbrief.example.com/openapi.json\n",
            "| Authorization URL | `https://callbrief.example.com/oauth/authorize` |",
            "| Token URL | `https://callbrief.example.com/oauth/token` |",
            "| Scope | `api refresh_token` |",
            "| Token Exchange Method | Default (POST request) |",
            "Auth Type **Bearer**",
            "CALLBRIEF_AUTH=salesforce",
            "https://chatgpt.com/aip/<your GPT id>/oauth/callback",
            "call searchAccounts",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        assert!(!text.contains("salesforce.json"));
    }

    #[test]
    fn two_action_points_the_salesforce_action_at_salesforce() {
        let gong = GongFields::default();
        let text = guide(&settings(&gong), Variant::TwoAction, Methodology::Spiced);
        for needle in [
            "    https://callbrief.example.com/openapi/salesforce.json\n",
            "`https://acme.my.salesforce.com/services/data/v62.0`",
            "| Authorization URL | `https://acme.my.salesforce.com/services/oauth2/authorize` |",
            "| Token URL | `https://acme.my.salesforce.com/services/oauth2/token` |",
            "    https://callbrief.example.com/openapi.json\n",
            "Auth Type **Bearer**",
            "## 4. Register the callback URL in Salesforce",
            "**SPICED**",
            "FROM Gong__Gong_Call__c WHERE Gong__Primary_Account__c = 'ACCOUNT_ID'",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        assert!(!text.contains("My Domain URL (the instance URL)"));
    }

    #[test]
    fn a_login_url_on_another_domain_is_flagged() {
        let gong = GongFields::default();
        let mut s = settings(&gong);
        s.salesforce_login_url = "https://login.salesforce.com";
        let text = guide(&s, Variant::TwoAction, Methodology::Medpicc);
        assert!(text.contains("(login.salesforce.com) is not on the instance's domain"));
        let one = guide(&s, Variant::OneAction, Methodology::Medpicc);
        assert!(one.contains("`https://login.salesforce.com/services/oauth2/authorize`"));
    }

    #[test]
    fn host_reads_the_host_or_nothing() {
        assert_eq!(
            host("https://A.example.com:8443/x").as_deref(),
            Some("a.example.com")
        );
        assert_eq!(host("not a url"), None);
    }
}

//! Where Salesforce is, which API version to speak, how to authenticate, and the time limits.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// The API version used unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v65.0";

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// A token obtained elsewhere (e.g. a user's token from an OAuth login). It is used as is;
    /// when Salesforce rejects it the call fails with [`SalesforceError::Unauthorized`](crate::SalesforceError::Unauthorized).
    AccessToken(SecretString),
    /// The Connected App's client credentials flow: the client acts as the app's integration user.
    ClientCredentials {
        /// Consumer key.
        client_id: String,
        /// Consumer secret.
        client_secret: SecretString,
    },
    /// The JWT bearer flow: an assertion signed with a private key whose certificate the app
    /// holds, for `username` (pre-authorized by an admin); no shared secret.
    JwtBearer {
        /// Consumer key.
        client_id: String,
        /// The integration user's username.
        username: String,
        /// The assertion's audience: [`crate::jwt_bearer::default_audience`] of the login URL.
        audience: String,
        /// The private key.
        signer: std::sync::Arc<crate::jwt_bearer::JwtSigner>,
    },
    /// The username-password flow, for tools and tests.
    Password {
        /// Consumer key.
        client_id: String,
        /// Consumer secret.
        client_secret: SecretString,
        /// Salesforce username.
        username: String,
        /// Password (with the security token appended where the org requires one).
        password: SecretString,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never appear in debug output.
        match self {
            Credentials::AccessToken(_) => f.write_str("AccessToken(..)"),
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
            Credentials::JwtBearer {
                client_id,
                username,
                audience,
                ..
            } => f
                .debug_struct("JwtBearer")
                .field("client_id", client_id)
                .field("username", username)
                .field("audience", audience)
                .finish_non_exhaustive(),
            Credentials::Password {
                client_id,
                username,
                ..
            } => f
                .debug_struct("Password")
                .field("client_id", client_id)
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

/// Everything the client needs; every limit is a named setting with a documented default.
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// The org's instance (My Domain) URL, e.g. `https://acme.my.salesforce.com`. A token
    /// response's `instance_url` takes precedence for tokens the client obtains itself.
    pub instance_url: Url,
    /// REST API version, `vNN.0` (a bare `NN.0` is accepted too). Default [`DEFAULT_API_VERSION`].
    pub api_version: String,
    /// Where `/services/oauth2/token` lives (login.salesforce.com, test.salesforce.com or the
    /// My Domain URL). Default: the instance URL.
    pub login_url: Url,
    /// How to authenticate.
    pub credentials: Credentials,
    /// Time limit of one HTTP request: 10 s.
    pub request_timeout: Duration,
    /// Time limit of one whole operation (all pages and a token refresh): 30 s, under
    /// ChatGPT's 45 s action limit.
    pub deadline: Duration,
}

impl SalesforceConfig {
    /// A configuration with the defaults above.
    pub fn new(instance_url: Url, credentials: Credentials) -> SalesforceConfig {
        SalesforceConfig {
            login_url: instance_url.clone(),
            instance_url,
            api_version: DEFAULT_API_VERSION.to_string(),
            credentials,
            request_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
        }
    }
}

/// `vNN.M` from `vNN.M` or `NN.M`; `None` when it is not a version.
pub fn normalize_version(v: &str) -> Option<String> {
    let v = v.trim();
    let bare = v.strip_prefix('v').unwrap_or(v);
    let (major, minor) = bare.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| format!("v{bare}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_normalized() {
        assert_eq!(normalize_version("62.0").as_deref(), Some("v62.0"));
        assert_eq!(normalize_version("v59.0").as_deref(), Some("v59.0"));
        assert_eq!(normalize_version("latest"), None);
        assert_eq!(normalize_version("v62"), None);
        assert_eq!(normalize_version("v6x.0"), None);
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials::Password {
            client_id: "id".into(),
            client_secret: SecretString::from("s3cret"),
            username: "u@x.com".into(),
            password: SecretString::from("hunter2"),
        };
        let text = format!("{c:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(text.contains("u@x.com"));
        let text = format!(
            "{:?}",
            Credentials::AccessToken(SecretString::from("00D!tok"))
        );
        assert!(!text.contains("tok"));
    }
}

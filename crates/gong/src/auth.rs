//! The `Authorization` header, built once from [`GongAuth`] and marked sensitive so that neither
//! reqwest's debug output nor any log ever shows it.

use base64::Engine as _;
use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;

use crate::{GongAuth, GongError};

/// Builds the header value for `auth`. Values pasted with their scheme (`Basic xyz`, `Bearer xyz`)
/// are accepted as-is rather than doubled; surrounding whitespace (a trailing newline in an
/// environment file) is dropped. Errors never contain the secret.
pub(crate) fn header_value(auth: &GongAuth) -> Result<HeaderValue, GongError> {
    let value = match auth {
        GongAuth::Basic {
            access_key,
            access_key_secret,
        } => {
            let key = access_key.trim();
            let secret = access_key_secret.expose_secret().trim();
            if key.is_empty() || secret.is_empty() {
                return Err(GongError::Config(
                    "Gong access key and access key secret must both be set".into(),
                ));
            }
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
            format!("Basic {encoded}")
        }
        GongAuth::Encoded(value) => with_scheme("Basic", value.expose_secret(), "GONG_API_KEY")?,
        GongAuth::Bearer(token) => {
            with_scheme("Bearer", token.expose_secret(), "Gong bearer token")?
        }
    };
    let mut header = HeaderValue::from_str(&value).map_err(|_| {
        GongError::Config(
            "Gong credentials contain characters not allowed in an HTTP header".into(),
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// `"<scheme> <value>"`, unless `value` already starts with the scheme.
fn with_scheme(scheme: &str, value: &str, what: &str) -> Result<String, GongError> {
    let value = value.trim();
    let bare = match value.get(..scheme.len() + 1) {
        Some(prefix) if prefix.eq_ignore_ascii_case(&format!("{scheme} ")) => {
            value[scheme.len() + 1..].trim_start()
        }
        _ => value,
    };
    if bare.is_empty() {
        return Err(GongError::Config(format!("{what} is empty")));
    }
    Ok(format!("{scheme} {bare}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn header(auth: GongAuth) -> String {
        let value = header_value(&auth).unwrap();
        assert!(value.is_sensitive());
        value.to_str().unwrap().to_owned()
    }

    #[test]
    fn basic_is_base64_of_key_colon_secret() {
        let auth = GongAuth::Basic {
            access_key: "demo-access-key".into(),
            access_key_secret: SecretString::from("demo-access-key-secret"),
        };
        // printf 'demo-access-key:demo-access-key-secret' | base64
        assert_eq!(
            header(auth),
            "Basic ZGVtby1hY2Nlc3Mta2V5OmRlbW8tYWNjZXNzLWtleS1zZWNyZXQ="
        );
    }

    #[test]
    fn encoded_key_is_sent_as_is_after_basic() {
        assert_eq!(
            header(GongAuth::Encoded(SecretString::from("abc123==\n"))),
            "Basic abc123=="
        );
        assert_eq!(
            header(GongAuth::Encoded(SecretString::from("basic abc123=="))),
            "Basic abc123=="
        );
    }

    #[test]
    fn bearer_token_is_prefixed_once() {
        assert_eq!(
            header(GongAuth::Bearer(SecretString::from("tok"))),
            "Bearer tok"
        );
        assert_eq!(
            header(GongAuth::Bearer(SecretString::from("Bearer tok"))),
            "Bearer tok"
        );
    }

    #[test]
    fn unusable_credentials_are_config_errors_without_the_secret() {
        let empty = GongAuth::Basic {
            access_key: "k".into(),
            access_key_secret: SecretString::from(" "),
        };
        assert!(matches!(header_value(&empty), Err(GongError::Config(_))));
        assert!(matches!(
            header_value(&GongAuth::Bearer(SecretString::from(""))),
            Err(GongError::Config(_))
        ));
        let bad = GongAuth::Bearer(SecretString::from("se\u{7f}cret-value"));
        match header_value(&bad) {
            Err(GongError::Config(msg)) => assert!(!msg.contains("cret-value")),
            other => panic!("expected Config error, got {other:?}"),
        }
    }
}

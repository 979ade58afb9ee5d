//! The demo's one HTTP helper: every step sends its request and reads the answer through
//! [`read`], so status checks and error wording are the same everywhere.

use anyhow::Context;
use serde::de::DeserializeOwned;

/// An answer read whole: its status and its text (kept for sizes and for printing).
pub struct Answer {
    /// The HTTP status.
    pub status: reqwest::StatusCode,
    /// The body as text.
    pub text: String,
}

impl Answer {
    /// The body as `T`, naming `what` when it is not.
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> anyhow::Result<T> {
        serde_json::from_str(&self.text)
            .with_context(|| format!("the answer to {what} is not the expected JSON"))
    }
}

/// Reads the answer to a sent request; anything but a 2xx is an error naming `what`.
pub async fn read(sent: reqwest::Result<reqwest::Response>, what: &str) -> anyhow::Result<Answer> {
    let response = sent.with_context(|| format!("{what} failed"))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .with_context(|| format!("could not read the answer to {what}"))?;
    anyhow::ensure!(status.is_success(), "{what} answered {status}: {text}");
    Ok(Answer { status, text })
}

/// [`read`], then the body as `T`.
pub async fn read_json<T: DeserializeOwned>(
    sent: reqwest::Result<reqwest::Response>,
    what: &str,
) -> anyhow::Result<T> {
    read(sent, what).await?.json(what)
}

//! What can go wrong talking to Gong, typed so front doors can map each case to a status.

use std::time::Duration;

/// A failure of a Gong operation. Messages never contain credentials or transcript text.
///
/// `Clone` because one shared Gong request answers many callers: each gets its own copy of the
/// batch's failure.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GongError {
    /// The configuration cannot work (bad base URL, unusable credentials).
    #[error("invalid Gong configuration: {0}")]
    Config(String),
    /// Gong answered 401/403: the credentials are wrong or lack a scope.
    #[error("Gong rejected the credentials ({status}): {message}")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// Gong's `errors`, joined.
        message: String,
    },
    /// Gong kept answering 429 and the retries or the deadline ran out.
    #[error("Gong's rate limit is exhausted{}", retry_hint(*.retry_after))]
    RateLimited {
        /// Gong's last `Retry-After`, for callers that pass it on.
        retry_after: Option<Duration>,
    },
    /// Gong answered an error status that retries did not cure (4xx other than 404-as-empty, or 5xx).
    #[error("Gong answered {status}: {message}")]
    Upstream {
        /// Gong's status code.
        status: u16,
        /// Gong's `errors`, joined, or the status's reason phrase.
        message: String,
    },
    /// The overall deadline passed before the operation finished.
    #[error("Gong did not finish within {}", human(*.0))]
    DeadlineExceeded(Duration),
    /// Gong's answer could not be read (cut-off body, not JSON, wrong shape).
    #[error("Gong's response could not be read: {0}")]
    InvalidResponse(String),
    /// The connection failed (DNS, refused, reset) and retries did not cure it.
    #[error("could not reach Gong: {0}")]
    Transport(String),
    /// The daily request budget for this Gong company is (nearly) spent: cached calls are still
    /// served, new fetches are refused until the budget resets. Front doors answer 503 with
    /// `Retry-After: resets_in`.
    #[error("Gong's daily request quota is spent; it resets in {}", human(*.resets_in))]
    QuotaExhausted {
        /// Time until the daily budget starts over.
        resets_in: Duration,
    },
    /// More Gong requests are queued ahead of this one than can leave before its deadline, so it
    /// fails at once instead of waiting the deadline out. Front doors answer 503 with
    /// `Retry-After: retry_after`.
    #[error("Gong is busy with other requests; retry in {}", human(*.retry_after))]
    Busy {
        /// Estimated time until the queue ahead has drained.
        retry_after: Duration,
    },
}

/// A duration as people read it: "20 s", "3 min", "2 h 5 min" (whole units, rounded up).
pub fn human(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs.div_ceil(60)),
        _ => {
            let minutes = secs.div_ceil(60);
            format!("{} h {} min", minutes / 60, minutes % 60)
        }
    }
}

/// "; retry in 20 s" when Gong said when, nothing otherwise.
fn retry_hint(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; retry in {}", human(d)))
        .unwrap_or_default()
}

impl From<store::ConfigError> for GongError {
    fn from(err: store::ConfigError) -> Self {
        GongError::Config(err.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences_without_debug_text() {
        let cases = [
            GongError::RateLimited {
                retry_after: Some(Duration::from_secs(20)),
            },
            GongError::RateLimited { retry_after: None },
            GongError::DeadlineExceeded(Duration::from_millis(30_500)),
            GongError::QuotaExhausted {
                resets_in: Duration::from_secs(3 * 3600 + 61),
            },
            GongError::Busy {
                retry_after: Duration::from_secs(90),
            },
        ];
        let texts: Vec<String> = cases.iter().map(ToString::to_string).collect();
        assert_eq!(texts[0], "Gong's rate limit is exhausted; retry in 20 s");
        assert_eq!(texts[1], "Gong's rate limit is exhausted");
        assert_eq!(texts[2], "Gong did not finish within 31 s");
        assert_eq!(
            texts[3],
            "Gong's daily request quota is spent; it resets in 3 h 2 min"
        );
        assert_eq!(texts[4], "Gong is busy with other requests; retry in 90 s");
        for text in texts {
            assert!(!text.contains("Some(") && !text.contains("ms"), "{text}");
        }
    }
}

//! What the client records for monitoring, through the `metrics` facade (exported by whoever
//! installs a recorder; without one, nothing happens). The endpoint label is a fixed word
//! derived from the path (`query`, `search`, `sobject`, `userinfo`, `token`): never a record
//! id, a query or an org, so nothing about a customer leaves through the metrics.

/// Requests sent to Salesforce, by `endpoint` and `status` (a code, or `error` when no
/// answer came).
pub const REQUESTS: &str = "callbrief_salesforce_requests_total";

/// The path of the OAuth token endpoint, as [`endpoint`] reads it.
pub(crate) const TOKEN_PATH: &str = "/services/oauth2/token";

/// The label of a request path: the kind of resource, without ids or versions.
pub fn endpoint(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    if path.ends_with("/oauth2/token") {
        "token"
    } else if path.ends_with("/oauth2/userinfo") {
        "userinfo"
    } else if path.contains("/query") {
        "query"
    } else if path.contains("/search") {
        "search"
    } else if path.contains("/sobjects/") {
        "sobject"
    } else {
        "other"
    }
}

/// One request's outcome: `status` is `None` when no answer came.
pub(crate) fn request(path: &str, status: Option<u16>) {
    let status = status.map_or_else(|| "error".to_owned(), |code| code.to_string());
    metrics::counter!(REQUESTS, "endpoint" => endpoint(path), "status" => status).increment(1);
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoints_are_fixed_words_without_ids() {
        assert_eq!(endpoint("/services/data/v65.0/query"), "query");
        assert_eq!(
            endpoint("/services/data/v65.0/query/01gxx0000000001-2000"),
            "query"
        );
        assert_eq!(endpoint("/services/data/v65.0/search"), "search");
        assert_eq!(
            endpoint("/services/data/v65.0/sobjects/Account/001000000000001AAA"),
            "sobject"
        );
        assert_eq!(endpoint("/services/oauth2/userinfo"), "userinfo");
        assert_eq!(endpoint("/services/oauth2/token"), "token");
        assert_eq!(endpoint("/anything/else"), "other");
    }
}

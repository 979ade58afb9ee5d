//! Which calls an account's briefing shows, without fetching them: what "is it ready" and
//! prefetching ask.

use crate::error::ServiceError;
use crate::ids::{distinct, AccountId, CallId};
use crate::service::Service;
use crate::sources::ResolvedSource;
use crate::{query, records};
use salesforce::SalesforceClient;
use serde_json::Value;

impl Service {
    /// The Gong ids of the `limit` newest calls the account's briefing shows the reader of
    /// `client`: the same rows as the briefing (Salesforce's call records less those on hidden
    /// deals, or without the Gong call object those matched in Gong's listing by the account's
    /// domains), read as that reader.
    pub(crate) async fn briefing_call_ids(
        &self,
        client: &SalesforceClient,
        as_user: bool,
        source: ResolvedSource,
        account_id: &AccountId,
        limit: usize,
    ) -> Result<Vec<CallId>, ServiceError> {
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        let rows = match source {
            ResolvedSource::Salesforce => {
                let fields = &self.options.fields;
                let (listed, seen) = self
                    .account_calls_with_deals(client, as_user, account_id, limit)
                    .await;
                self.without_hidden_deals(client, as_user, listed?, &seen)
                    .await?
                    .iter()
                    .filter_map(|r| records::call_row(fields, r))
                    .collect::<Vec<_>>()
            }
            ResolvedSource::Gong => {
                let soql = [query::account(account_id), query::contacts(account_id)];
                let (account, contacts) = tokio::join!(
                    client.query::<Value>(&soql[0]),
                    client.query::<Value>(&soql[1]),
                );
                let website = account
                    .map_err(sf)?
                    .first()
                    .and_then(records::account_summary)
                    .and_then(|a| a.website);
                let emails: Vec<String> = contacts
                    .map_err(sf)?
                    .iter()
                    .filter_map(records::contact)
                    .filter_map(|c| c.email)
                    .collect();
                let found = self.calls_from_gong(website.as_deref(), &emails).await?;
                found.rows.into_iter().take(limit).collect()
            }
        };
        Ok(distinct(
            rows.iter()
                .filter_map(|r| CallId::parse("callId", &r.call_id).ok()),
        ))
    }
}

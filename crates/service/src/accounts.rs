//! Finding an account and listing its calls, as the caller sees them.

use crate::error::ServiceError;
use crate::identity::Caller;
use crate::ids::AccountId;
use crate::model::{AccountHit, CallRow};
use crate::service::{
    check_range, not_found, Service, MAX_CALL_LIST, MAX_SEARCH_CHARS, MIN_SEARCH_CHARS,
};
use crate::sources::ResolvedSource;
use crate::{query, records};
use serde_json::Value;

impl Service {
    /// Accounts whose name matches `name` (at least 2 letters or digits), as the caller sees them.
    pub async fn search_accounts(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Vec<AccountHit>, ServiceError> {
        let name = name.trim();
        let letters = name.chars().filter(|c| c.is_alphanumeric()).count();
        if letters < MIN_SEARCH_CHARS {
            return Err(ServiceError::validation(
                "name",
                format!("give at least {MIN_SEARCH_CHARS} letters or digits of the account name"),
            ));
        }
        if name.chars().count() > MAX_SEARCH_CHARS {
            return Err(ServiceError::validation(
                "name",
                format!("must be at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let (client, as_user) = self.salesforce_for(caller)?;
        let found = client
            .search(&query::search_accounts(name))
            .await
            .map_err(|e| ServiceError::from_salesforce(e, as_user))?;
        Ok(found
            .iter()
            .filter(|r| {
                r.pointer("/attributes/type")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "Account")
            })
            .filter_map(records::account_hit)
            .collect())
    }

    /// The account's newest `limit` Gong calls (1 to [`MAX_CALL_LIST`]), newest first.
    /// An account the caller cannot see is [`ServiceError::NotFound`].
    pub async fn account_calls(
        &self,
        caller: &Caller,
        account_id: &AccountId,
        limit: usize,
    ) -> Result<Vec<CallRow>, ServiceError> {
        check_range("limit", limit, MAX_CALL_LIST)?;
        let (client, as_user) = self.salesforce_for(caller)?;
        if self.source(&client, as_user).await? == ResolvedSource::Gong {
            let soql = [query::account(account_id), query::contacts(account_id)];
            let (account, contacts) = tokio::join!(
                client.query::<Value>(&soql[0]),
                client.query::<Value>(&soql[1]),
            );
            let sf = |e| ServiceError::from_salesforce(e, as_user);
            let account = account.map_err(sf)?;
            let account = account
                .first()
                .ok_or_else(|| not_found(account_id.as_str()))?;
            let emails: Vec<String> = contacts
                .map_err(sf)?
                .iter()
                .filter_map(|c| records::text(c, "Email"))
                .collect();
            let website = records::text(account, "Website");
            let mut found = self.calls_from_gong(website.as_deref(), &emails).await?;
            found.rows.truncate(limit);
            return Ok(found.rows);
        }
        let fields = &self.options.fields;
        let account_soql = query::account(account_id);
        let (account, (calls, seen)) = tokio::join!(
            client.query::<Value>(&account_soql),
            self.account_calls_with_deals(&client, as_user, account_id, limit),
        );
        let sf = |e| ServiceError::from_salesforce(e, as_user);
        if account.map_err(sf)?.is_empty() {
            return Err(not_found(account_id.as_str()));
        }
        let calls = self
            .without_hidden_deals(&client, as_user, calls?, &seen)
            .await?;
        Ok(calls
            .iter()
            .filter_map(|r| records::call_row(fields, r))
            .collect())
    }
}

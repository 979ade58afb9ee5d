//! Who sees what: the simulator's sharing model.
//!
//! A rep sees the accounts they own or that are shared with them, and those accounts' contacts,
//! opportunities and calls; a manager sees what they and their direct reports see; the
//! integration user sees everything. Users are visible to everyone.

use std::collections::HashSet;

use super::records::Record;
use super::schema::ObjectType;
use super::value::id_key;
use crate::org::model::{SampleOrg, UserRole};

/// The records one user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Everything (the integration user).
    All,
    /// Records under these accounts (15-character id keys), plus all users.
    Accounts(HashSet<String>),
    /// As [`Visibility::Accounts`], plus every record of one object whose org-wide default is
    /// public read.
    AccountsAndPublic(HashSet<String>, ObjectType),
}

impl Visibility {
    /// What the user with this id may see; an unknown user sees only users.
    pub fn for_user(org: &SampleOrg, user_id: &str) -> Visibility {
        let key = id_key(user_id);
        let Some(user) = org.users.iter().find(|u| id_key(&u.id) == key) else {
            return Visibility::Accounts(HashSet::new());
        };
        let team: HashSet<&str> = match user.role {
            UserRole::Integration => return Visibility::All,
            UserRole::Rep => HashSet::from([id_key(&user.id)]),
            UserRole::Manager => org
                .users
                .iter()
                .filter(|u| {
                    id_key(&u.id) == key || u.manager_id.as_deref().map(id_key) == Some(key)
                })
                .map(|u| id_key(&u.id))
                .collect(),
        };
        let accounts = org
            .accounts
            .iter()
            .filter(|a| {
                team.contains(id_key(&a.owner_id))
                    || a.shared_with.iter().any(|s| team.contains(id_key(s)))
            })
            .map(|a| id_key(&a.id).to_string())
            .collect();
        Visibility::Accounts(accounts)
    }

    /// This visibility with every record of `object` readable too (an org-wide default of
    /// "Public Read Only" for that object).
    pub fn with_public_read(self, object: ObjectType) -> Visibility {
        match self {
            Visibility::All => Visibility::All,
            Visibility::Accounts(set) | Visibility::AccountsAndPublic(set, _) => {
                Visibility::AccountsAndPublic(set, object)
            }
        }
    }

    /// Whether the record is visible.
    pub fn can_see(&self, record: &Record) -> bool {
        match (self, &record.account_id) {
            (Visibility::All, _) | (_, None) => true,
            (Visibility::AccountsAndPublic(_, public), _) if record.object == *public => true,
            (Visibility::Accounts(set), Some(account))
            | (Visibility::AccountsAndPublic(set, _), Some(account)) => {
                set.contains(id_key(account))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::records::Store;
    use crate::salesforce::schema::ObjectType;
    use crate::salesforce::testorg::{tiny_org, DANA, INTEGRATION, JORDAN, MAYA, PRIYA};

    fn visible_accounts(user: usize) -> Vec<String> {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let v = Visibility::for_user(&org, &org.users[user].id);
        store
            .all(ObjectType::Account)
            .iter()
            .filter(|r| v.can_see(r))
            .map(|r| r.values[1].as_text().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn reps_see_owned_and_shared_accounts() {
        assert_eq!(
            visible_accounts(MAYA),
            ["Acme Logistics", "Northwind Health"]
        );
        assert_eq!(
            visible_accounts(JORDAN),
            ["Acme Logistics", "Globex Manufacturing"]
        );
        assert_eq!(visible_accounts(PRIYA), ["Initech Financial"]);
    }

    #[test]
    fn managers_see_their_team_and_integration_sees_all() {
        assert_eq!(
            visible_accounts(DANA),
            ["Acme Logistics", "Northwind Health", "Globex Manufacturing"]
        );
        assert_eq!(visible_accounts(INTEGRATION).len(), 4);
    }

    #[test]
    fn children_follow_their_account_and_users_are_public() {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let v = Visibility::for_user(&org, &org.users[PRIYA].id);
        assert!(store
            .all(ObjectType::GongCall)
            .iter()
            .all(|c| !v.can_see(c)));
        assert!(store.all(ObjectType::User).iter().all(|u| v.can_see(u)));
        let unknown = Visibility::for_user(&org, "005000000000000");
        assert!(store
            .all(ObjectType::Account)
            .iter()
            .all(|a| !unknown.can_see(a)));
    }
}

//! Who sees what: the simulator's sharing model.
//!
//! A rep sees the accounts they own or that are shared with them, and those accounts' contacts,
//! opportunities and calls; a manager sees what they and their direct reports see; the
//! integration user sees everything. Users are visible to everyone.
//!
//! Activities (events, their invitees, tasks) are "Controlled by Parent" as in Salesforce: seen
//! by their owner (and the owner's managers) and by whoever sees the record they are about (an
//! opportunity's activities follow that opportunity's sharing). A user invited to an event
//! sees it and its invitees, whoever owns its account; a private event is seen by its owner
//! alone. An opportunity's field history and contact roles follow the opportunity.

use std::collections::HashSet;

use super::records::{Key, Record, Store};
use super::schema::ObjectType;
use super::value::id_key;
use super::value::Value;
use crate::org::model::{SampleOrg, UserRole};

/// The records one user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    /// The accounts (15-character id keys) whose records the user sees; `None` for everything
    /// (the integration user).
    accounts: Option<HashSet<String>>,
    /// The user and, for a manager, their direct reports (15-character id keys).
    team: HashSet<String>,
    /// An object whose org-wide default is "Public Read Only": every record of it is visible.
    public: Option<ObjectType>,
    /// Opportunities' org-wide default is "Private": an opportunity is visible to its owner's
    /// team only, even on an account shared with others.
    private_opportunities: bool,
    /// The user's own id key: a private event is visible to its owner alone.
    user: String,
    /// The events the user is invited to (id keys): an invitee sees the event and its
    /// invitees on their calendar, whatever the account's sharing.
    invited: HashSet<String>,
}

impl Visibility {
    /// What the user with this id may see; an unknown user sees only users.
    pub fn for_user(org: &SampleOrg, user_id: &str) -> Visibility {
        let key = id_key(user_id);
        let nothing = Visibility {
            accounts: Some(HashSet::new()),
            team: HashSet::new(),
            public: None,
            private_opportunities: false,
            user: key.to_owned(),
            invited: HashSet::new(),
        };
        let Some(user) = org.users.iter().find(|u| id_key(&u.id) == key) else {
            return nothing;
        };
        let team: HashSet<&str> = match user.role {
            UserRole::Integration => {
                return Visibility {
                    accounts: None,
                    ..nothing
                }
            }
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
        let invited = org
            .events
            .iter()
            .filter(|e| e.invitees.iter().any(|i| id_key(&i.relation_id) == key))
            .map(|e| id_key(&e.id).to_owned())
            .collect();
        Visibility {
            accounts: Some(accounts),
            team: team.into_iter().map(str::to_owned).collect(),
            invited,
            ..nothing
        }
    }

    /// This visibility with every record of `object` readable too (an org-wide default of
    /// "Public Read Only" for that object).
    pub fn with_public_read(self, object: ObjectType) -> Visibility {
        Visibility {
            public: Some(object),
            ..self
        }
    }

    /// This visibility with opportunities private (an org-wide default of "Private" for
    /// them): sharing an account no longer shares its deals.
    pub fn with_private_opportunities(self) -> Visibility {
        Visibility {
            private_opportunities: true,
            ..self
        }
    }

    /// The positions (in `store.all(object)`, in order, without repeats) of every record of
    /// `object` this user may see, and maybe some more: each record [`Visibility::can_see`]
    /// accepts hangs on a visible account, a team member's ownership, an invitation, or no
    /// account at all. `None` when every record must be looked at (everything visible, an
    /// object read by all, or private opportunities, whose activities follow the deal's
    /// owner).
    pub fn candidates(&self, store: &Store, object: ObjectType) -> Option<Vec<usize>> {
        let accounts = self.accounts.as_ref()?;
        if self.public == Some(object) || self.private_opportunities {
            return None;
        }
        let mut positions: Vec<usize> = Vec::new();
        positions.extend_from_slice(store.positions(object, Key::NoAccount));
        for account in accounts {
            positions.extend_from_slice(store.positions(object, Key::Account(account)));
        }
        for member in &self.team {
            positions.extend_from_slice(store.positions(object, Key::Owner(member)));
        }
        for event in &self.invited {
            positions.extend_from_slice(store.positions(object, Key::Event(event)));
        }
        positions.sort_unstable();
        positions.dedup();
        Some(positions)
    }

    /// Whether the record is visible.
    pub fn can_see(&self, record: &Record) -> bool {
        let Some(accounts) = &self.accounts else {
            return true;
        };
        if self.public == Some(record.object) {
            return true;
        }
        let activity = matches!(
            record.object,
            ObjectType::Event | ObjectType::EventRelation | ObjectType::Task
        );
        if activity {
            if record.object == ObjectType::Event && is_private(record) {
                // Salesforce shows a private event to its owner alone (invitees cannot be
                // added to one), not to the owner's managers nor through the account.
                return record
                    .owner_id
                    .as_deref()
                    .is_some_and(|owner| id_key(owner) == self.user);
            }
            if self.invited.contains(id_key(event_of(record))) {
                return true;
            }
            let owns = |owner: &Option<String>| {
                owner
                    .as_deref()
                    .is_some_and(|owner| self.team.contains(id_key(owner)))
            };
            if owns(&record.owner_id) {
                return true;
            }
            if self.private_opportunities && record.deal_owner.is_some() {
                return owns(&record.deal_owner);
            }
            return record
                .account_id
                .as_deref()
                .is_some_and(|account| accounts.contains(id_key(account)));
        }
        let follows_deal = matches!(
            record.object,
            ObjectType::Opportunity
                | ObjectType::OpportunityContactRole
                | ObjectType::OpportunityFieldHistory
        );
        if self.private_opportunities && follows_deal {
            return record
                .owner_id
                .as_deref()
                .is_some_and(|owner| self.team.contains(id_key(owner)));
        }
        match &record.account_id {
            None => true,
            Some(account) => accounts.contains(id_key(account)),
        }
    }
}

/// Whether an event is marked private (`IsPrivate`).
fn is_private(record: &Record) -> bool {
    ObjectType::Event
        .def()
        .field_index("IsPrivate")
        .is_some_and(|i| matches!(record.value(i), Value::Bool(true)))
}

/// The event an event or invitee record belongs to (its id, or its `EventId`).
fn event_of(record: &Record) -> &str {
    if record.object == ObjectType::EventRelation {
        let event = ObjectType::EventRelation.def().field_index("EventId");
        return event
            .and_then(|i| record.value(i).as_id())
            .unwrap_or_default();
    }
    &record.id
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
            .all(ObjectType::User)
            .iter()
            .all(|u| unknown.can_see(u)));
        assert!(store
            .all(ObjectType::Account)
            .iter()
            .all(|a| !unknown.can_see(a)));
    }

    #[test]
    fn the_candidates_hold_every_record_a_user_sees_in_order() {
        use crate::salesforce::schema::{ALL_OBJECTS, QUERY_ONLY_OBJECTS};
        // The sample org with a team: every user, every object, both opportunity defaults.
        let org = crate::org::SampleOrg::generate_with_reps(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            12,
        );
        let store = Store::from_org(&org);
        let mut narrowed = 0;
        for user in &org.users {
            for private in [false, true] {
                let v = Visibility::for_user(&org, &user.id);
                let v = if private {
                    v.with_private_opportunities()
                } else {
                    v
                };
                for object in ALL_OBJECTS.into_iter().chain(QUERY_ONLY_OBJECTS) {
                    let all = store.all(object);
                    let seen: Vec<usize> = (0..all.len()).filter(|&i| v.can_see(&all[i])).collect();
                    let Some(candidates) = v.candidates(&store, object) else {
                        continue;
                    };
                    narrowed += 1;
                    assert!(
                        candidates.windows(2).all(|w| w[0] < w[1]),
                        "{object:?}: in order"
                    );
                    let kept: Vec<usize> = candidates
                        .into_iter()
                        .filter(|&i| v.can_see(&all[i]))
                        .collect();
                    assert_eq!(kept, seen, "{} {object:?} private={private}", user.username);
                }
            }
        }
        assert!(
            narrowed > 100,
            "the candidates narrowed only {narrowed} reads"
        );
    }

    fn visible(user: usize, object: ObjectType, private: bool) -> Vec<String> {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let v = Visibility::for_user(&org, &org.users[user].id);
        let v = if private {
            v.with_private_opportunities()
        } else {
            v
        };
        store
            .all(object)
            .iter()
            .filter(|r| v.can_see(r))
            .map(|r| r.id[..7].to_string() + &r.id[12..15])
            .collect()
    }

    #[test]
    fn activities_are_seen_by_their_owner_and_with_their_parent() {
        // Maya owns event 1 (Acme deal) and sees Acme; she does not see Jordan's Globex event,
        // and Priya's own event on Acme is visible through Acme.
        assert_eq!(
            visible(MAYA, ObjectType::Event, false),
            ["00UTt00001", "00UTt00003"]
        );
        // Jordan sees Acme (shared) and his own Globex event.
        assert_eq!(visible(JORDAN, ObjectType::Event, false).len(), 3);
        // Once deals are private, the event on Maya's deal is hers alone.
        assert_eq!(
            visible(JORDAN, ObjectType::Event, true),
            ["00UTt00002", "00UTt00003"]
        );
        // Priya cannot see Acme, but she owns her own event there.
        assert_eq!(visible(PRIYA, ObjectType::Event, false), ["00UTt00003"]);
        // Invitees follow their event; tasks and field history their deal.
        assert_eq!(visible(PRIYA, ObjectType::EventRelation, false).len(), 0);
        assert_eq!(visible(MAYA, ObjectType::EventRelation, false).len(), 2);
        assert_eq!(visible(JORDAN, ObjectType::EventRelation, true).len(), 1);
        assert_eq!(visible(JORDAN, ObjectType::Task, false).len(), 1);
        assert_eq!(visible(JORDAN, ObjectType::Task, true).len(), 0);
        assert_eq!(visible(PRIYA, ObjectType::Task, false).len(), 0);
        assert_eq!(
            visible(JORDAN, ObjectType::OpportunityFieldHistory, true),
            ["017Tt00002"]
        );
        assert_eq!(
            visible(DANA, ObjectType::OpportunityFieldHistory, true).len(),
            2
        );
        assert_eq!(
            visible(PRIYA, ObjectType::OpportunityFieldHistory, false).len(),
            0
        );
    }

    #[test]
    fn private_opportunities_are_seen_by_their_owners_team_only() {
        let org = tiny_org();
        let store = Store::from_org(&org);
        let deals = |user: usize, private: bool| -> usize {
            let v = Visibility::for_user(&org, &org.users[user].id);
            let v = if private {
                v.with_private_opportunities()
            } else {
                v
            };
            store
                .all(ObjectType::Opportunity)
                .iter()
                .filter(|o| v.can_see(o))
                .count()
        };
        // Jordan sees Maya's shared Acme account and, by default, its deal besides his own;
        // once deals are private, only his own.
        assert_eq!(deals(JORDAN, false), 2);
        assert_eq!(deals(JORDAN, true), 1);
        assert_eq!(deals(MAYA, true), 1);
        // A manager's team owns both.
        assert_eq!(deals(DANA, true), 2);
        assert_eq!(
            deals(INTEGRATION, true),
            store.all(ObjectType::Opportunity).len()
        );
    }
}

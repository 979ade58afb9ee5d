//! The meeting a briefing prepares for, put together from Salesforce's event, its invitees and
//! the stakeholder map, as pure functions.
//!
//! An invitee is matched to the stakeholder map by contact id, else by name, so a rep sees for
//! each person coming what they did on the calls. A person on the buying side who was on none
//! of the briefing's calls is coming "for the first time": the one a rep most needs to prepare
//! for, and the one the calls cannot say anything about.

use std::collections::HashMap;

use crate::model::{
    DealChange, Meeting, MeetingAttendee, NewContact, OpenTask, SinceLastCall, Stakeholder,
};
use crate::records::EventRecord;

/// A person an event invites, as Salesforce names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Salesforce id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
}

/// What kind of record an invitee is, by its id's key prefix: `contact` (003), `lead` (00Q) or
/// `user` (005); `None` for anything else (a resource, a group).
pub fn kind_of(id: &str) -> Option<&'static str> {
    match id.get(..3)? {
        "003" => Some("contact"),
        "00Q" => Some("lead"),
        "005" => Some("user"),
        _ => None,
    }
}

/// The 15-character form of a Salesforce id (15- and 18-character forms name one record).
pub fn id_key(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

/// The meeting: `event` with each invitee the caller can see (`people`, keyed by the id's
/// 15-character form) joined with the stakeholder map (contacts and leads) or with our own
/// people on the calls (`colleagues`, for users, by name); the buying side first, each side in
/// Salesforce's order. Also returns how many invitees were left out because the caller cannot
/// see them.
pub fn assemble_meeting(
    event: &EventRecord,
    people: &HashMap<String, Person>,
    stakeholders: &[Stakeholder],
    colleagues: &[Stakeholder],
) -> (Meeting, usize) {
    let mut hidden = 0;
    let mut attendees = Vec::new();
    for (relation_id, status) in &event.invitees {
        let (Some(kind), Some(person)) = (kind_of(relation_id), people.get(id_key(relation_id)))
        else {
            hidden += 1;
            continue;
        };
        let buying_side = kind != "user";
        let known = if buying_side {
            stakeholders.iter().find(|s| {
                s.contact_id
                    .as_deref()
                    .is_some_and(|c| id_key(c) == id_key(&person.id))
                    || s.name.eq_ignore_ascii_case(&person.name)
            })
        } else {
            colleagues
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(&person.name))
        };
        let calls_attended = known.map_or(0, |s| s.calls_attended);
        attendees.push(MeetingAttendee {
            id: person.id.clone(),
            kind: kind.to_owned(),
            name: person.name.clone(),
            title: person
                .title
                .clone()
                .or_else(|| known.and_then(|s| s.title.clone())),
            status: status.clone(),
            buying_roles: known.map(|s| s.buying_roles.clone()).unwrap_or_default(),
            calls_attended,
            talk_share: known.and_then(|s| s.talk_share),
            last_heard: known.and_then(|s| s.last_heard.clone()),
            first_time: buying_side && calls_attended == 0,
        });
    }
    // Stable: each side keeps Salesforce's order.
    attendees.sort_by_key(|a| a.kind == "user");
    let first_time = attendees
        .iter()
        .filter(|a| a.first_time)
        .map(|a| a.name.clone())
        .collect();
    let meeting = Meeting {
        event_id: event.id.clone(),
        subject: event.subject.clone(),
        start: event.start.clone(),
        end: event.end.clone(),
        location: event.location.clone(),
        owner: event.owner.clone(),
        attendees,
        first_time,
    };
    (meeting, hidden)
}

/// "Since the last call": the changes, new contacts and tasks Salesforce returned, each
/// already filtered by the queries (after `since`; due before the meeting).
pub fn since_last_call(
    since: Option<String>,
    deal_changes: Vec<DealChange>,
    new_contacts: Vec<NewContact>,
    open_tasks: Vec<OpenTask>,
) -> SinceLastCall {
    SinceLastCall {
        since,
        deal_changes,
        new_contacts,
        open_tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stakeholder(name: &str, contact_id: Option<&str>, calls: usize) -> Stakeholder {
        Stakeholder {
            name: name.into(),
            title: Some("CFO".into()),
            contact_id: contact_id.map(str::to_owned),
            buying_roles: vec!["Economic Buyer".into()],
            primary: false,
            calls_attended: calls,
            talk_share: (calls > 0).then_some(20),
            last_heard: (calls > 0).then(|| "Pricing (2026-11-26)".to_owned()),
            flags: Vec::new(),
        }
    }

    fn person(id: &str, name: &str) -> (String, Person) {
        (
            id_key(id).to_owned(),
            Person {
                id: id.into(),
                name: name.into(),
                title: None,
            },
        )
    }

    #[test]
    fn invitees_join_the_stakeholder_map_and_newcomers_are_named() {
        let event = EventRecord {
            id: "00UDm0000000001IAA".into(),
            subject: Some("Contract review".into()),
            start: Some("2026-12-02T16:00:00Z".into()),
            end: None,
            location: None,
            owner: Some("Maya Chen".into()),
            invitees: vec![
                ("005Dm0000000001IAA".into(), Some("Accepted".into())),
                ("003Dm0000000001IAA".into(), Some("Accepted".into())),
                ("003Dm0000000009IAA".into(), Some("New".into())),
                ("003Dm0000000042IAA".into(), Some("New".into())),
                ("023Dm0000000001IAA".into(), None),
            ],
        };
        let people: HashMap<String, Person> = [
            person("005Dm0000000001IAA", "Maya Chen"),
            // The 15-character form matches too.
            person("003Dm0000000001", "Lena Fischer"),
            person("003Dm0000000009IAA", "Noor Haddad"),
        ]
        .into_iter()
        .collect();
        let map = [stakeholder("Lena Fischer", Some("003Dm0000000001IAA"), 2)];
        // Our own people are matched with what Gong heard of them on our side.
        let ours = [Stakeholder {
            buying_roles: Vec::new(),
            ..stakeholder("maya chen", None, 3)
        }];
        let (meeting, hidden) = assemble_meeting(&event, &people, &map, &ours);
        // A contact the caller cannot see, and a record that is no person, are left out.
        assert_eq!(hidden, 2);
        let names: Vec<_> = meeting.attendees.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Lena Fischer", "Noor Haddad", "Maya Chen"]);
        let lena = &meeting.attendees[0];
        assert_eq!(lena.buying_roles, ["Economic Buyer"]);
        assert_eq!(lena.last_heard.as_deref(), Some("Pricing (2026-11-26)"));
        assert!(!lena.first_time);
        assert!(meeting.attendees[1].first_time);
        // Our own people are never "first time", and show the calls they were on.
        let maya = &meeting.attendees[2];
        assert!(!maya.first_time);
        assert_eq!(maya.kind, "user");
        assert_eq!(maya.calls_attended, 3);
        assert_eq!(maya.last_heard.as_deref(), Some("Pricing (2026-11-26)"));
        assert!(maya.buying_roles.is_empty());
        assert_eq!(meeting.first_time, ["Noor Haddad"]);
    }

    #[test]
    fn invitee_kinds_come_from_the_key_prefix() {
        assert_eq!(kind_of("003x"), Some("contact"));
        assert_eq!(kind_of("00Qx"), Some("lead"));
        assert_eq!(kind_of("005x"), Some("user"));
        assert_eq!(kind_of("0"), None);
    }
}

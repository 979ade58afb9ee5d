//! The stakeholder map: who is on the buying side, what Salesforce says their role in the deal
//! is, and what Gong heard from them, joined by e-mail address (by name when Gong has no
//! address). Pure functions over what Salesforce and Gong already returned for the briefing.

use std::collections::{HashMap, HashSet};

use gong::wire::ExtensiveCall;

use crate::model::{BriefingCall, Stakeholder};
use crate::records::{parent_text, text, ContactRecord};
use crate::render::date_of;

/// Buying roles that decide: one of them never on a call is a risk a rep must see.
const DECIDING_ROLES: [&str; 3] = [
    "Economic Buyer",
    "Decision Maker",
    "Economic Decision Maker",
];

/// One `OpportunityContactRole` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRoleRecord {
    /// The deal.
    pub opportunity_id: String,
    /// The contact.
    pub contact_id: String,
    /// Contact name, when Salesforce sent it.
    pub name: Option<String>,
    /// Contact title.
    pub title: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// The buying role ("Economic Buyer", ...); `None` when left blank.
    pub role: Option<String>,
    /// Whether the contact is the deal's primary contact.
    pub is_primary: bool,
}

/// A contact role row; `None` without a contact.
pub fn contact_role(record: &serde_json::Value) -> Option<ContactRoleRecord> {
    Some(ContactRoleRecord {
        opportunity_id: text(record, "OpportunityId").unwrap_or_default(),
        contact_id: text(record, "ContactId")?,
        name: parent_text(record, "Contact", "Name"),
        title: parent_text(record, "Contact", "Title"),
        email: parent_text(record, "Contact", "Email"),
        role: text(record, "Role"),
        is_primary: record
            .get("IsPrimary")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
    })
}

fn lower(text: &str) -> String {
    text.trim().to_lowercase()
}

/// What one person did on the briefing's calls.
#[derive(Debug, Default, Clone)]
struct Heard {
    calls: HashSet<String>,
    talk_seconds: f64,
    /// Index (in the calls' order, newest first) of the newest call they spoke on.
    last_spoke: Option<usize>,
    spoke_on_newest: bool,
}

/// `seconds` as a whole percentage of `total`; `None` when either is zero.
fn talk_share(seconds: f64, total: f64) -> Option<u32> {
    (total > 0.0 && seconds > 0.0).then(|| (seconds * 100.0 / total).round() as u32)
}

/// How a call is named where a person was last heard: `Title (date)`.
fn call_label(calls: &[BriefingCall], index: usize) -> String {
    let call = &calls[index];
    format!(
        "{} ({})",
        call.title.as_deref().unwrap_or("Untitled call"),
        date_of(call.started.as_deref()).unwrap_or("date unknown")
    )
}

/// Who was heard on `calls` (newest first; `gong` holds Gong's details of them): the parties of
/// one side, keyed by lower-case e-mail (`name:<name>` without one), each voice's name, title
/// and e-mail in the order first heard, the calls' total talk time, and whether the newest call
/// has talk times at all.
struct Hearing {
    heard: HashMap<String, Heard>,
    voices: Vec<(String, String, Option<String>, Option<String>)>,
    total_talk: f64,
    newest_has_talk: bool,
}

/// The parties of `calls` on our side (`internal`: Gong's `Internal` affiliation) or the
/// other, as [`Hearing`] describes.
fn hear(calls: &[BriefingCall], gong: &[ExtensiveCall], internal: bool) -> Hearing {
    let call_label = |index: usize| call_label(calls, index);
    let by_id: HashMap<&str, &ExtensiveCall> =
        gong.iter().map(|c| (c.meta_data.id.as_str(), c)).collect();
    // Who was heard, keyed by e-mail (or `name:<name>` without one).
    let mut heard: HashMap<String, Heard> = HashMap::new();
    // Customer voices: key -> (name, title, email).
    let mut voices: Vec<(String, String, Option<String>, Option<String>)> = Vec::new();
    let mut total_talk = 0.0;
    let mut newest_has_talk = false;
    for (index, call) in calls.iter().enumerate() {
        let Some(gong_call) = by_id.get(call.call_id.as_str()) else {
            continue;
        };
        let talk: HashMap<&str, f64> = gong_call
            .interaction
            .as_ref()
            .and_then(|i| i.speakers.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let t = s.talk_time.filter(|t| t.is_finite() && *t > 0.0)?;
                Some((s.id.as_deref()?, t))
            })
            .collect();
        total_talk += talk.values().sum::<f64>();
        if index == 0 {
            newest_has_talk = !talk.is_empty();
        }
        for party in &gong_call.parties {
            if (party.affiliation.as_deref() == Some("Internal")) != internal {
                continue;
            }
            let email = party
                .email_address
                .as_deref()
                .filter(|e| !e.trim().is_empty());
            let name = party.name.as_deref().filter(|n| !n.trim().is_empty());
            let key = match (email, name, party.speaker_id.as_deref()) {
                (Some(e), _, _) => lower(e),
                (None, Some(n), _) => format!("name:{}", lower(n)),
                // Nobody Gong could name: one voice per call.
                (None, None, Some(speaker)) => format!("speaker:{}:{speaker}", call.call_id),
                (None, None, None) => continue,
            };
            let seconds = party
                .speaker_id
                .as_deref()
                .and_then(|id| talk.get(id))
                .copied()
                .unwrap_or(0.0);
            let entry = heard.entry(key.clone()).or_default();
            entry.calls.insert(call.call_id.clone());
            entry.talk_seconds += seconds;
            if seconds > 0.0 {
                entry.last_spoke = Some(entry.last_spoke.map_or(index, |i| i.min(index)));
                if index == 0 {
                    entry.spoke_on_newest = true;
                }
                if !voices.iter().any(|v| v.0 == key) {
                    let name = match name {
                        Some(n) => n.to_owned(),
                        None => format!("{} on {}", transcript::UNKNOWN_SPEAKER, call_label(index)),
                    };
                    voices.push((key, name, party.title.clone(), email.map(str::to_owned)));
                }
            }
        }
    }
    Hearing {
        heard,
        voices,
        total_talk,
        newest_has_talk,
    }
}

/// The stakeholder map of `calls` (newest first; `gong` holds Gong's details of them): every
/// contact with a buying role on an open deal and every customer voice on the calls, most
/// talk first, each with the flags a rep should act on.
pub fn stakeholders(
    roles: &[ContactRoleRecord],
    contacts: &[ContactRecord],
    calls: &[BriefingCall],
    gong: &[ExtensiveCall],
) -> Vec<Stakeholder> {
    let hearing = hear(calls, gong, false);
    let mut people: Vec<Stakeholder> = Vec::new();
    let mut seen_keys: HashSet<String> = HashSet::new();
    // Contacts with buying roles, one entry per contact.
    for (contact_id, rows) in role_holders(roles) {
        let (person, keys) = with_buying_role(contact_id, &rows, contacts, calls, &hearing);
        seen_keys.extend(keys);
        people.push(person);
    }
    // Customer voices on the calls without a buying role.
    let contact_keys: HashSet<String> = contacts
        .iter()
        .flat_map(|c| {
            [
                contact_key(c.email.as_deref(), None),
                contact_key(None, Some(&c.name)),
            ]
        })
        .flatten()
        .collect();
    for (key, name, title, email) in hearing.voices.iter().cloned() {
        if seen_keys.contains(&key) {
            continue;
        }
        people.push(voice_without_role(
            (key, name, title, email),
            contacts,
            &contact_keys,
            calls,
            &hearing,
        ));
    }
    people.sort_by(|a, b| {
        (!a.buying_roles.is_empty())
            .cmp(&!b.buying_roles.is_empty())
            .reverse()
            .then(b.talk_share.unwrap_or(0).cmp(&a.talk_share.unwrap_or(0)))
    });
    people
}

/// How a person is matched between Salesforce and the calls: lower-case e-mail, else
/// `name:<lower-case name>`.
fn contact_key(email: Option<&str>, name: Option<&str>) -> Option<String> {
    match (email, name) {
        (Some(e), _) if !e.trim().is_empty() => Some(lower(e)),
        (_, Some(n)) => Some(format!("name:{}", lower(n))),
        _ => None,
    }
}

/// The contact roles grouped by contact, in the order first listed.
fn role_holders(roles: &[ContactRoleRecord]) -> Vec<(&str, Vec<&ContactRoleRecord>)> {
    let mut by_contact: Vec<(&str, Vec<&ContactRoleRecord>)> = Vec::new();
    for role in roles {
        match by_contact.iter_mut().find(|(id, _)| *id == role.contact_id) {
            Some((_, list)) => list.push(role),
            None => by_contact.push((role.contact_id.as_str(), vec![role])),
        }
    }
    by_contact
}

/// A contact with buying roles (`rows`, at least one) as a stakeholder, flagged when a
/// decider never joined a call or the champion was silent on the last one; with the keys they
/// are matched by.
fn with_buying_role(
    contact_id: &str,
    rows: &[&ContactRoleRecord],
    contacts: &[ContactRecord],
    calls: &[BriefingCall],
    hearing: &Hearing,
) -> (Stakeholder, Vec<String>) {
    let contact = contacts.iter().find(|c| c.id == contact_id);
    let first = rows[0];
    let name = first
        .name
        .clone()
        .or_else(|| contact.map(|c| c.name.clone()))
        .unwrap_or_else(|| contact_id.to_owned());
    let email = first
        .email
        .clone()
        .or_else(|| contact.and_then(|c| c.email.clone()));
    let keys: Vec<String> = [
        contact_key(email.as_deref(), None),
        contact_key(None, Some(&name)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let me = keys
        .iter()
        .find_map(|k| hearing.heard.get(k))
        .cloned()
        .unwrap_or_default();
    let mut buying: Vec<String> = rows.iter().filter_map(|r| r.role.clone()).collect();
    buying.dedup();
    let primary = rows.iter().any(|r| r.is_primary);
    let mut flags = Vec::new();
    if let Some(role) = buying.iter().find(|r| DECIDING_ROLES.contains(&r.as_str())) {
        if me.calls.is_empty() {
            flags.push(format!("{role} never on a call"));
        }
    }
    let champion = primary || buying.iter().any(|r| r.eq_ignore_ascii_case("Champion"));
    if champion && hearing.newest_has_talk && !me.spoke_on_newest {
        flags.push(format!(
            "Champion silent on the last call, {}",
            call_label(calls, 0)
        ));
    }
    let person = Stakeholder {
        name,
        title: first
            .title
            .clone()
            .or_else(|| contact.and_then(|c| c.title.clone())),
        contact_id: Some(contact_id.to_owned()),
        buying_roles: buying,
        primary,
        calls_attended: me.calls.len(),
        talk_share: talk_share(me.talk_seconds, hearing.total_talk),
        last_heard: me.last_spoke.map(|i| call_label(calls, i)),
        flags,
    };
    (person, keys)
}

/// A customer voice heard on the calls without a buying role, flagged when no Salesforce
/// contact matches them.
fn voice_without_role(
    (key, name, title, email): (String, String, Option<String>, Option<String>),
    contacts: &[ContactRecord],
    contact_keys: &HashSet<String>,
    calls: &[BriefingCall],
    hearing: &Hearing,
) -> Stakeholder {
    let name_key = format!("name:{}", lower(&name));
    let known = contact_keys.contains(&key) || contact_keys.contains(&name_key);
    let contact = contacts.iter().find(|c| {
        contact_key(c.email.as_deref(), None).as_deref() == Some(key.as_str())
            || lower(&c.name) == lower(&name)
    });
    let me = hearing.heard.get(&key).cloned().unwrap_or_default();
    let mut flags = Vec::new();
    if !known {
        flags.push(match &email {
            Some(e) => format!("Customer voice on calls, not a contact in Salesforce ({e})"),
            None => "Customer voice on calls, not a contact in Salesforce".to_owned(),
        });
    }
    Stakeholder {
        name,
        title: title.or_else(|| contact.and_then(|c| c.title.clone())),
        contact_id: contact.map(|c| c.id.clone()),
        buying_roles: Vec::new(),
        primary: false,
        calls_attended: me.calls.len(),
        talk_share: talk_share(me.talk_seconds, hearing.total_talk),
        last_heard: me.last_spoke.map(|i| call_label(calls, i)),
        flags,
    }
}

/// Our own people on `calls` (Gong's `Internal` parties): how many of the calls each was on,
/// their share of the talk and the call they last spoke on, keyed like the stakeholder map so a
/// meeting's invitees from the rep's side are matched by name or e-mail.
pub fn colleagues(calls: &[BriefingCall], gong: &[ExtensiveCall]) -> Vec<Stakeholder> {
    let call_label = |index: usize| call_label(calls, index);
    let Hearing {
        heard,
        voices,
        total_talk,
        ..
    } = hear(calls, gong, true);
    voices
        .into_iter()
        .map(|(key, name, title, _)| {
            let me = heard.get(&key).cloned().unwrap_or_default();
            Stakeholder {
                name,
                title,
                contact_id: None,
                buying_roles: Vec::new(),
                primary: false,
                calls_attended: me.calls.len(),
                talk_share: talk_share(me.talk_seconds, total_talk),
                last_heard: me.last_spoke.map(call_label),
                flags: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(id: &str, title: &str) -> BriefingCall {
        BriefingCall {
            call_id: id.into(),
            title: Some(title.into()),
            started: Some("2026-11-20T15:00:00Z".into()),
            duration: Some(1800),
            url: None,
            attendees: Vec::new(),
            has_transcript: true,
            intelligence: None,
        }
    }

    /// Gong's details of call `id`: each party (name, email, speaker id, seconds of talk).
    fn gong(id: &str, parties: &[(&str, &str, &str, f64)]) -> ExtensiveCall {
        serde_json::from_value(json!({
            "metaData": { "id": id },
            "parties": parties.iter().map(|(name, email, speaker, _)| json!({
                "name": name, "emailAddress": email, "speakerId": speaker,
                "affiliation": "External"
            })).collect::<Vec<_>>(),
            "interaction": { "speakers": parties.iter().map(|(_, _, speaker, talk)| json!({
                "id": speaker, "talkTime": talk
            })).collect::<Vec<_>>() }
        }))
        .unwrap()
    }

    fn role(
        contact: &str,
        name: &str,
        email: &str,
        role: &str,
        primary: bool,
    ) -> ContactRoleRecord {
        ContactRoleRecord {
            opportunity_id: "006A".into(),
            contact_id: contact.into(),
            name: Some(name.into()),
            title: None,
            email: Some(email.into()),
            role: Some(role.into()),
            is_primary: primary,
        }
    }

    fn contact(id: &str, name: &str, email: &str) -> ContactRecord {
        ContactRecord {
            id: id.into(),
            name: name.into(),
            title: None,
            email: Some(email.into()),
        }
    }

    fn flags_of<'a>(people: &'a [Stakeholder], name: &str) -> &'a [String] {
        &people
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} is in the map"))
            .flags
    }

    #[test]
    fn our_own_people_are_heard_apart_from_the_buying_side() {
        let calls = [call("2", "Pricing"), call("1", "Discovery")];
        let mut newest = gong(
            "2",
            &[
                ("Maya Chen", "maya@callbrief-demo.com", "s1", 200.0),
                ("Ann Lee", "ann@acme.example", "s2", 200.0),
            ],
        );
        newest.parties[0].affiliation = Some("Internal".into());
        let mut older = gong(
            "1",
            &[("Maya Chen", "maya@callbrief-demo.com", "s3", 100.0)],
        );
        older.parties[0].affiliation = Some("Internal".into());
        let gong_calls = [newest, older];
        let ours = colleagues(&calls, &gong_calls);
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(ours[0].name, "Maya Chen");
        assert_eq!(ours[0].calls_attended, 2);
        assert_eq!(ours[0].talk_share, Some(60));
        assert!(ours[0]
            .last_heard
            .as_deref()
            .unwrap()
            .starts_with("Pricing"));
        // The buying side's map leaves them out, as before.
        let theirs = stakeholders(&[], &[], &calls, &gong_calls);
        assert!(theirs.iter().all(|p| p.name != "Maya Chen"), "{theirs:?}");
    }

    #[test]
    fn the_flags_a_rep_acts_on() {
        // Newest first: the champion spoke on the older call only; the economic buyer never
        // came; an unknown customer voice spoke on the newest.
        let calls = [call("2", "Pricing"), call("1", "Discovery")];
        let gong_calls = [
            gong(
                "2",
                &[
                    ("Ann Lee", "ann@acme.example", "s1", 0.0),
                    ("Raj Patel", "raj@acme.example", "s2", 300.0),
                ],
            ),
            gong("1", &[("Ann Lee", "ann@acme.example", "s3", 600.0)]),
        ];
        let roles = [
            role("003A", "Ann Lee", "ann@acme.example", "Champion", true),
            role(
                "003B",
                "Bo Chen",
                "bo@acme.example",
                "Economic Buyer",
                false,
            ),
        ];
        let contacts = [
            contact("003A", "Ann Lee", "ann@acme.example"),
            contact("003B", "Bo Chen", "bo@acme.example"),
        ];
        let people = stakeholders(&roles, &contacts, &calls, &gong_calls);

        let ann = flags_of(&people, "Ann Lee");
        assert_eq!(ann.len(), 1, "{ann:?}");
        assert!(
            ann[0].starts_with("Champion silent on the last call, Pricing"),
            "{ann:?}"
        );
        assert_eq!(
            flags_of(&people, "Bo Chen"),
            ["Economic Buyer never on a call"]
        );
        assert_eq!(
            flags_of(&people, "Raj Patel"),
            ["Customer voice on calls, not a contact in Salesforce (raj@acme.example)"]
        );
        let raj = people.iter().find(|p| p.name == "Raj Patel").unwrap();
        let ann = people.iter().find(|p| p.name == "Ann Lee").unwrap();
        assert_eq!((ann.calls_attended, ann.talk_share), (2, Some(67)));
        assert_eq!((raj.calls_attended, raj.talk_share), (1, Some(33)));
        assert!(ann.last_heard.as_deref().unwrap().starts_with("Discovery"));

        // Once the champion speaks on the newest call, the flag goes.
        let gong_calls = [
            gong(
                "2",
                &[
                    ("Ann Lee", "ann@acme.example", "s1", 60.0),
                    ("Raj Patel", "raj@acme.example", "s2", 300.0),
                ],
            ),
            gong("1", &[("Ann Lee", "ann@acme.example", "s3", 600.0)]),
        ];
        let people = stakeholders(&roles, &contacts, &calls, &gong_calls);
        assert!(flags_of(&people, "Ann Lee").is_empty());
    }
}

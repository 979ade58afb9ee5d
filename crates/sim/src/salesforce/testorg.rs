//! A tiny hand-made org for unit tests of the engine, independent of the sample org generator.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::org::model::{
    Account, Affiliation, Call, Contact, Event, FieldChange, Invitee, Opportunity, Party,
    SampleOrg, Task, User, UserRole,
};

pub const MAYA: usize = 0;
pub const JORDAN: usize = 1;
pub const PRIYA: usize = 2;
pub const DANA: usize = 3;
pub const INTEGRATION: usize = 4;

/// An 18-character id with the given key prefix.
pub fn sid(prefix: &str, n: u64) -> String {
    format!("{prefix}Tt{n:010}AAA")
}

fn user(n: u64, first: &str, last: &str, role: UserRole, manager: Option<u64>) -> User {
    let login = format!(
        "{}.{}@callbrief-demo.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    User {
        id: sid("005", n),
        gong_id: format!("70000000000000{n}"),
        username: login.clone(),
        first_name: first.into(),
        last_name: last.into(),
        email: login,
        title: "Account Executive".into(),
        role,
        manager_id: manager.map(|m| sid("005", m)),
    }
}

fn account(n: u64, name: &str, owner: u64, shared: &[u64]) -> Account {
    let domain = format!(
        "{}.example",
        name.split(' ').next().unwrap_or("x").to_lowercase()
    );
    Account {
        id: sid("001", n),
        name: name.into(),
        industry: "Transportation".into(),
        website: format!("https://www.{domain}"),
        domain,
        number_of_employees: 1000 * n as u32,
        annual_revenue: 1_000_000.0 * n as f64,
        billing_city: "Chicago".into(),
        billing_country: "United States".into(),
        owner_id: sid("005", owner),
        shared_with: shared.iter().map(|s| sid("005", *s)).collect(),
    }
}

fn call(n: u64, account: u64, days_ago: i64, title: &str, anchor: chrono::DateTime<Utc>) -> Call {
    let started = anchor - Duration::days(days_ago) + Duration::hours(15);
    Call {
        gong_id: format!("{}", 5_000_000_000_000_000_000u64 + n),
        sf_id: sid("a0G", n),
        sf_name: format!("C-{n:06}"),
        account_id: sid("001", account),
        opportunity_id: (account == 1).then(|| sid("006", 1)),
        primary_user_id: sid("005", 1),
        title: title.into(),
        scheduled: started,
        started,
        duration: 1800,
        direction: "Conference".into(),
        scope: "External".into(),
        system: "Zoom".into(),
        language: "eng".into(),
        purpose: None,
        is_private: false,
        url: format!(
            "https://app.gong.io/call?id={}",
            5_000_000_000_000_000_000u64 + n
        ),
        meeting_url: "https://zoom.us/j/1".into(),
        parties: vec![Party {
            id: "1".into(),
            name: Some("Lena Fischer".into()),
            title: None,
            email: Some("lena.fischer@acme.example".into()),
            affiliation: Affiliation::External,
            speaker_id: None,
            user_id: None,
            contact_id: None,
        }],
        monologues: Vec::new(),
        brief: format!("Brief of {title}"),
        key_points: vec!["Budget approved".into(), "Pilot in May".into()],
        topics: Vec::new(),
    }
}

/// Five users, four accounts (one shared), two contacts, two opportunities, four calls.
/// The anchor is 2024-03-13 (a Wednesday), midnight UTC.
pub fn tiny_org() -> SampleOrg {
    let anchor = Utc
        .with_ymd_and_hms(2024, 3, 13, 0, 0, 0)
        .single()
        .unwrap_or_default();
    SampleOrg {
        anchor,
        users: vec![
            user(1, "Maya", "Chen", UserRole::Rep, Some(4)),
            user(2, "Jordan", "Alvarez", UserRole::Rep, Some(4)),
            user(3, "Priya", "Natarajan", UserRole::Rep, None),
            user(4, "Dana", "Whitfield", UserRole::Manager, None),
            user(5, "Integration", "User", UserRole::Integration, None),
        ],
        accounts: vec![
            account(1, "Acme Logistics", 1, &[2]),
            account(2, "Northwind Health", 1, &[]),
            account(3, "Globex Manufacturing", 2, &[]),
            account(4, "Initech Financial", 3, &[]),
        ],
        contacts: vec![
            Contact {
                id: sid("003", 1),
                account_id: sid("001", 1),
                first_name: "Lena".into(),
                last_name: "Fischer".into(),
                title: "Chief Financial Officer".into(),
                email: "lena.fischer@acme.example".into(),
                phone: "+1 312 555 0101".into(),
                created: anchor - Duration::days(100),
            },
            Contact {
                id: sid("003", 2),
                account_id: sid("001", 3),
                first_name: "Omar".into(),
                last_name: "O'Neil".into(),
                title: "Plant Manager".into(),
                email: "omar.oneil@globex.example".into(),
                phone: String::new(),
                created: anchor - Duration::days(1),
            },
        ],
        opportunities: vec![
            Opportunity {
                id: sid("006", 1),
                account_id: sid("001", 1),
                name: "Acme Logistics - Relay".into(),
                stage: "Negotiation".into(),
                amount: 240_000.0,
                close_date: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap_or_default(),
                probability: 80,
                is_closed: false,
                is_won: false,
                owner_id: sid("005", 1),
                next_step: "Contract review".into(),
            },
            Opportunity {
                id: sid("006", 2),
                account_id: sid("001", 3),
                name: "Globex Manufacturing - Relay".into(),
                stage: "Closed Won".into(),
                amount: 90_000.0,
                close_date: NaiveDate::from_ymd_opt(2024, 3, 10).unwrap_or_default(),
                probability: 100,
                is_closed: true,
                is_won: true,
                owner_id: sid("005", 2),
                next_step: String::new(),
            },
        ],
        calls: vec![
            call(1, 1, 2, "Acme Logistics: pricing review", anchor),
            call(2, 3, 5, "Globex Manufacturing: discovery", anchor),
            call(3, 1, 10, "Acme Logistics: security review", anchor),
            call(4, 1, 40, "Acme Logistics: discovery", anchor),
        ],
        events: vec![
            // Maya's meeting on the Acme deal, with the CFO and Maya invited.
            event(
                1,
                "Acme: contract review",
                anchor + Duration::days(2),
                (sid("006", 1), 1),
                1,
                &[sid("003", 1), sid("005", 1)],
            ),
            // Jordan's meeting on Globex.
            event(
                2,
                "Globex: kickoff",
                anchor + Duration::days(3),
                (sid("001", 3), 3),
                2,
                &[sid("003", 2)],
            ),
            // Priya's own meeting on Acme, an account she cannot see: hers as its owner.
            event(
                3,
                "Acme: intro for Priya",
                anchor + Duration::days(4),
                (sid("001", 1), 1),
                3,
                &[],
            ),
        ],
        tasks: vec![Task {
            id: sid("00T", 1),
            subject: "Send the redlined MSA".into(),
            due: NaiveDate::from_ymd_opt(2024, 3, 14).unwrap_or_default(),
            status: "Not Started".into(),
            priority: "High".into(),
            what_id: sid("006", 1),
            account_id: sid("001", 1),
            who_id: Some(sid("003", 1)),
            owner_id: sid("005", 1),
            created: anchor - Duration::days(1),
        }],
        field_history: vec![
            change(
                1,
                1,
                "StageName",
                "Proposal",
                "Negotiation",
                anchor - Duration::days(1),
            ),
            change(
                2,
                2,
                "StageName",
                "Negotiation",
                "Closed Won",
                anchor - Duration::days(3),
            ),
        ],
    }
}

fn event(
    n: u64,
    subject: &str,
    start: chrono::DateTime<Utc>,
    (what_id, account): (String, u64),
    owner: u64,
    invitees: &[String],
) -> Event {
    Event {
        id: sid("00U", n),
        subject: subject.into(),
        start: start + Duration::hours(16),
        duration: 60,
        what_id,
        account_id: sid("001", account),
        who_id: invitees.iter().find(|i| i.starts_with("003")).cloned(),
        owner_id: sid("005", owner),
        location: "Zoom".into(),
        description: String::new(),
        invitees: invitees
            .iter()
            .enumerate()
            .map(|(i, id)| Invitee {
                id: sid("0RE", n * 10 + i as u64),
                relation_id: id.clone(),
                status: "New".into(),
            })
            .collect(),
        created: start - Duration::days(7),
        is_private: false,
    }
}

fn change(
    n: u64,
    opportunity: u64,
    field: &str,
    old: &str,
    new: &str,
    at: chrono::DateTime<Utc>,
) -> FieldChange {
    FieldChange {
        id: sid("017", n),
        opportunity_id: sid("006", opportunity),
        field: field.into(),
        old_value: Some(old.into()),
        new_value: Some(new.into()),
        created: at,
        created_by: sid("005", 1),
    }
}

//! Builds the sample org from the seed tables: users, accounts with contacts and deals, and
//! each account's calls with parties, transcript and Gong's AI content.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use fastrand::Rng;

use super::conversation::{self, Aside, Speaker};
use super::ids::{self, salesforce_id};
use super::model::*;
use super::script::{self, Ctx, Kind, Who};
use super::seed::{
    self, AccountSeed, ACCOUNTS, FIRST_NAMES, LAST_NAMES, USERS, VENDOR, VENDOR_DOMAIN,
};
use super::{UNLISTED_SPEAKER_ACCOUNT, UNNAMED_PARTY_ACCOUNT};

/// Seed of the org's random choices: fixed, so every run of every simulator sees the same org.
const SEED: u64 = 0x0CA1_1B81_EF00_2024;

/// The contacts of one account by the part they play in the deal.
struct Buyers {
    champion: Contact,
    economic: Contact,
    technical: Contact,
    procurement: Contact,
    extra: Option<Contact>,
}

pub(super) struct Builder {
    anchor: DateTime<Utc>,
    rng: Rng,
    names: Vec<(&'static str, &'static str)>,
    org: SampleOrg,
    contact_n: u64,
    opp_n: u64,
    call_n: u64,
    /// Per account with an open deal, in account order: what its newest call proposed, to put
    /// on the calendar once every account is built.
    meetings: Vec<Proposal>,
}

/// The next meeting a newest call proposed.
struct Proposal {
    account: Account,
    opp: Opportunity,
    day: NaiveDate,
    next_step: String,
    /// Who is invited from the buying side, champion first.
    buyers: Vec<String>,
    /// When the newest call ended.
    last_call: DateTime<Utc>,
}

/// The first weekday on or after `day`: meetings are proposed for working days.
pub(super) fn weekday_on_or_after(day: NaiveDate) -> NaiveDate {
    let mut day = day;
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day.succ_opt().unwrap_or(day);
    }
    day
}

/// The last weekday on or before `day`: calls are held on working days.
pub(super) fn weekday_on_or_before(day: NaiveDate) -> NaiveDate {
    let mut day = day;
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day.pred_opt().unwrap_or(day);
    }
    day
}

/// A date `days` after `anchor` as the calls say it ("June 13"): the first weekday on or
/// after it, since the committees and renewals the calls name fall on working days.
pub(super) fn spoken_date(anchor: DateTime<Utc>, days: i64) -> String {
    weekday_on_or_after((anchor + Duration::days(days)).date_naive())
        .format("%B %-d")
        .to_string()
}

/// Title of the person the sample org adds to the upcoming meeting of
/// [`NEW_ATTENDEE_ACCOUNT`](super::NEW_ATTENDEE_ACCOUNT): created after the account's newest
/// call and on none of its calls.
pub const NEW_ATTENDEE_TITLE: &str = "Head of Information Security";

fn email_local(first: &str, last: &str) -> String {
    format!("{first}.{last}")
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}

fn probability(stage: &str) -> u8 {
    match stage {
        "Discovery" => 10,
        "Evaluation" => 30,
        "Proposal" => 60,
        "Negotiation" => 80,
        "Closed Won" => 100,
        _ => 0,
    }
}

impl Builder {
    pub(super) fn new(anchor: DateTime<Utc>) -> Self {
        let mut rng = Rng::with_seed(SEED);
        let mut firsts = FIRST_NAMES.to_vec();
        let mut lasts = LAST_NAMES.to_vec();
        rng.shuffle(&mut firsts);
        rng.shuffle(&mut lasts);
        let names = firsts.into_iter().zip(lasts).collect();
        let org = SampleOrg {
            anchor,
            users: Vec::new(),
            accounts: Vec::new(),
            contacts: Vec::new(),
            opportunities: Vec::new(),
            calls: Vec::new(),
            events: Vec::new(),
            tasks: Vec::new(),
            field_history: Vec::new(),
        };
        Builder {
            anchor,
            rng,
            names,
            org,
            contact_n: 0,
            opp_n: 0,
            call_n: 0,
            meetings: Vec::new(),
        }
    }

    pub(super) fn build(mut self) -> SampleOrg {
        self.users();
        for (i, seed) in ACCOUNTS.iter().enumerate() {
            self.account(i, seed);
        }
        self.org.calls.sort_by_key(|c| std::cmp::Reverse(c.started));
        // Built after every account so that the contacts of the accounts keep their names.
        let meetings = std::mem::take(&mut self.meetings);
        let proposed = meetings.len() as u64;
        for (i, m) in meetings.into_iter().enumerate() {
            self.meeting(i as u64 + 1, m);
        }
        self.colleagues_calendars(proposed + 1);
        self.org.events.sort_by_key(|e| e.start);
        self.org
    }

    /// Calendars that differ from account sharing: the sales director is invited to the
    /// first meeting of the second rep's accounts; the solutions engineer to a meeting on an
    /// account he cannot see; and the senior rep keeps a private event (numbered `n`) on the
    /// shared account, the day after its meeting, that nobody else sees.
    fn colleagues_calendars(&mut self, n: u64) {
        let user_id = |i: usize| self.org.users[i].id.clone();
        let (maya, jordan, sam, dana) = (
            user_id(seed::MAYA),
            user_id(seed::JORDAN),
            user_id(seed::SAM),
            user_id(seed::DANA),
        );
        let account_of = |name: &str| self.org.accounts.iter().find(|a| a.name == name).cloned();
        let jordans = self
            .org
            .events
            .iter()
            .filter(|e| e.owner_id == jordan)
            .min_by_key(|e| e.start)
            .and_then(|e| self.org.accounts.iter().find(|a| a.id == e.account_id))
            .cloned();
        let (Some(shared), Some(hidden), Some(jordans)) = (
            account_of(super::NEW_ATTENDEE_ACCOUNT),
            account_of(super::UNLISTED_SPEAKER_ACCOUNT),
            jordans,
        ) else {
            return;
        };
        // Numbered apart from the proposed meetings' invitees (100 per meeting).
        let mut next_invitee = 900_000;
        let mut invite = |account: &Account, who: String| {
            let event = self
                .org
                .events
                .iter_mut()
                .find(|e| e.account_id == account.id)?;
            next_invitee += 1;
            event.invitees.push(Invitee {
                id: salesforce_id("0RE", next_invitee),
                relation_id: who,
                status: "Accepted".to_owned(),
            });
            Some(event.start)
        };
        invite(&hidden, sam);
        invite(&jordans, dana);
        let Some(shared_meeting) = self
            .org
            .events
            .iter()
            .find(|e| e.account_id == shared.id)
            .map(|e| e.start)
        else {
            return;
        };
        self.org.events.push(Event {
            id: salesforce_id("00U", n),
            subject: format!("{}: deal strategy (private)", shared.name),
            start: shared_meeting + Duration::days(1) - Duration::hours(3),
            duration: 30,
            what_id: shared.id.clone(),
            account_id: shared.id.clone(),
            who_id: None,
            owner_id: maya,
            location: String::new(),
            description: "Pricing limits before the next call.".to_owned(),
            invitees: Vec::new(),
            created: self.anchor - Duration::days(1),
            is_private: true,
        });
    }

    /// The upcoming meeting a newest call proposed, with its invitees, an open to-do due before
    /// it, and the deal's stage history. On [`super::NEW_ATTENDEE_ACCOUNT`] the meeting also
    /// invites someone new (a contact created after the newest call, never on a call) and the
    /// deal's stage moved after that call.
    fn meeting(&mut self, n: u64, m: Proposal) {
        let a = &m.account;
        let special = a.name == super::NEW_ATTENDEE_ACCOUNT;
        let mut invited = m.buyers.clone();
        if special {
            let created = m.last_call + Duration::hours(20);
            let country = a.billing_country.clone();
            let mut c = self.contact(&a.id, &a.domain, NEW_ATTENDEE_TITLE, &country);
            c.created = created;
            if let Some(stored) = self.org.contacts.iter_mut().find(|x| x.id == c.id) {
                stored.created = created;
            }
            invited.push(c.id);
        }
        let start = m.day.and_hms_opt(16, 0, 0).unwrap_or_default().and_utc();
        let event_id = salesforce_id("00U", n);
        let mut invitees: Vec<Invitee> = invited
            .iter()
            .map(|id| (id.clone(), "New"))
            .chain([(a.owner_id.clone(), "Accepted")])
            .enumerate()
            .map(|(k, (relation_id, status))| Invitee {
                id: salesforce_id("0RE", n * 100 + k as u64),
                relation_id,
                status: status.to_owned(),
            })
            .collect();
        if let Some(first) = invitees.first_mut() {
            first.status = "Accepted".to_owned();
        }
        self.org.events.push(Event {
            id: event_id,
            subject: format!("{} <> {VENDOR}: {}", a.name, capitalize(&m.next_step)),
            start,
            duration: 60,
            what_id: m.opp.id.clone(),
            account_id: a.id.clone(),
            who_id: m.buyers.first().cloned(),
            owner_id: a.owner_id.clone(),
            location: "Zoom".to_owned(),
            description: format!("Agreed on the last call: {}.", m.next_step),
            invitees,
            created: m.last_call + Duration::hours(1),
            is_private: false,
        });
        let task = |k: u64, subject: String, due: NaiveDate, status: &str, priority: &str| Task {
            id: salesforce_id("00T", n * 10 + k),
            subject,
            due,
            status: status.to_owned(),
            priority: priority.to_owned(),
            what_id: m.opp.id.clone(),
            account_id: a.id.clone(),
            who_id: m.buyers.first().cloned(),
            owner_id: a.owner_id.clone(),
            created: m.last_call + Duration::hours(2),
        };
        let before = m.day.pred_opt().unwrap_or(m.day);
        self.org.tasks.push(task(
            1,
            "Send the recap and agenda of the next meeting".to_owned(),
            before,
            "Not Started",
            "High",
        ));
        if special {
            self.org.tasks.push(task(
                2,
                "Book the kickoff workshop".to_owned(),
                m.day + Duration::days(14),
                "Not Started",
                "Normal",
            ));
            self.org.tasks.push(task(
                3,
                "Share the SOC 2 report".to_owned(),
                before,
                "Completed",
                "Normal",
            ));
        }
        // The stage path up to today's stage, each change well before the newest call; on the
        // special account, the last step comes after it.
        let path = ["Discovery", "Evaluation", "Proposal", "Negotiation"];
        let reached = path.iter().position(|s| *s == m.opp.stage).unwrap_or(0);
        let mut history = Vec::new();
        for k in 1..=reached {
            let at = if special && k == reached {
                m.last_call + Duration::hours(18)
            } else {
                m.last_call - Duration::days(30 * (reached - k + 1) as i64)
            };
            history.push(("StageName", path[k - 1].to_owned(), path[k].to_owned(), at));
        }
        if special {
            history.push((
                "CloseDate",
                (m.opp.close_date + Duration::days(14))
                    .format("%Y-%m-%d")
                    .to_string(),
                m.opp.close_date.format("%Y-%m-%d").to_string(),
                m.last_call + Duration::hours(18),
            ));
            history.push((
                "NextStep",
                "Security review".to_owned(),
                m.opp.next_step.clone(),
                m.last_call + Duration::hours(19),
            ));
        }
        history.sort_by_key(|h| h.3);
        for (k, (field, old, new, at)) in history.into_iter().enumerate() {
            self.org.field_history.push(FieldChange {
                id: salesforce_id("017", n * 10 + k as u64),
                opportunity_id: m.opp.id.clone(),
                field: field.to_owned(),
                old_value: Some(old),
                new_value: Some(new),
                created: at,
                created_by: a.owner_id.clone(),
            });
        }
    }

    fn users(&mut self) {
        let manager_id = salesforce_id("005", (seed::DANA + 1) as u64);
        for (i, u) in USERS.iter().enumerate() {
            let username = if u.role == UserRole::Integration {
                format!("integration@{VENDOR_DOMAIN}")
            } else {
                format!("{}@{VENDOR_DOMAIN}", email_local(u.first, u.last))
            };
            self.org.users.push(User {
                id: salesforce_id("005", (i + 1) as u64),
                gong_id: ids::numeric_id(&mut self.rng, 19),
                email: username.clone(),
                username,
                first_name: u.first.into(),
                last_name: u.last.into(),
                title: u.title.into(),
                role: u.role,
                manager_id: (u.role == UserRole::Rep).then(|| manager_id.clone()),
            });
        }
    }

    fn contact(&mut self, account_id: &str, domain: &str, title: &str, country: &str) -> Contact {
        let (first, last) = self.names[self.contact_n as usize % self.names.len()];
        self.contact_n += 1;
        let phone = if country == "United Kingdom" {
            format!("+44 20 7946 0{:03}", self.contact_n)
        } else {
            format!("+1 555-01{:02}", self.contact_n % 100)
        };
        let c = Contact {
            id: salesforce_id("003", self.contact_n),
            account_id: account_id.into(),
            first_name: first.into(),
            last_name: last.into(),
            title: title.into(),
            email: format!("{}@{domain}", email_local(first, last)),
            phone,
            // Long before the first call; see `meeting` for the one contact added later.
            created: self.anchor - Duration::days(190),
        };
        self.org.contacts.push(c.clone());
        c
    }

    fn opportunity(
        &mut self,
        account: &Account,
        name: String,
        stage: &str,
        amount: f64,
        close_date: NaiveDate,
    ) -> Opportunity {
        self.opp_n += 1;
        let o = Opportunity {
            id: salesforce_id("006", self.opp_n),
            account_id: account.id.clone(),
            name,
            stage: stage.into(),
            amount,
            close_date,
            probability: probability(stage),
            is_closed: stage.starts_with("Closed"),
            is_won: stage == "Closed Won",
            owner_id: account.owner_id.clone(),
            next_step: String::new(),
        };
        self.org.opportunities.push(o.clone());
        o
    }

    /// Days before the anchor of each call of an account, oldest first.
    fn call_days(&mut self, index: usize, seed: &AccountSeed) -> Vec<i64> {
        let closed = seed.stage.starts_with("Closed");
        let newest = if closed {
            35 + self.rng.i64(0..20)
        } else {
            2 + (index as i64 * 3) % 13
        };
        let oldest = 150 + self.rng.i64(0..28);
        let n = seed.calls.max(1) as i64;
        let mut days: Vec<i64> = (0..n)
            .map(|k| {
                let base = if n == 1 {
                    newest
                } else {
                    oldest - (oldest - newest) * k / (n - 1)
                };
                let jitter = if k == 0 || k == n - 1 {
                    0
                } else {
                    self.rng.i64(-3..=3)
                };
                base + jitter
            })
            .collect();
        for k in 1..days.len() {
            if days[k] >= days[k - 1] {
                days[k] = days[k - 1] - 1;
            }
        }
        days
    }

    fn account(&mut self, index: usize, seed: &'static AccountSeed) {
        let user_id = |i: usize| salesforce_id("005", (i + 1) as u64);
        let account = Account {
            id: salesforce_id("001", (index + 1) as u64),
            name: seed.name.into(),
            industry: seed.industry.into(),
            website: format!("https://www.{}", seed.domain),
            domain: seed.domain.into(),
            number_of_employees: seed.employees,
            annual_revenue: seed.revenue,
            billing_city: seed.city.into(),
            billing_country: seed.country.into(),
            owner_id: user_id(seed.owner),
            shared_with: seed.shared_with.iter().map(|&i| user_id(i)).collect(),
        };
        self.org.accounts.push(account.clone());
        let (id, dom, country) = (account.id.clone(), seed.domain, seed.country);
        let buyers = Buyers {
            champion: self.contact(&id, dom, seed.champion_title, country),
            economic: self.contact(&id, dom, seed.eb_title, country),
            technical: self.contact(&id, dom, seed.tech_title, country),
            procurement: self.contact(&id, dom, seed.procurement_title, country),
            extra: seed.extra_title.map(|t| self.contact(&id, dom, t, country)),
        };

        let days = self.call_days(index, seed);
        let today = self.anchor.date_naive();
        let close_date = if seed.stage.starts_with("Closed") {
            today - Duration::days(days.last().copied().unwrap_or(30) - 10)
        } else {
            today + Duration::days(20 + self.rng.i64(0..70))
        };
        let opp = self.opportunity(
            &account,
            format!("{} - {} Platform", seed.name, seed::PRODUCT),
            seed.stage,
            seed.amount,
            close_date,
        );
        if let Some((suffix, stage, amount, ago)) = seed.past_deal {
            self.opportunity(
                &account,
                format!("{} - {suffix}", seed.name),
                stage,
                amount,
                today - Duration::days(ago),
            );
        }

        let closed = seed.stage.starts_with("Closed");
        let mut opp = opp;
        let kinds = Kind::sequence(seed.stage, seed.calls);
        let n = kinds.len();
        for (k, kind) in kinds.iter().enumerate() {
            let host = match (seed.shared_with.first(), n >= 2 && k == n - 2) {
                (Some(&other), true) => other,
                _ => seed.owner,
            };
            // The proposal is a weekday after the call: for an older call, on or after the
            // next call's day; for the newest, a week on (and after today, for an open deal:
            // the upcoming meeting on the calendar).
            let call_day = today - Duration::days(days[k]);
            let next_day = match days.get(k + 1) {
                Some(d) => weekday_on_or_after(today - Duration::days(*d)),
                None if closed => weekday_on_or_after(call_day + Duration::days(7)),
                None => weekday_on_or_after(
                    (call_day + Duration::days(7)).max(today + Duration::days(1)),
                ),
            };
            let repeat = k > 0 && kinds[k - 1] == *kind;
            let edge = Edge {
                unnamed_party: seed.name == UNNAMED_PARTY_ACCOUNT && k == n - 1,
                unlisted_speaker: seed.name == UNLISTED_SPEAKER_ACCOUNT && k == n - 1,
            };
            let spec = CallSpec {
                seed,
                account: &account,
                opp: &opp,
                buyers: &buyers,
                kind: *kind,
                host,
                days_ago: days[k],
                next_day,
                repeat,
                edge,
            };
            let (call, next_step) = self.call(spec);
            if k == n - 1 && !closed {
                opp.next_step = capitalize(&next_step);
                if let Some(stored) = self.org.opportunities.iter_mut().find(|o| o.id == opp.id) {
                    stored.next_step = opp.next_step.clone();
                }
                self.meetings.push(Proposal {
                    account: account.clone(),
                    opp: opp.clone(),
                    day: next_day,
                    next_step,
                    buyers: vec![buyers.champion.id.clone(), buyers.economic.id.clone()],
                    last_call: call.started + Duration::seconds(i64::from(call.duration)),
                });
            }
            self.org.calls.push(call);
        }
    }

    fn user(&self, i: usize) -> User {
        // USERS and org.users are built from the same table, in the same order.
        self.org.users[i].clone()
    }

    /// One call, and the next step its host proposed.
    fn call(&mut self, s: CallSpec) -> (Call, String) {
        self.call_n += 1;
        let n = self.call_n;
        let mut rng = Rng::with_seed(SEED ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let f = &s.seed.facts;
        let date = |days: i64| spoken_date(self.anchor, days);
        let rep = self.user(s.host);
        let se = self.user(seed::SAM);
        let manager = self.user(seed::DANA);
        let b = s.buyers;
        let ctx = Ctx {
            account: s.seed.name,
            city: s.seed.city,
            rep_first: rep.first_name.clone(),
            se_first: se.first_name.clone(),
            manager_first: manager.first_name.clone(),
            champ: b.champion.name(),
            champ_first: b.champion.first_name.clone(),
            champ_title: b.champion.title.clone(),
            eb: b.economic.name(),
            eb_first: b.economic.first_name.clone(),
            eb_title: b.economic.title.clone(),
            tech: b.technical.name(),
            tech_first: b.technical.first_name.clone(),
            proc_first: b.procurement.first_name.clone(),
            proc_title: b.procurement.title.clone(),
            facts: f,
            approval: f.approval.replace("{date}", &date(f.approval_in_days)),
            critical_event: f
                .critical_event
                .replace("{date}", &date(f.critical_in_days)),
            next_date: s.next_day.format("%A, %B %-d").to_string(),
        };

        // Parties, in the order Gong lists them: internal first.
        let mut parties = Vec::new();
        let mut cast = Vec::new();
        for who in script::attendees(s.kind, b.extra.is_some()) {
            let silent = who == Who::Manager && s.kind == Kind::Legal;
            let speaker_id = (!silent).then(|| ids::numeric_id(&mut rng, 16));
            if let Some(id) = &speaker_id {
                cast.push(Speaker {
                    who,
                    speaker_id: id.clone(),
                });
            }
            let party_id = ids::numeric_id(&mut rng, 16);
            let party = match who {
                Who::Rep | Who::Se | Who::Manager => {
                    let u = match who {
                        Who::Rep => &rep,
                        Who::Se => &se,
                        _ => &manager,
                    };
                    Party {
                        id: party_id,
                        name: Some(u.name()),
                        title: Some(u.title.clone()),
                        email: Some(u.email.clone()),
                        affiliation: Affiliation::Internal,
                        speaker_id,
                        user_id: Some(u.gong_id.clone()),
                        contact_id: None,
                    }
                }
                _ => {
                    let c = match who {
                        Who::Champion => &b.champion,
                        Who::Buyer => &b.economic,
                        Who::Tech => &b.technical,
                        Who::Procurement => &b.procurement,
                        _ => b.extra.as_ref().unwrap_or(&b.champion),
                    };
                    Party {
                        id: party_id,
                        name: Some(c.name()),
                        title: Some(c.title.clone()),
                        email: Some(c.email.clone()),
                        affiliation: Affiliation::External,
                        speaker_id,
                        user_id: None,
                        contact_id: Some(c.id.clone()),
                    }
                }
            };
            parties.push(party);
        }

        let mut asides = Vec::new();
        if s.edge.unnamed_party {
            let speaker_id = ids::numeric_id(&mut rng, 16);
            parties.push(Party {
                id: ids::numeric_id(&mut rng, 16),
                name: None,
                title: None,
                email: None,
                affiliation: Affiliation::Unknown,
                speaker_id: Some(speaker_id.clone()),
                user_id: None,
                contact_id: None,
            });
            asides.push(Aside {
                speaker_id,
                lines: vec![
                    "Sorry, I'm dialed in from the conference room phone.".into(),
                    "Carry on, I'm just listening in for the plant.".into(),
                ],
            });
        }
        if s.edge.unlisted_speaker {
            asides.push(Aside {
                speaker_id: ids::numeric_id(&mut rng, 16),
                lines: vec![
                    "Hi all, I joined late from the IT side.".into(),
                    "I mostly want to hear the integration part.".into(),
                ],
            });
        }

        let duration = rng.u32(1200..=3600);
        let conversation = conversation::build(
            script::blocks(s.kind, &ctx),
            &cast,
            asides,
            duration,
            &mut rng,
        );

        let hour = rng.i64(14..22);
        let minute = if rng.bool() { 30 } else { 0 };
        // A working day: a call `days_ago` that would fall on a weekend is held the Friday before.
        let day = weekday_on_or_before((self.anchor - Duration::days(s.days_ago)).date_naive());
        let scheduled = day.and_time(chrono::NaiveTime::MIN).and_utc()
            + Duration::hours(hour)
            + Duration::minutes(minute);
        let started = scheduled + Duration::seconds(rng.i64(0..240));
        let gong_id = ids::numeric_id(&mut rng, if n.is_multiple_of(5) { 18 } else { 19 });
        let title = if s.repeat {
            format!("{} <> {VENDOR}: {} follow-up", s.seed.name, s.kind.label())
        } else {
            format!("{} <> {VENDOR}: {}", s.seed.name, s.kind.label())
        };
        let next_step = script::next_step(s.kind, &ctx);
        let call = Call {
            url: format!("https://app.gong.io/call?id={gong_id}"),
            sf_id: salesforce_id("a0G", n),
            sf_name: format!("C-{:06}", 100 + n),
            account_id: s.account.id.clone(),
            opportunity_id: Some(s.opp.id.clone()),
            primary_user_id: rep.id.clone(),
            title,
            scheduled,
            started,
            duration,
            direction: "Conference".into(),
            scope: "External".into(),
            system: "Zoom".into(),
            language: "eng".into(),
            purpose: Some(s.kind.label().into()),
            is_private: false,
            meeting_url: format!("https://zoom.us/j/{}", ids::numeric_id(&mut rng, 10)),
            parties,
            monologues: conversation.monologues,
            brief: script::brief(s.kind, &ctx),
            key_points: script::key_points(s.kind, &ctx),
            topics: conversation.topics,
            gong_id,
        };
        (call, next_step)
    }
}

/// `text` with its first letter upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Which deliberate oddities a call carries.
struct Edge {
    unnamed_party: bool,
    unlisted_speaker: bool,
}

/// Everything needed to build one call.
struct CallSpec<'a> {
    seed: &'static AccountSeed,
    account: &'a Account,
    opp: &'a Opportunity,
    buyers: &'a Buyers,
    kind: Kind,
    host: usize,
    days_ago: i64,
    next_day: NaiveDate,
    repeat: bool,
    edge: Edge,
}

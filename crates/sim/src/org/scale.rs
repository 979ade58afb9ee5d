//! The sample org at a team's scale: `callbrief sim --org-reps N` adds N generated account
//! executives, so a load test can sign in hundreds of reps who each have their own accounts,
//! calls and a day of meetings.
//!
//! Generated rep `i` (1-based) logs in as [`org_rep_username`] with the simulator's demo
//! password, reports to the sales director like the sample reps, and owns 2 to 4 accounts.
//! Each account has three contacts and one open deal; the rep's 4 to 8 calls are spread over
//! the accounts (every account has at least one) over the last five months, in Gong and in the
//! Salesforce call object; and each account has one meeting tomorrow (UTC), at an hour of its
//! own, inviting one to three of its contacts. Everything about rep `i` comes from `i` and the
//! org's day alone: the same day gives the same rep whatever N is.
//!
//! Generated ids stay clear of the sample org's: users from `005…10001`, accounts from
//! `001…100010`, and Gong call ids that start with `66` (19 digits).

use chrono::Duration;
use fastrand::Rng;

use super::conversation::Speaker;
use super::generated::ordinary_talk;
use super::ids::{numeric_id, salesforce_id};
use super::model::*;
use super::script::Who;
use super::seed::{self, FIRST_NAMES, LAST_NAMES, VENDOR, VENDOR_DOMAIN};

/// The most generated reps an org takes (their numbers keep to four digits).
pub const MAX_ORG_REPS: u32 = 9_999;

/// Seed of rep `i`'s choices is this mixed with `i`.
const REP_SEED: u64 = 0x5CA1_E0F0_7EA3_0001;

/// Words of the generated accounts' names.
const NAME_WORDS: [&str; 12] = [
    "Apex", "Birch", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
    "Keystone", "Lumen",
];
/// Industries of the generated accounts, with the noun their names end in.
const INDUSTRIES: [(&str, &str); 6] = [
    ("Logistics", "Freight"),
    ("Healthcare", "Health"),
    ("Manufacturing", "Works"),
    ("Retail", "Stores"),
    ("Financial Services", "Capital"),
    ("Energy", "Power"),
];
/// The titles of each generated account's three contacts, the first being the champion.
const CONTACT_TITLES: [&str; 3] = ["VP of Operations", "Chief Financial Officer", "IT Director"];
/// Open stages a generated deal can be at.
const OPEN_STAGES: [(&str, u8); 4] = [
    ("Discovery", 10),
    ("Evaluation", 30),
    ("Proposal", 60),
    ("Negotiation", 80),
];

/// The Salesforce login of generated rep `i` (1-based): `rep001@callbrief-demo.com`.
pub fn org_rep_username(i: u32) -> String {
    format!("rep{i:03}@{VENDOR_DOMAIN}")
}

/// The number of the generated rep with this login, or `None` for any other user.
pub fn org_rep_number(username: &str) -> Option<u32> {
    let digits = username
        .strip_prefix("rep")?
        .strip_suffix(VENDOR_DOMAIN)?
        .strip_suffix('@')?;
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse()
        .ok()
        .filter(|n| (1..=MAX_ORG_REPS).contains(n))
}

impl SampleOrg {
    /// [`SampleOrg::generate`] with `reps` generated account executives added (at most
    /// [`MAX_ORG_REPS`]; 0 gives the sample org as it is).
    pub fn generate_with_reps(today: chrono::NaiveDate, reps: u32) -> SampleOrg {
        let mut org = Self::generate(today);
        let director = org
            .users
            .iter()
            .find(|u| u.role == UserRole::Manager)
            .map(|u| u.id.clone());
        for i in 1..=reps.min(MAX_ORG_REPS) {
            RepBuilder::new(&mut org, i, director.clone()).build();
        }
        org.calls.sort_by_key(|c| std::cmp::Reverse(c.started));
        org.events.sort_by_key(|e| e.start);
        org
    }
}

/// Builds one generated rep into the org.
struct RepBuilder<'a> {
    org: &'a mut SampleOrg,
    i: u32,
    rng: Rng,
    user: User,
}

impl<'a> RepBuilder<'a> {
    fn new(org: &'a mut SampleOrg, i: u32, director: Option<String>) -> Self {
        let n = u64::from(i);
        let rng = Rng::with_seed(REP_SEED ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let first = FIRST_NAMES[i as usize % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i as usize / FIRST_NAMES.len() + i as usize) % LAST_NAMES.len()];
        let username = org_rep_username(i);
        let user = User {
            id: salesforce_id("005", 10_000 + n),
            gong_id: format!("55{n:017}"),
            email: username.clone(),
            username,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            title: "Account Executive".to_owned(),
            role: UserRole::Rep,
            manager_id: director,
        };
        RepBuilder { org, i, rng, user }
    }

    fn build(mut self) {
        self.org.users.push(self.user.clone());
        let accounts = self.rng.u32(2..=4);
        let calls = self.rng.u32(4..=8);
        // Every account gets one call; the rest go to accounts at random.
        let mut per_account = vec![1u32; accounts as usize];
        for _ in accounts..calls {
            let k = self.rng.usize(..per_account.len());
            per_account[k] += 1;
        }
        let mut hours: Vec<i64> = (0..24).collect();
        self.rng.shuffle(&mut hours);
        let mut call_seq = 0u64;
        for (k, n_calls) in per_account.into_iter().enumerate() {
            let slot = u64::from(self.i) * 10 + k as u64;
            let (account, contacts, opp) = self.account(slot);
            for _ in 0..n_calls {
                call_seq += 1;
                let call = self.call(call_seq, &account, &contacts, &opp);
                self.org.calls.push(call);
            }
            self.meeting(slot, hours[k], &account, &contacts, &opp);
        }
    }

    fn account(&mut self, slot: u64) -> (Account, Vec<Contact>, Opportunity) {
        let word = NAME_WORDS[self.rng.usize(..NAME_WORDS.len())];
        let (industry, noun) = INDUSTRIES[self.rng.usize(..INDUSTRIES.len())];
        let tag = format!("{:03}{}", self.i, char::from(b'A' + (slot % 10) as u8));
        let name = format!("{word} {noun} {tag}");
        let domain = format!("{}-{}-{}.example", word, noun, tag).to_lowercase();
        let account = Account {
            id: salesforce_id("001", 100_000 + slot),
            name: name.clone(),
            industry: industry.to_owned(),
            website: format!("https://www.{domain}"),
            domain: domain.clone(),
            number_of_employees: self.rng.u32(50..5_000),
            annual_revenue: f64::from(self.rng.u32(5..500)) * 1_000_000.0,
            billing_city: "Chicago".to_owned(),
            billing_country: "United States".to_owned(),
            owner_id: self.user.id.clone(),
            shared_with: Vec::new(),
        };
        let contacts: Vec<Contact> = CONTACT_TITLES
            .iter()
            .enumerate()
            .map(|(j, title)| {
                let c = slot as usize * 3 + j;
                let first = FIRST_NAMES[(c * 7) % FIRST_NAMES.len()];
                let last = LAST_NAMES[(c * 11 + c / LAST_NAMES.len()) % LAST_NAMES.len()];
                Contact {
                    id: salesforce_id("003", 1_000_000 + slot * 10 + j as u64),
                    account_id: account.id.clone(),
                    first_name: first.to_owned(),
                    last_name: last.to_owned(),
                    title: (*title).to_owned(),
                    email: format!("{}.{}@{domain}", first, last).to_lowercase(),
                    phone: format!("+1 555-02{:02}", c % 100),
                    created: self.org.anchor - Duration::days(190),
                }
            })
            .collect();
        let (stage, probability) = OPEN_STAGES[self.rng.usize(..OPEN_STAGES.len())];
        let opp = Opportunity {
            id: salesforce_id("006", 100_000 + slot),
            account_id: account.id.clone(),
            name: format!("{name} - {} Platform", seed::PRODUCT),
            stage: stage.to_owned(),
            amount: f64::from(self.rng.u32(20..400)) * 1_000.0,
            close_date: self.org.anchor.date_naive() + Duration::days(self.rng.i64(20..90)),
            probability,
            is_closed: false,
            is_won: false,
            owner_id: self.user.id.clone(),
            next_step: "Review the proposal together".to_owned(),
        };
        self.org.accounts.push(account.clone());
        self.org.contacts.extend(contacts.iter().cloned());
        self.org.opportunities.push(opp.clone());
        (account, contacts, opp)
    }

    fn call(
        &mut self,
        seq: u64,
        account: &Account,
        contacts: &[Contact],
        opp: &Opportunity,
    ) -> Call {
        let n = u64::from(self.i);
        let gong_id = format!("66{n:06}{seq:011}");
        let rep_speaker = numeric_id(&mut self.rng, 16);
        let mut parties = vec![Party {
            id: numeric_id(&mut self.rng, 16),
            name: Some(self.user.name()),
            title: Some(self.user.title.clone()),
            email: Some(self.user.email.clone()),
            affiliation: Affiliation::Internal,
            speaker_id: Some(rep_speaker.clone()),
            user_id: Some(self.user.gong_id.clone()),
            contact_id: None,
        }];
        let mut cast = vec![Speaker {
            who: Who::Rep,
            speaker_id: rep_speaker,
        }];
        let buyers = self.rng.usize(1..=2);
        for c in contacts.iter().take(buyers) {
            let speaker_id = numeric_id(&mut self.rng, 16);
            parties.push(Party {
                id: numeric_id(&mut self.rng, 16),
                name: Some(c.name()),
                title: Some(c.title.clone()),
                email: Some(c.email.clone()),
                affiliation: Affiliation::External,
                speaker_id: Some(speaker_id.clone()),
                user_id: None,
                contact_id: Some(c.id.clone()),
            });
            cast.push(Speaker {
                who: Who::Champion,
                speaker_id,
            });
        }
        let duration = self.rng.u32(900..=2400);
        let talk = ordinary_talk(&cast, duration, &mut self.rng);
        let day = super::builder::weekday_on_or_before(
            (self.org.anchor - Duration::days(self.rng.i64(2..150))).date_naive(),
        );
        let scheduled =
            day.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::hours(self.rng.i64(14..22));
        let started = scheduled + Duration::seconds(self.rng.i64(0..240));
        Call {
            url: format!("https://app.gong.io/call?id={gong_id}"),
            sf_id: salesforce_id("a0G", 10_000_000 + n * 100 + seq),
            sf_name: format!("C-R{n:04}{seq:03}"),
            account_id: account.id.clone(),
            opportunity_id: Some(opp.id.clone()),
            primary_user_id: self.user.id.clone(),
            title: format!("{} <> {VENDOR}: working session", account.name),
            scheduled,
            started,
            duration,
            direction: "Conference".into(),
            scope: "External".into(),
            system: "Zoom".into(),
            language: "eng".into(),
            purpose: Some("Working session".into()),
            is_private: false,
            meeting_url: format!("https://zoom.us/j/{}", numeric_id(&mut self.rng, 10)),
            parties,
            monologues: talk.monologues,
            brief: "The team walked through the customer's current process, showed the product \
                    and agreed on next steps."
                .into(),
            key_points: Vec::new(),
            topics: talk.topics,
            gong_id,
        }
    }

    fn meeting(
        &mut self,
        slot: u64,
        hour: i64,
        account: &Account,
        contacts: &[Contact],
        opp: &Opportunity,
    ) {
        let invited = self.rng.usize(1..=contacts.len());
        let invitees = contacts
            .iter()
            .take(invited)
            .map(|c| (c.id.clone(), "New"))
            .chain([(self.user.id.clone(), "Accepted")])
            .enumerate()
            .map(|(k, (relation_id, status))| Invitee {
                id: salesforce_id("0RE", 10_000_000 + slot * 10 + k as u64),
                relation_id,
                status: status.to_owned(),
            })
            .collect();
        let minute = if self.rng.bool() { 30 } else { 0 };
        self.org.events.push(Event {
            id: salesforce_id("00U", 1_000_000 + slot),
            subject: format!("{} <> {VENDOR}: proposal review", account.name),
            start: self.org.anchor
                + Duration::days(1)
                + Duration::hours(hour)
                + Duration::minutes(minute),
            duration: if self.rng.bool() { 30 } else { 60 },
            what_id: opp.id.clone(),
            account_id: account.id.clone(),
            who_id: contacts.first().map(|c| c.id.clone()),
            owner_id: self.user.id.clone(),
            location: "Zoom".to_owned(),
            description: "Review the proposal together.".to_owned(),
            invitees,
            created: self.org.anchor - Duration::days(2),
            is_private: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::collections::HashSet;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
    }

    #[test]
    fn each_generated_rep_has_accounts_calls_and_a_day_of_meetings() {
        let base = SampleOrg::generate(day());
        let org = SampleOrg::generate_with_reps(day(), 25);
        assert_eq!(org.users.len(), base.users.len() + 25);
        let director = org.users.iter().find(|u| u.role == UserRole::Manager);
        for i in 1..=25 {
            let rep = org
                .user_by_username(&org_rep_username(i))
                .expect("the generated rep");
            assert_eq!(org_rep_number(&rep.username), Some(i));
            assert_eq!(rep.manager_id, director.map(|d| d.id.clone()));
            let accounts: Vec<&Account> = org
                .accounts
                .iter()
                .filter(|a| a.owner_id == rep.id)
                .collect();
            assert!((2..=4).contains(&accounts.len()), "{}", accounts.len());
            let calls = org
                .calls
                .iter()
                .filter(|c| c.primary_user_id == rep.id)
                .count();
            assert!((4..=8).contains(&calls), "{calls}");
            let meetings: Vec<&Event> =
                org.events.iter().filter(|e| e.owner_id == rep.id).collect();
            assert_eq!(meetings.len(), accounts.len());
            for a in &accounts {
                assert!(org.calls_for_account(&a.id).count() >= 1, "{}", a.name);
                assert_eq!(org.contacts_for_account(&a.id).count(), 3);
                assert_eq!(org.opportunities_for_account(&a.id).count(), 1);
            }
            for m in &meetings {
                let from = org.anchor + Duration::days(1);
                assert!(m.start >= from && m.start < from + Duration::days(1));
                assert!(m.invitees.len() >= 2, "a contact and the rep");
            }
            let starts: HashSet<_> = meetings.iter().map(|m| m.start).collect();
            assert_eq!(starts.len(), meetings.len(), "no two at once");
        }
    }

    #[test]
    fn ids_are_unique_and_a_rep_does_not_depend_on_how_many_there_are() {
        let small = SampleOrg::generate_with_reps(day(), 3);
        let large = SampleOrg::generate_with_reps(day(), 300);
        let unique = |ids: Vec<&str>| ids.len() == ids.iter().collect::<HashSet<_>>().len();
        assert!(unique(
            large.calls.iter().map(|c| c.gong_id.as_str()).collect()
        ));
        assert!(unique(
            large.calls.iter().map(|c| c.sf_id.as_str()).collect()
        ));
        assert!(unique(
            large.accounts.iter().map(|a| a.id.as_str()).collect()
        ));
        assert!(unique(
            large.accounts.iter().map(|a| a.name.as_str()).collect()
        ));
        assert!(unique(
            large.contacts.iter().map(|c| c.id.as_str()).collect()
        ));
        assert!(unique(large.events.iter().map(|e| e.id.as_str()).collect()));
        assert!(unique(
            large.users.iter().map(|u| u.gong_id.as_str()).collect()
        ));
        let ids = |org: &SampleOrg| -> Vec<String> {
            org.calls
                .iter()
                .filter(|c| c.gong_id.starts_with("66000003"))
                .map(|c| format!("{} {}", c.gong_id, c.started))
                .collect()
        };
        assert!(!ids(&small).is_empty());
        assert_eq!(ids(&small), ids(&large));
        let again = SampleOrg::generate_with_reps(day(), 3);
        assert_eq!(ids(&small), ids(&again));
        assert_eq!(org_rep_number("maya.chen@callbrief-demo.com"), None);
        assert_eq!(org_rep_number("rep0001@callbrief-demo.com"), Some(1));
        assert_eq!(org_rep_number("rep000@callbrief-demo.com"), None);
        let zero = SampleOrg::generate_with_reps(day(), 0);
        assert_eq!(zero.calls.len(), SampleOrg::generate(day()).calls.len());
    }
}

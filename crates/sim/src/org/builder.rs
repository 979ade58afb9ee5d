//! Builds the sample org from the seed tables: users, accounts with contacts and deals, and
//! each account's calls with parties, transcript and Gong's AI content.

use chrono::{DateTime, Duration, NaiveDate, Utc};
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
}

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
        };
        Builder {
            anchor,
            rng,
            names,
            org,
            contact_n: 0,
            opp_n: 0,
            call_n: 0,
        }
    }

    pub(super) fn build(mut self) -> SampleOrg {
        self.users();
        for (i, seed) in ACCOUNTS.iter().enumerate() {
            self.account(i, seed);
        }
        self.org.calls.sort_by_key(|c| std::cmp::Reverse(c.started));
        self.org
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

        let kinds = Kind::sequence(seed.stage, seed.calls);
        let n = kinds.len();
        for (k, kind) in kinds.iter().enumerate() {
            let host = match (seed.shared_with.first(), n >= 2 && k == n - 2) {
                (Some(&other), true) => other,
                _ => seed.owner,
            };
            let next_day = days
                .get(k + 1)
                .map_or(today + Duration::days(7), |d| today - Duration::days(*d));
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
            let call = self.call(spec);
            self.org.calls.push(call);
        }
    }

    fn user(&self, i: usize) -> User {
        // USERS and org.users are built from the same table, in the same order.
        self.org.users[i].clone()
    }

    fn call(&mut self, s: CallSpec) -> Call {
        self.call_n += 1;
        let n = self.call_n;
        let mut rng = Rng::with_seed(SEED ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let f = &s.seed.facts;
        let date = |days: i64| {
            (self.anchor + Duration::days(days))
                .format("%B %-d")
                .to_string()
        };
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
        let scheduled = self.anchor - Duration::days(s.days_ago)
            + Duration::hours(hour)
            + Duration::minutes(minute);
        let started = scheduled + Duration::seconds(rng.i64(0..240));
        let gong_id = ids::numeric_id(&mut rng, if n.is_multiple_of(5) { 18 } else { 19 });
        let title = if s.repeat {
            format!("{} <> {VENDOR}: {} follow-up", s.seed.name, s.kind.label())
        } else {
            format!("{} <> {VENDOR}: {}", s.seed.name, s.kind.label())
        };
        Call {
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
        }
    }
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

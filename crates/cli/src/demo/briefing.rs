//! Demo step: the one-action flow, the recommended GPT setup. Finds the account with
//! `GET /accounts/search`, lets the "rep" confirm it, then asks `GET /accounts/{id}/briefing`
//! for everything at once, over HTTP as the GPT's action would, and prints a compact summary of
//! the pack: account, open deals, key contacts, calls, size and the start of the instructions.

use std::time::Instant;

use anyhow::Context;
use service::dto::AccountsResponse;
use service::Briefing;

use super::http::{read, read_json};
use super::salesforce::{CONFIRMED_ACCOUNT, SEARCH_TERM};
use super::table;

/// Calls the briefing asks for.
const BRIEFING_CALLS: usize = 3;
/// The methodology the briefing is written up in.
const METHODOLOGY: &str = "medpicc";
/// Key contacts shown; the rest are counted.
const SHOWN_CONTACTS: usize = 4;
/// Lines of the write-up instructions shown.
const INSTRUCTION_LINES: usize = 3;

/// What the step leaves for the rest of the demo.
pub struct StepOutput {
    /// curl lines repeating the step's requests.
    pub curls: Vec<String>,
}

/// Runs `searchAccounts` and `getAccountBriefing` against the server at `base_url` with
/// `api_key` and prints what each returned.
pub async fn walkthrough(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
) -> anyhow::Result<StepOutput> {
    println!("The one-action flow (recommended), as the GPT runs it:");
    println!();

    let search_url = format!("{base_url}/accounts/search?name={SEARCH_TERM}");
    println!("1. searchAccounts: GET {search_url}");
    let found: AccountsResponse = read_json(
        http.get(&search_url).bearer_auth(api_key).send().await,
        "GET /accounts/search",
    )
    .await?;
    for hit in &found.accounts {
        println!("   {} - {}", hit.name, hit.id);
    }
    let confirmed = found
        .accounts
        .iter()
        .find(|hit| hit.name == CONFIRMED_ACCOUNT)
        .with_context(|| format!("/accounts/search did not find {CONFIRMED_ACCOUNT:?}"))?;
    anyhow::ensure!(
        service::ids::is_account_id(&confirmed.id),
        "/accounts/search returned an account id that is not an id: {:?}",
        confirmed.id
    );
    println!(
        "   The rep confirms \"{} - {}\".",
        confirmed.name, confirmed.id
    );

    let briefing_url = format!(
        "{base_url}/accounts/{}/briefing?calls={BRIEFING_CALLS}&methodology={METHODOLOGY}",
        confirmed.id
    );
    println!("2. getAccountBriefing: GET {briefing_url}");
    let started = Instant::now();
    let what = "GET /accounts/{id}/briefing";
    let sent = read(
        http.get(&briefing_url).bearer_auth(api_key).send().await,
        what,
    )
    .await?;
    let (status, text) = (sent.status, &sent.text);
    let pack: Briefing = sent.json(what)?;
    println!(
        "   -> {status} in {} ms, {} calls, {} transcripts, {} characters (limit {}, {})",
        started.elapsed().as_millis(),
        pack.calls.len(),
        pack.transcripts.len(),
        text.chars().count(),
        pack.truncation.max_chars,
        if pack.truncation.truncated {
            "transcripts cut to fit"
        } else {
            "nothing cut"
        }
    );
    for note in &pack.notes {
        println!("   note: {note}");
    }
    println!();
    for line in summary(&pack) {
        println!("{line}");
    }
    println!();

    let auth = format!("-H 'Authorization: Bearer {api_key}'");
    Ok(StepOutput {
        curls: vec![
            format!("curl -s '{search_url}' {auth}"),
            format!("curl -s '{briefing_url}' {auth}"),
        ],
    })
}

/// The pack in a few aligned lines: who, what is open, who matters, which calls, how to write
/// it up.
fn summary(pack: &Briefing) -> Vec<String> {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let mut facts: Vec<[String; 2]> = Vec::new();
    // The pack opens with the meeting: when, what, who is coming (newcomers marked).
    match &pack.meeting {
        Some(m) => {
            facts.push([
                "Next meeting".to_owned(),
                format!("{}, {}", dash(&m.start), dash(&m.subject)),
            ]);
            let coming: Vec<String> = m
                .attendees
                .iter()
                .map(|a| {
                    let roles = if a.buying_roles.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", a.buying_roles.join(", "))
                    };
                    let new = if a.first_time { " (first time)" } else { "" };
                    table::clip(&format!("{}{roles}{new}", a.name), table::LINE_WIDTH - 16)
                })
                .collect();
            labelled(&mut facts, "Coming", coming, "nobody you can see");
        }
        None => facts.push(["Next meeting".to_owned(), "none on the calendar".to_owned()]),
    }
    if let Some(since) = &pack.since_last_call {
        let changes: Vec<String> = since
            .deal_changes
            .iter()
            .map(|c| {
                format!(
                    "{}: {} -> {}",
                    c.field,
                    dash(&c.old_value),
                    dash(&c.new_value)
                )
            })
            .chain(
                since
                    .new_contacts
                    .iter()
                    .map(|c| format!("new contact {}", c.name)),
            )
            .chain(
                since
                    .open_tasks
                    .iter()
                    .map(|t| format!("task due {}: {}", dash(&t.due), dash(&t.subject))),
            )
            .map(|line| table::clip(&line, table::LINE_WIDTH - 16))
            .collect();
        labelled(&mut facts, "Since last call", changes, "nothing new");
    }
    facts.push([
        "Account".to_owned(),
        format!(
            "{}, {}, owner {}",
            pack.account.name,
            dash(&pack.account.industry),
            dash(&pack.account.owner)
        ),
    ]);
    let deals = table::align(
        &pack
            .opportunities
            .iter()
            .map(|o| {
                [
                    o.name.clone(),
                    dash(&o.stage),
                    o.amount.map(amount).unwrap_or_else(|| "-".to_owned()),
                    format!("closes {}", dash(&o.close_date)),
                ]
            })
            .collect::<Vec<_>>(),
    );
    labelled(&mut facts, "Open deals", deals, "none");
    let mut people: Vec<String> = pack
        .contacts
        .iter()
        .take(SHOWN_CONTACTS)
        .map(|c| match &c.title {
            Some(title) => format!("{}, {title}", c.name),
            None => c.name.clone(),
        })
        .collect();
    if pack.contacts.len() > SHOWN_CONTACTS {
        people.push(format!("and {} more", pack.contacts.len() - SHOWN_CONTACTS));
    }
    labelled(&mut facts, "Key contacts", people, "none");
    if !pack.stakeholders.is_empty() {
        // What the stakeholder map tells the rep to act on.
        let flags: Vec<String> = pack
            .stakeholders
            .iter()
            .flat_map(|p| p.flags.iter().map(move |f| format!("{}: {f}", p.name)))
            .map(|f| table::clip(&f, table::LINE_WIDTH - 16))
            .collect();
        labelled(&mut facts, "People flags", flags, "none raised");
    }
    let mut lines = table::align(&facts);

    lines.push(String::new());
    let calls: Vec<[String; 3]> = pack
        .calls
        .iter()
        .map(|c| {
            let attendees: Vec<&str> = c
                .attendees
                .iter()
                .map(|a| a.name.as_deref().unwrap_or("(unnamed)"))
                .collect();
            [
                dash(&c.title),
                c.started
                    .as_deref()
                    .map(|s| s.chars().take(10).collect())
                    .unwrap_or_else(|| "-".to_owned()),
                attendees.join(", "),
            ]
        })
        .collect();
    lines.extend(table::render(["Title", "Date", "Attendees"], &calls));

    // Gong's intelligence of each call, which the pack carries before the transcripts.
    let heard: Vec<[String; 3]> = pack
        .calls
        .iter()
        .filter_map(|c| {
            let i = c.intelligence.as_ref()?;
            let trackers: Vec<String> = i
                .trackers
                .iter()
                .map(|t| format!("{} x{}", t.name, t.count))
                .collect();
            let next = i.next_steps.first().map_or_else(
                || "-".to_owned(),
                |m| match &m.at {
                    Some(at) => format!("[{at}] {}", m.text),
                    None => m.text.clone(),
                },
            );
            Some([
                c.started
                    .as_deref()
                    .map(|s| s.chars().take(10).collect())
                    .unwrap_or_else(|| "-".to_owned()),
                table::clip(&trackers.join(", "), 44),
                table::clip(&next, 48),
            ])
        })
        .collect();
    if !heard.is_empty() {
        lines.push(String::new());
        lines.push("  What Gong heard (per call, before the transcripts):".to_owned());
        lines.extend(table::render(["Date", "Trackers", "Next step"], &heard));
    }

    lines.push(String::new());
    lines.push(format!(
        "  Instructions ({}), first lines:",
        pack.methodology.as_str().to_uppercase()
    ));
    lines.extend(
        pack.instructions
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(INSTRUCTION_LINES)
            .map(|l| format!("    {}", table::clip(l.trim_end(), table::LINE_WIDTH - 4))),
    );
    lines
}

/// Adds `values` under `label` (the label on the first line only), or `empty` when none.
fn labelled(rows: &mut Vec<[String; 2]>, label: &str, values: Vec<String>, empty: &str) {
    if values.is_empty() {
        rows.push([label.to_owned(), empty.to_owned()]);
    }
    for (i, value) in values.into_iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        rows.push([label.to_owned(), value.trim_start().to_owned()]);
    }
}

/// An amount with thousands separators and no cents, e.g. `240,000`.
fn amount(value: f64) -> String {
    let whole = value.abs().round();
    let digits = format!("{whole:.0}");
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0.0 && whole > 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// The `callbrief briefing` command line that builds the same pack as Markdown from the
/// settings in `env` (the simulators' addresses and credentials), run by `program` (the path
/// of the running binary, so the line runs as printed whether or not callbrief is on the PATH).
pub fn cli_line(program: &str, env: &[(&str, &str)]) -> String {
    let mut line: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    let program = if program.contains([' ', '\'', '"']) {
        format!("'{}'", program.replace('\'', r"'\''"))
    } else {
        program.to_owned()
    };
    line.push_str(&format!("{program} briefing \"{CONFIRMED_ACCOUNT}\""));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(amount(240_000.0), "240,000");
        assert_eq!(amount(1_234_567.4), "1,234,567");
        assert_eq!(amount(999.6), "1,000");
        assert_eq!(amount(0.0), "0");
        assert_eq!(amount(-1500.0), "-1,500");
    }

    fn pack(contacts: usize, opportunities: usize) -> Briefing {
        let contacts: Vec<_> = (0..contacts)
            .map(|i| json!({"id": "003", "name": format!("Person {i}"), "title": "CFO", "callsAttended": 1}))
            .collect();
        let opportunities: Vec<_> = (0..opportunities)
            .map(|i| json!({"id": "006", "name": format!("Deal {i}"), "stage": "Negotiation", "amount": 240000, "closeDate": "2027-02-02"}))
            .collect();
        serde_json::from_value(json!({
            "account": {"id": "001", "name": "Acme Logistics", "owner": "Maya Chen", "industry": null},
            "methodology": "medpicc",
            "instructions": "Write it up.\n\n1. Account\n2. Calls\n3. Focus\n4. MEDPICC",
            "opportunities": opportunities,
            "contacts": contacts,
            "calls": [{"callId": "1", "title": "Kickoff", "started": "2026-11-22T18:32:22Z", "duration": 60,
                       "attendees": [{"name": "Maya Chen", "affiliation": "Internal"}, {"name": null, "affiliation": "Unknown"}],
                       "hasTranscript": true,
                       "intelligence": {"brief": "Kickoff.", "nextSteps": [{"text": "Demo on Tuesday.", "at": "41:05"}],
                                        "trackers": [{"name": "Competitors", "count": 2}]}}],
            "notes": [],
            "truncation": {"maxChars": 100000, "truncated": false, "calls": []},
            "transcripts": [{"callId": "1", "title": null, "started": null, "content": "Maya Chen: Hi"}],
        }))
        .unwrap()
    }

    #[test]
    fn summary_shows_the_pack_in_aligned_lines() {
        let lines = summary(&pack(5, 1));
        let text = lines.join("\n");
        assert!(
            text.contains("  Account       Acme Logistics, -, owner Maya Chen"),
            "{text}"
        );
        assert!(
            text.contains("  Open deals    Deal 0  Negotiation  240,000  closes 2027-02-02"),
            "{text}"
        );
        assert!(text.contains("  Key contacts  Person 0, CFO\n                Person 1, CFO"));
        assert!(
            text.contains("Person 3, CFO\n                and 1 more"),
            "{text}"
        );
        assert!(!text.contains("Person 4"), "{text}");
        assert!(
            text.contains("  Kickoff  2026-11-22  Maya Chen, (unnamed)"),
            "{text}"
        );
        assert!(
            text.contains("  2026-11-22  Competitors x2  [41:05] Demo on Tuesday."),
            "{text}"
        );
        assert!(
            text.ends_with(
                "  Instructions (MEDPICC), first lines:\n    Write it up.\n    1. Account\n    2. Calls"
            ),
            "{text}"
        );
    }

    #[test]
    fn summary_lists_the_stakeholder_flags() {
        let mut pack = pack(1, 1);
        pack.stakeholders = serde_json::from_value(json!([
            {"name": "Ann Lee", "title": "CFO", "contactId": "003A", "buyingRoles": ["Economic Buyer"],
             "callsAttended": 0, "talkShare": null, "lastHeard": null,
             "flags": ["Economic Buyer never on a call"]}
        ]))
        .unwrap();
        let text = summary(&pack).join("\n");
        assert!(
            text.contains("  People flags  Ann Lee: Economic Buyer never on a call"),
            "{text}"
        );
    }

    #[test]
    fn summary_says_when_nothing_is_open() {
        let text = summary(&pack(0, 0)).join("\n");
        assert!(text.contains("  Open deals    none"), "{text}");
        assert!(text.contains("  Key contacts  none"), "{text}");
    }

    #[test]
    fn cli_line_sets_the_environment_before_the_command() {
        assert_eq!(
            cli_line("/x/callbrief", &[("GONG_BASE_URL", "http://127.0.0.1:1")]),
            "GONG_BASE_URL=http://127.0.0.1:1 /x/callbrief briefing \"Acme Logistics\""
        );
        assert_eq!(
            cli_line("/my dir/callbrief", &[]),
            "'/my dir/callbrief' briefing \"Acme Logistics\""
        );
    }
}

//! A [`Briefing`] as Markdown: the pack a person pastes into any assistant.

use std::fmt::Write as _;

use transcript::budget::group_thousands;

use crate::model::{Briefing, BriefingCall};

/// Text safe inside a Markdown table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// `text` or an em dash when missing.
fn or_dash(text: Option<&str>) -> String {
    text.filter(|t| !t.trim().is_empty())
        .map_or_else(|| "—".to_owned(), cell)
}

/// The date part of an ISO-8601 instant (`2024-05-02T15:00:00Z` → `2024-05-02`).
pub fn date_of(started: Option<&str>) -> Option<&str> {
    started.map(|s| s.get(..10).unwrap_or(s))
}

/// Seconds as `45 min` or `1 h 05 min`.
fn minutes(seconds: Option<i64>) -> String {
    match seconds {
        None => "—".to_owned(),
        Some(s) => {
            let m = (s.max(0) + 30) / 60;
            if m >= 60 {
                format!("{} h {:02} min", m / 60, m % 60)
            } else {
                format!("{m} min")
            }
        }
    }
}

/// A whole number with thousands separators, for amounts.
fn money(amount: Option<f64>) -> String {
    let Some(amount) = amount else {
        return "—".to_owned();
    };
    let mut out = group_thousands(&format!("{:.0}", amount.abs()));
    if amount < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn attendees(call: &BriefingCall) -> String {
    if call.attendees.is_empty() {
        return "—".to_owned();
    }
    let people: Vec<String> = call
        .attendees
        .iter()
        .map(|a| {
            let name = a.name.as_deref().unwrap_or("Unknown");
            match a.title.as_deref() {
                Some(title) => format!("{name} ({title}, {})", a.affiliation),
                None => format!("{name} ({})", a.affiliation),
            }
        })
        .collect();
    cell(&people.join("; "))
}

/// The whole briefing as Markdown: instructions, account, opportunities, contacts, calls
/// table, notes, and each transcript under a heading that names its call and date.
pub fn render_markdown(b: &Briefing) -> String {
    let mut out = String::new();
    let a = &b.account;
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# Briefing pack: {}\n", a.name.replace('\n', " "));
    let _ = writeln!(
        out,
        "## How to write this up ({})\n\n{}\n",
        b.methodology.title(),
        b.instructions
    );
    let _ = writeln!(out, "## Account\n");
    let _ = writeln!(out, "- Name: {}", cell(&a.name));
    let _ = writeln!(out, "- Salesforce id: {}", a.id);
    let _ = writeln!(out, "- Owner: {}", or_dash(a.owner.as_deref()));
    let _ = writeln!(out, "- Industry: {}", or_dash(a.industry.as_deref()));
    let _ = writeln!(out, "- Website: {}", or_dash(a.website.as_deref()));
    let employees = a.employees.map(|e| money(Some(e as f64)));
    let _ = writeln!(out, "- Employees: {}", or_dash(employees.as_deref()));
    let _ = writeln!(out, "- Annual revenue: {}", money(a.annual_revenue));
    let _ = writeln!(out, "- Location: {}\n", or_dash(a.location.as_deref()));

    let _ = writeln!(out, "## Open opportunities\n");
    if b.opportunities.is_empty() {
        let _ = writeln!(out, "None open.\n");
    } else {
        let _ = writeln!(out, "| Name | Stage | Amount | Close date | Owner |");
        let _ = writeln!(out, "| --- | --- | ---: | --- | --- |");
        for o in &b.opportunities {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&o.name),
                or_dash(o.stage.as_deref()),
                money(o.amount),
                or_dash(o.close_date.as_deref()),
                or_dash(o.owner.as_deref()),
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Key contacts\n");
    if b.contacts.is_empty() {
        let _ = writeln!(out, "None recorded.\n");
    } else {
        let _ = writeln!(out, "| Name | Title | Calls attended |");
        let _ = writeln!(out, "| --- | --- | ---: |");
        for c in &b.contacts {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&c.name),
                or_dash(c.title.as_deref()),
                c.calls_attended
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Calls\n");
    if b.calls.is_empty() {
        let _ = writeln!(out, "No recorded calls.\n");
    } else {
        let _ = writeln!(
            out,
            "| Title | Date | Duration | Attendees | Gong link |\n| --- | --- | --- | --- | --- |"
        );
        for c in &b.calls {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                or_dash(c.title.as_deref()),
                or_dash(date_of(c.started.as_deref())),
                minutes(c.duration),
                attendees(c),
                or_dash(c.url.as_deref()),
            );
        }
        out.push('\n');
    }

    if !b.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for note in &b.notes {
            let _ = writeln!(out, "- {}", note.replace('\n', " "));
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Transcripts\n");
    if b.transcripts.is_empty() {
        let _ = writeln!(out, "None available.\n");
    }
    for t in &b.transcripts {
        let _ = writeln!(
            out,
            "### {} — {} (Gong call {})\n",
            t.title
                .as_deref()
                .unwrap_or("Untitled call")
                .replace('\n', " "),
            date_of(t.started.as_deref()).unwrap_or("date unknown"),
            t.call_id
        );
        out.push_str(&t.content);
        if !t.content.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methodology::Methodology;
    use crate::model::*;
    use transcript::Speaker;

    fn sample() -> Briefing {
        Briefing {
            account: AccountSummary {
                id: "001000000000001AAA".into(),
                name: "Acme | Logistics".into(),
                owner: Some("Maya Chen".into()),
                industry: Some("Logistics".into()),
                website: None,
                employees: Some(5200),
                annual_revenue: Some(1_250_000_000.0),
                location: Some("Chicago, USA".into()),
            },
            methodology: Methodology::Spiced,
            instructions: Methodology::Spiced.instructions("Acme | Logistics"),
            opportunities: vec![OpportunitySummary {
                id: "006000000000001AAA".into(),
                name: "Acme renewal".into(),
                stage: Some("Evaluation".into()),
                amount: Some(120000.0),
                close_date: Some("2024-09-30".into()),
                probability: Some(40.0),
                owner: Some("Maya Chen".into()),
            }],
            contacts: vec![ContactSummary {
                id: "003000000000001AAA".into(),
                name: "Dana Whitfield".into(),
                title: Some("VP Operations".into()),
                calls_attended: 2,
            }],
            calls: vec![BriefingCall {
                call_id: "123".into(),
                title: Some("Discovery".into()),
                started: Some("2024-05-02T15:00:00Z".into()),
                duration: Some(3_900),
                url: Some("https://app.gong.io/call?id=123".into()),
                attendees: vec![Speaker {
                    name: Some("Dana Whitfield".into()),
                    title: Some("VP Operations".into()),
                    affiliation: "External".into(),
                    email_domain: Some("acme.example".into()),
                }],
                has_transcript: true,
            }],
            notes: vec![],
            cached_call_ids: vec![],
            truncation: Truncation {
                max_chars: 100_000,
                truncated: false,
                calls: vec![],
            },
            transcripts: vec![BriefingTranscript {
                call_id: "123".into(),
                title: Some("Discovery".into()),
                started: Some("2024-05-02T15:00:00Z".into()),
                content: "Dana Whitfield: Hello.\n\n".into(),
            }],
        }
    }

    #[test]
    fn every_part_is_rendered() {
        let md = render_markdown(&sample());
        assert!(md.starts_with("# Briefing pack: Acme | Logistics\n"));
        assert!(md.contains("## How to write this up (SPICED)"));
        assert!(md.contains("- Name: Acme \\| Logistics"));
        assert!(md.contains("- Website: —"));
        assert!(md.contains("- Employees: 5,200"));
        assert!(md.contains("- Annual revenue: 1,250,000,000"));
        assert!(md.contains("| Acme renewal | Evaluation | 120,000 | 2024-09-30 | Maya Chen |"));
        assert!(md.contains("| Dana Whitfield | VP Operations | 2 |"));
        assert!(md.contains(
            "| Discovery | 2024-05-02 | 1 h 05 min | Dana Whitfield (VP Operations, External) | https://app.gong.io/call?id=123 |"
        ));
        assert!(
            md.contains("### Discovery — 2024-05-02 (Gong call 123)\n\nDana Whitfield: Hello.\n\n")
        );
        assert!(!md.contains("## Notes"));
    }

    #[test]
    fn an_account_without_calls_says_so() {
        let mut b = sample();
        b.calls.clear();
        b.transcripts.clear();
        b.notes
            .push("No Gong calls are recorded for this account.".into());
        let md = render_markdown(&b);
        assert!(md.contains("No recorded calls."));
        assert!(md.contains("## Notes\n\n- No Gong calls are recorded for this account."));
        assert!(md.contains("## Transcripts\n\nNone available."));
    }

    #[test]
    fn durations_round_to_minutes() {
        assert_eq!(minutes(Some(29)), "0 min");
        assert_eq!(minutes(Some(2700)), "45 min");
        assert_eq!(minutes(Some(3600)), "1 h 00 min");
        assert_eq!(minutes(None), "—");
        assert_eq!(money(Some(-1234.4)), "-1,234");
    }
}

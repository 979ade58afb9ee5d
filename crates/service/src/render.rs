//! A [`Briefing`] as Markdown: the pack a person pastes into any assistant.

use std::fmt::Write as _;

use transcript::budget::group_thousands;

use crate::model::{
    Briefing, BriefingCall, CallIntelligence, Meeting, Moment, SinceLastCall, Stakeholder,
};

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

/// The heading that names a call for citing: `### Title — 2024-05-02 (Gong call 123)`.
fn call_heading(title: Option<&str>, started: Option<&str>, call_id: &str) -> String {
    format!(
        "### {} — {} (Gong call {call_id})\n",
        title.unwrap_or("Untitled call").replace('\n', " "),
        date_of(started).unwrap_or("date unknown"),
    )
}

/// Text on one Markdown line.
fn line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// A highlight with its time in the call: `[12:34] text`.
fn moment(m: &Moment) -> String {
    match &m.at {
        Some(at) => format!("[{at}] {}", line(&m.text)),
        None => line(&m.text),
    }
}

/// The stakeholder map as a table, then its flags as a list.
fn write_stakeholders(out: &mut String, people: &[Stakeholder]) {
    let _ = writeln!(out, "## Stakeholders\n");
    let _ = writeln!(
        out,
        "| Name | Title | Buying role | Calls | Talk share | Last heard on | In Salesforce |"
    );
    let _ = writeln!(out, "| --- | --- | --- | ---: | ---: | --- | --- |");
    for p in people {
        let mut roles = p.buying_roles.join(", ");
        if p.primary {
            roles.push_str(" (primary)");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&p.name),
            or_dash(p.title.as_deref()),
            or_dash(Some(roles.trim())),
            p.calls_attended,
            p.talk_share
                .map_or_else(|| "—".to_owned(), |s| format!("{s}%")),
            or_dash(p.last_heard.as_deref()),
            if p.contact_id.is_some() { "yes" } else { "no" },
        );
    }
    out.push('\n');
    let flags: Vec<String> = people
        .iter()
        .flat_map(|p| {
            p.flags
                .iter()
                .map(move |f| format!("- {}: {}", line(&p.name), line(f)))
        })
        .collect();
    if !flags.is_empty() {
        let _ = writeln!(out, "Flags:\n\n{}\n", flags.join("\n"));
    }
}

/// One call's Gong intelligence as a list.
fn write_intelligence(out: &mut String, i: &CallIntelligence) {
    if let Some(brief) = &i.brief {
        let _ = writeln!(out, "- Brief: {}", line(brief));
    }
    if let Some(outcome) = &i.outcome {
        let _ = writeln!(out, "- Outcome: {}", line(outcome));
    }
    let lists = [
        (
            "Key points",
            i.key_points.iter().map(|k| line(k)).collect::<Vec<_>>(),
        ),
        ("Next steps", i.next_steps.iter().map(moment).collect()),
        ("Highlights", i.highlights.iter().map(moment).collect()),
    ];
    for (name, items) in lists {
        if !items.is_empty() {
            let _ = writeln!(out, "- {name}:");
            for item in items {
                let _ = writeln!(out, "  - {item}");
            }
        }
    }
    if !i.trackers.is_empty() {
        let trackers: Vec<String> = i
            .trackers
            .iter()
            .map(|t| {
                let mut s = format!("{} ×{}", line(&t.name), t.count);
                if !t.said_by.is_empty() {
                    s.push_str(&format!(" (said by {}", line(&t.said_by.join(", "))));
                    if !t.at.is_empty() {
                        s.push_str(&format!(" at {}", t.at.join(", ")));
                    }
                    s.push(')');
                }
                s
            })
            .collect();
        let _ = writeln!(out, "- Trackers: {}", trackers.join("; "));
    }
    if !i.topics.is_empty() {
        let topics: Vec<String> = i
            .topics
            .iter()
            .map(|t| format!("{} {} min", line(&t.name), t.minutes))
            .collect();
        let _ = writeln!(out, "- Topics: {}", topics.join(", "));
    }
    if !i.talk_time.is_empty() {
        let talk: Vec<String> = i
            .talk_time
            .iter()
            .map(|t| {
                let side = if t.customer { "customer" } else { "us" };
                format!("{} ({side}) {}%", line(&t.name), t.percent)
            })
            .collect();
        let _ = writeln!(out, "- Talk time: {}", talk.join(", "));
    }
    out.push('\n');
}

/// The meeting: when, subject, and who is coming with what each said before; newcomers named.
fn write_meeting(out: &mut String, meeting: Option<&Meeting>) {
    let _ = writeln!(out, "## Next meeting\n");
    let Some(m) = meeting else {
        let _ = writeln!(
            out,
            "No meeting in this pack: none on the Salesforce calendar, or none asked for (see the notes).\n"
        );
        return;
    };
    let when = match (m.start.as_deref(), m.end.as_deref()) {
        (Some(start), Some(end)) => format!("{start} to {end}"),
        (Some(start), None) => start.to_owned(),
        _ => "—".to_owned(),
    };
    let _ = writeln!(out, "- Subject: {}", or_dash(m.subject.as_deref()));
    let _ = writeln!(out, "- When: {}", cell(&when));
    let _ = writeln!(out, "- Where: {}", or_dash(m.location.as_deref()));
    let _ = writeln!(out, "- Organizer: {}", or_dash(m.owner.as_deref()));
    let _ = writeln!(out, "- Salesforce event id: {}", m.event_id);
    if !m.first_time.is_empty() {
        let names: Vec<String> = m.first_time.iter().map(|n| cell(n)).collect();
        let _ = writeln!(
            out,
            "- Coming for the first time (on none of the calls below): {}",
            names.join(", ")
        );
    }
    out.push('\n');
    if m.attendees.is_empty() {
        let _ = writeln!(out, "No invitees you can see.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Who | Title | Side | Buying roles | Calls attended | Talk share | Last heard | Status |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | ---: | ---: | --- | --- |");
    for a in &m.attendees {
        let side = if a.kind == "user" { "ours" } else { "customer" };
        let name = if a.first_time {
            format!("{} (first time)", cell(&a.name))
        } else {
            cell(&a.name)
        };
        let roles = a.buying_roles.join(", ");
        let share = a.talk_share.map(|p| format!("{p}%"));
        let _ = writeln!(
            out,
            "| {name} | {} | {side} | {} | {} | {} | {} | {} |",
            or_dash(a.title.as_deref()),
            or_dash(Some(&roles)),
            a.calls_attended,
            or_dash(share.as_deref()),
            or_dash(a.last_heard.as_deref()),
            or_dash(a.status.as_deref()),
        );
    }
    out.push('\n');
}

/// Deal changes, new contacts and open tasks since the newest call.
fn write_since_last_call(out: &mut String, since: &SinceLastCall) {
    let _ = writeln!(
        out,
        "## Since the last call ({})\n",
        or_dash(date_of(since.since.as_deref()))
    );
    if since.deal_changes.is_empty() && since.new_contacts.is_empty() && since.open_tasks.is_empty()
    {
        let _ = writeln!(out, "No deal changes, new contacts or open tasks.\n");
        return;
    }
    for c in &since.deal_changes {
        let _ = writeln!(
            out,
            "- {} {}: {} → {} ({}, {})",
            or_dash(c.opportunity.as_deref()),
            cell(&c.field),
            or_dash(c.old_value.as_deref()),
            or_dash(c.new_value.as_deref()),
            or_dash(date_of(c.changed_at.as_deref())),
            or_dash(c.changed_by.as_deref()),
        );
    }
    for c in &since.new_contacts {
        let _ = writeln!(
            out,
            "- New contact: {} ({}), created {}",
            cell(&c.name),
            or_dash(c.title.as_deref()),
            or_dash(date_of(c.created.as_deref())),
        );
    }
    for t in &since.open_tasks {
        let _ = writeln!(
            out,
            "- Open task: {} (due {}, {}, {})",
            or_dash(t.subject.as_deref()),
            or_dash(t.due.as_deref()),
            or_dash(t.priority.as_deref()),
            or_dash(t.owner.as_deref()),
        );
    }
    out.push('\n');
}

/// The whole briefing as Markdown: the meeting and what changed since the last call, then
/// instructions, account, opportunities, contacts, calls
/// table, notes, and each transcript under a heading that names its call and date.
pub fn render_markdown(b: &Briefing) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "# Briefing pack: {}\n",
        b.account.name.replace('\n', " ")
    );
    write_meeting(&mut out, b.meeting.as_ref());
    if let Some(since) = &b.since_last_call {
        write_since_last_call(&mut out, since);
    }
    let _ = writeln!(
        out,
        "## How to write this up ({})\n\n{}\n",
        b.methodology.title(),
        b.instructions
    );
    write_account(&mut out, &b.account);
    write_opportunities(&mut out, b);
    write_contacts(&mut out, b);
    if !b.stakeholders.is_empty() {
        write_stakeholders(&mut out, &b.stakeholders);
    }
    write_calls(&mut out, b);
    write_call_intelligence(&mut out, b);
    write_notes_and_transcripts(&mut out, b);
    out
}

/// `## Account`: the account's fields, a dash where Salesforce has none.
fn write_account(out: &mut String, a: &crate::model::AccountSummary) {
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
}

/// `## Open opportunities` as a table.
fn write_opportunities(out: &mut String, b: &Briefing) {
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
}

/// `## Key contacts` as a table.
fn write_contacts(out: &mut String, b: &Briefing) {
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
}

/// `## Calls` as a table.
fn write_calls(out: &mut String, b: &Briefing) {
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
}

/// `## What Gong heard on each call`, when Gong's intelligence came with the calls.
fn write_call_intelligence(out: &mut String, b: &Briefing) {
    if b.calls.iter().any(|c| c.intelligence.is_some()) {
        let _ = writeln!(out, "## What Gong heard on each call\n");
        for c in &b.calls {
            if let Some(intel) = &c.intelligence {
                let _ = writeln!(
                    out,
                    "{}",
                    call_heading(c.title.as_deref(), c.started.as_deref(), &c.call_id)
                );
                write_intelligence(out, intel);
            }
        }
    }
}

/// `## Notes`, then `## Transcripts`, each under a heading naming its call and date.
fn write_notes_and_transcripts(out: &mut String, b: &Briefing) {
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
            "{}",
            call_heading(t.title.as_deref(), t.started.as_deref(), &t.call_id)
        );
        out.push_str(&t.content);
        if !t.content.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methodology::Methodology;
    use crate::model::*;
    use transcript::Speaker;

    fn sample() -> Briefing {
        Briefing {
            meeting: None,
            since_last_call: None,
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
            stakeholders: vec![],
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
                intelligence: None,
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
    fn gongs_intelligence_comes_before_the_transcripts() {
        let mut b = sample();
        b.calls[0].intelligence = Some(CallIntelligence {
            brief: Some("Discovery with Dana.\nBudget approved.".into()),
            key_points: vec!["Pain: onboarding takes 14 days".into()],
            next_steps: vec![Moment {
                text: "A demo on Tuesday.".into(),
                at: Some("41:05".into()),
            }],
            highlights: vec![],
            outcome: Some("Meeting booked".into()),
            trackers: vec![TrackerSummary {
                name: "Competitors".into(),
                count: 2,
                said_by: vec!["Dana Whitfield".into()],
                at: vec!["12:01".into(), "30:10".into()],
            }],
            topics: vec![TopicSummary {
                name: "Pricing".into(),
                minutes: 6,
            }],
            talk_time: vec![TalkShare {
                name: "Dana Whitfield".into(),
                customer: true,
                percent: 100,
            }],
        });
        let md = render_markdown(&b);
        let expected = "## What Gong heard on each call\n\n\
            ### Discovery — 2024-05-02 (Gong call 123)\n\n\
            - Brief: Discovery with Dana. Budget approved.\n\
            - Outcome: Meeting booked\n\
            - Key points:\n  - Pain: onboarding takes 14 days\n\
            - Next steps:\n  - [41:05] A demo on Tuesday.\n\
            - Trackers: Competitors ×2 (said by Dana Whitfield at 12:01, 30:10)\n\
            - Topics: Pricing 6 min\n\
            - Talk time: Dana Whitfield (customer) 100%\n\n\
            ## Transcripts\n\n";
        assert!(md.contains(expected), "{md}");
    }

    #[test]
    fn the_stakeholder_map_is_a_table_with_its_flags() {
        let mut b = sample();
        b.stakeholders = vec![
            Stakeholder {
                name: "Ann Lee".into(),
                title: Some("CFO".into()),
                contact_id: Some("003A".into()),
                buying_roles: vec!["Economic Buyer".into()],
                primary: false,
                calls_attended: 0,
                talk_share: None,
                last_heard: None,
                flags: vec!["Economic Buyer never on a call".into()],
            },
            Stakeholder {
                name: "Bo Diaz".into(),
                title: None,
                contact_id: None,
                buying_roles: vec![],
                primary: false,
                calls_attended: 1,
                talk_share: Some(12),
                last_heard: Some("Demo (2024-05-02)".into()),
                flags: vec!["Customer voice on calls, not a contact in Salesforce".into()],
            },
        ];
        let md = render_markdown(&b);
        let expected = "## Stakeholders\n\n\
            | Name | Title | Buying role | Calls | Talk share | Last heard on | In Salesforce |\n\
            | --- | --- | --- | ---: | ---: | --- | --- |\n\
            | Ann Lee | CFO | Economic Buyer | 0 | — | — | yes |\n\
            | Bo Diaz | — | — | 1 | 12% | Demo (2024-05-02) | no |\n\n\
            Flags:\n\n\
            - Ann Lee: Economic Buyer never on a call\n\
            - Bo Diaz: Customer voice on calls, not a contact in Salesforce\n\n\
            ## Calls\n";
        assert!(md.contains(expected), "{md}");
    }

    #[test]
    fn the_pack_opens_with_the_meeting_and_what_changed() {
        use crate::model::{DealChange, MeetingAttendee, OpenTask};
        let mut b = sample();
        let md = render_markdown(&b);
        assert!(md.contains(
            "## Next meeting\n\nNo meeting in this pack: none on the Salesforce calendar"
        ));
        let attendee = |name: &str, kind: &str, calls: usize| MeetingAttendee {
            id: "003x".into(),
            kind: kind.into(),
            name: name.into(),
            title: None,
            status: Some("New".into()),
            buying_roles: Vec::new(),
            calls_attended: calls,
            talk_share: None,
            last_heard: None,
            first_time: kind != "user" && calls == 0,
        };
        b.meeting = Some(Meeting {
            event_id: "00Ux".into(),
            subject: Some("Contract review".into()),
            start: Some("2026-12-02T16:00:00Z".into()),
            end: None,
            location: None,
            owner: Some("Maya Chen".into()),
            attendees: vec![
                attendee("Noor Haddad", "contact", 0),
                attendee("Maya Chen", "user", 2),
            ],
            first_time: vec!["Noor Haddad".into()],
        });
        b.since_last_call = Some(SinceLastCall {
            since: Some("2026-11-26T15:00:00Z".into()),
            deal_changes: vec![DealChange {
                opportunity_id: "006x".into(),
                opportunity: Some("Acme - Relay".into()),
                field: "StageName".into(),
                old_value: Some("Proposal".into()),
                new_value: Some("Negotiation".into()),
                changed_at: Some("2026-11-27T09:00:00Z".into()),
                changed_by: Some("Maya Chen".into()),
            }],
            new_contacts: Vec::new(),
            open_tasks: vec![OpenTask {
                id: "00Tx".into(),
                subject: Some("Send the agenda".into()),
                due: Some("2026-12-01".into()),
                status: None,
                priority: Some("High".into()),
                owner: None,
            }],
        });
        let md = render_markdown(&b);
        let meeting = md.find("## Next meeting").unwrap();
        assert!(meeting < md.find("## How to write this up").unwrap());
        assert!(
            md.contains("- Coming for the first time (on none of the calls below): Noor Haddad\n")
        );
        assert!(md.contains("| Noor Haddad (first time) | — | customer |"));
        assert!(md.contains("## Since the last call (2026-11-26)\n\n- Acme - Relay StageName: Proposal → Negotiation (2026-11-27, Maya Chen)\n- Open task: Send the agenda (due 2026-12-01, High, —)\n"));
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

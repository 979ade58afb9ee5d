//! Demo step: fetch transcripts. Asks `POST /callTranscripts` for the Gong call ids the
//! Salesforce steps found, over HTTP as a GPT action would, and prints a calls table (title,
//! date, duration, Gong URL, attendees) and a short transcript excerpt.

use std::time::Instant;

use service::dto::CleanTranscript;
use service::dto::TranscriptsResponse;

/// Lines of transcript shown in the excerpt.
const EXCERPT_LINES: usize = 5;
/// Longest excerpt line, in characters.
const EXCERPT_WIDTH: usize = super::table::LINE_WIDTH;

/// What the step leaves for the rest of the demo.
pub struct StepOutput {
    /// A curl line repeating the step's request.
    pub curl: String,
}

/// Asks the server at `base_url` for the transcripts of `call_ids` (the newest calls of
/// `account`) and prints the calls table and an excerpt.
pub async fn walkthrough(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
    account: &str,
    call_ids: &[String],
) -> anyhow::Result<StepOutput> {
    let body = serde_json::json!({ "callIds": call_ids });

    println!(
        "4. getTranscriptsByCallIds for the {} newest calls of \"{account}\"",
        call_ids.len()
    );
    println!("   POST {base_url}/callTranscripts {body}");
    let started = Instant::now();
    let what = "POST /callTranscripts";
    let sent = super::http::read(
        http.post(format!("{base_url}/callTranscripts"))
            .bearer_auth(api_key)
            .json(&body)
            .send()
            .await,
        what,
    )
    .await?;
    let (status, text) = (sent.status, &sent.text);
    let answer: TranscriptsResponse = sent.json(what)?;
    println!(
        "   -> {status} in {} ms, {} transcripts, {} characters",
        started.elapsed().as_millis(),
        answer.call_transcripts.len(),
        text.len()
    );
    for warning in &answer.warnings {
        println!("  warning: {warning}");
    }
    if !answer.not_found.is_empty() {
        let ids: Vec<&str> = answer.not_found.iter().map(|id| id.as_str()).collect();
        println!("  not found: {}", ids.join(", "));
    }
    println!();
    print_table(&answer.call_transcripts);
    if let Some(first) = answer.call_transcripts.first() {
        println!();
        println!(
            "Excerpt of \"{}\" ({}):",
            first.title.as_deref().unwrap_or("untitled"),
            first.url.as_deref().unwrap_or("no URL")
        );
        for line in excerpt(&first.content) {
            println!("  {line}");
        }
    }
    println!();

    let curl = format!(
        "curl -s -X POST {base_url}/callTranscripts -H 'Authorization: Bearer {api_key}' \
         -H 'Content-Type: application/json' -d '{body}'"
    );
    Ok(StepOutput { curl })
}

fn print_table(calls: &[CleanTranscript]) {
    let rows: Vec<[String; 5]> = calls
        .iter()
        .map(|c| {
            let attendees: Vec<&str> = c
                .speakers
                .iter()
                .map(|s| s.name.as_deref().unwrap_or("(unnamed)"))
                .collect();
            [
                c.title
                    .clone()
                    .unwrap_or_else(|| format!("call {}", c.call_id)),
                c.started
                    .as_deref()
                    .map(|s| s.chars().take(10).collect())
                    .unwrap_or_else(|| "-".to_owned()),
                c.duration
                    .map(|d| format!("{} min", (d + 30) / 60))
                    .unwrap_or_else(|| "-".to_owned()),
                c.url.clone().unwrap_or_else(|| "-".to_owned()),
                attendees.join(", "),
            ]
        })
        .collect();
    super::table::print(
        ["Title", "Date", "Duration", "Gong URL", "Attendees"],
        &rows,
    );
}

/// The first non-empty lines of a transcript, each cut to a terminal-friendly width.
fn excerpt(content: &str) -> Vec<String> {
    content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(EXCERPT_LINES)
        .map(|line| super::table::clip(line, EXCERPT_WIDTH))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_takes_first_non_empty_lines_and_cuts_long_ones() {
        let long = "x".repeat(300);
        let content = format!("A: one\n\nB: two\n\n{long}\n\nC\n\nD\n\nE\n\n");
        let lines = excerpt(&content);
        assert_eq!(lines.len(), EXCERPT_LINES);
        assert_eq!(lines[0], "A: one");
        assert_eq!(lines[2].chars().count(), EXCERPT_WIDTH);
        assert!(lines[2].ends_with('…'));
    }
}

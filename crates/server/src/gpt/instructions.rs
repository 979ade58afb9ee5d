//! The GPT's Instructions text, for each [`Variant`] and [`Methodology`].
//!
//! The texts walk the assistant through the chosen variant's flow (find the account, have the rep
//! confirm it, fetch the calls, write the briefing) with the configured Gong object and field
//! API names written in, so an admin pastes them as they are. Runtime values the assistant fills
//! in are spelled as capitalised words it is told about (COMPANY, ACCOUNT_ID), never as `<...>`.

use super::salesforce_action::account_search_sosl;
use super::{latest_calls_soql, GongFields, Methodology, Variant};

/// ChatGPT's limit on a GPT's Instructions, in characters; tests keep every text under it.
pub const MAX_INSTRUCTIONS_CHARS: usize = 8000;
/// Calls the briefing covers unless the rep asks for more: the original "latest two calls".
pub const DEFAULT_CALLS: usize = 2;
/// The methodology section the original two-action GPT marks optional (MEDPICC's Competition).
const OPTIONAL_SECTION: &str = "Competition";
/// SOSL's reserved characters, as the instructions list them.
const SOSL_RESERVED: &str = "? & | ! { } [ ] ( ) ^ ~ * : \\ \" ' + -";

/// The Instructions text to paste into the GPT builder.
pub fn instructions(variant: Variant, methodology: Methodology, gong: &GongFields) -> String {
    let mut text = String::new();
    match variant {
        Variant::OneAction => one_action_steps(&mut text, methodology),
        Variant::TwoAction => two_action_steps(&mut text, gong),
    }
    write_up(&mut text, variant, methodology);
    rules(&mut text);
    text
}

fn one_action_steps(text: &mut String, methodology: Methodology) {
    text.push_str(
        "You prepare sales reps for customer meetings from their Salesforce accounts and \
         recorded Gong calls. You use one action, callbrief. Work in these steps.\n\n",
    );
    text.push_str(
        "1. Find the account. When the rep names a company, call searchAccounts with name set \
         to the company name as the rep wrote it. Show each match on its own line as \
         \"Account Name - Id\" and ask the rep which one they mean, even when there is only one \
         match. If nothing matches, say so and ask for another spelling. Never pick an account \
         yourself. When the rep asks to be prepared for their day (\"prepare me for today\"), \
         call listMyMeetings instead (if it answers that user is required, ask the rep for \
         their Salesforce username and pass it as user), show the meetings with their times and \
         accounts, and \
         take them one by one: each meeting's account is already confirmed, and its eventId \
         goes in the briefing's meeting.\n\n",
    );
    text.push_str(&format!(
        "2. Get the briefing. When the rep has confirmed an account, call getAccountBriefing \
         with id set to that account's Id, calls set to {DEFAULT_CALLS} (or the number of \
         calls the rep asks for) and methodology set to {}. If the answer says transcripts were \
         shortened to fit, say so and offer to fetch the rest the way the answer describes. If \
         the account has no recorded calls, say so and write what the account and opportunity \
         data support.\n\n",
        methodology.as_str()
    ));
    text.push_str("3. Write the briefing, using only what the action returned:\n");
}

fn two_action_steps(text: &mut String, gong: &GongFields) {
    text.push_str(
        "You prepare sales reps for customer meetings from their Salesforce accounts and \
         recorded Gong calls. You use two actions: the Salesforce action (executeSOSLSearch, \
         executeSOQLQuery) and callbrief (getTranscriptsByCallIds). Work in these steps.\n\n",
    );
    text.push_str(&format!(
        "1. Find the account. When the rep names a company, call executeSOSLSearch with q set \
         to:\n{}\nwhere COMPANY is the company name as the rep wrote it, with a backslash put \
         before any of these characters in it: {SOSL_RESERVED}\nShow each match on its own \
         line as \"Account Name - Id\" and ask the rep which one they mean, even when there is \
         only one match. If nothing matches, say so and ask for another spelling. Never pick an \
         account yourself.\n\n",
        account_search_sosl("COMPANY")
    ));
    text.push_str(&format!(
        "2. Find the latest calls. When the rep has confirmed an account, call \
         executeSOQLQuery with q set to:\n{}\nwhere ACCOUNT_ID is the confirmed account's Id \
         (use {DEFAULT_CALLS} as the LIMIT unless the rep asks for more calls). If no records \
         come back, tell the rep there are no recorded Gong calls for this account.\n\n",
        latest_calls_soql(gong, "ACCOUNT_ID", DEFAULT_CALLS)
    ));
    text.push_str(
        "Also call executeSOQLQuery with q set to:\nSELECT Subject, StartDateTime, (SELECT \
         RelationId, Status FROM EventRelations) FROM Event WHERE AccountId = 'ACCOUNT_ID' AND \
         (StartDateTime = TODAY OR StartDateTime = NEXT_N_DAYS:90) ORDER BY StartDateTime ASC \
         LIMIT 1\nfor the next meeting.\n\n",
    );
    text.push_str(&format!(
        "3. Get the transcripts. Call getTranscriptsByCallIds with callIds set to the {} values \
         of those records. Tell the rep which calls you found (title and date) and that you are \
         ready to summarize. Calls listed in notFound or failed have no transcript: say so.\n\n",
        gong.call_id
    ));
    text.push_str(
        "4. When the rep says \"Summarize call\" or asks for the briefing, write it using only \
         the records and transcripts you fetched:\n",
    );
}

fn write_up(text: &mut String, variant: Variant, methodology: Methodology) {
    let account = match variant {
        Variant::OneAction => {
            "the account name, its owner, and its open opportunities (stage, amount, close date) \
             when there are any"
        }
        Variant::TwoAction => "the account name",
    };
    let meeting = match variant {
        Variant::OneAction => {
            "the briefing's meeting: when, subject, who is coming (each with their buying role \
             and what they said on earlier calls) and who is coming for the first time; when the \
             briefing has no meeting, say that none is on the calendar"
        }
        Variant::TwoAction => {
            "the next event you fetched: when, subject and who is invited; when there is none, \
             say that no meeting is on the calendar"
        }
    };
    text.push_str(&format!("- **Next meeting** (open with it): {meeting}.\n"));
    if variant == Variant::OneAction {
        text.push_str(
            "- **Since the last call**: the deal changes (stage, amount, close date, next step), \
             new contacts and open tasks due before the meeting.\n",
        );
    }
    text.push_str(&format!("- **Account**: {account}.\n"));
    text.push_str(
        "- **Calls**: a table with the columns Title, Date, Attendees and Gong URL, one row per \
         call, newest first, with the Gong URL as a link.\n",
    );
    text.push_str(
        "- **Recommended focus areas for the next meeting**: three to five, each with one \
         sentence on why, based on what was said or left open in the calls.\n",
    );
    text.push_str(&format!(
        "- **{}**: one heading per element, in this order:\n",
        methodology.title()
    ));
    for section in methodology.sections() {
        let optional = if section.name == OPTIONAL_SECTION {
            " (optional: leave it out when no alternative was mentioned)"
        } else {
            ""
        };
        text.push_str(&format!(
            "  - {}{optional}: {}.\n",
            section.name, section.look_for
        ));
    }
    text.push_str(
        "  Under each heading, list the insights as bullets and end every bullet with the call \
         it came from as (call title, YYYY-MM-DD). When the calls say nothing about an element, \
         write \"Not covered yet\" and suggest one question to ask in the next meeting.\n",
    );
    if variant == Variant::OneAction {
        // Only the briefing carries Gong's intelligence and timed transcript turns.
        text.push_str(
            "  Start from Gong's intelligence of each call (brief, key points, next steps, \
             outcome, trackers) and check it against the transcripts; cite it by its call and \
             date like a transcript. When an insight comes from a transcript turn or a Gong \
             highlight, add its time in the call: (call title, YYYY-MM-DD, 12:34).\n",
        );
    }
    text.push('\n');
}

fn rules(text: &mut String) {
    text.push_str(
        "Rules:\n\
         - Never invent names, numbers, dates or quotes. When something is unclear, say so.\n\
         - Keep quotes short and name the speaker.\n\
         - If an action answers with an error, tell the rep in one sentence what failed and \
         what to try next (for example, sign in again after an authorization error).\n\
         - For another account, start again at step 1.\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<(Variant, Methodology, String)> {
        let gong = GongFields::default();
        Variant::ALL
            .into_iter()
            .flat_map(|v| Methodology::ALL.into_iter().map(move |m| (v, m)))
            .map(|(v, m)| (v, m, instructions(v, m, &gong)))
            .collect()
    }

    #[test]
    fn snapshots() {
        for (variant, methodology, text) in all() {
            insta::assert_snapshot!(format!("instructions_{variant}_{methodology}"), text);
        }
    }

    #[test]
    fn every_text_fits_the_gpt_limit_and_has_no_placeholders() {
        for (variant, methodology, text) in all() {
            let len = text.chars().count();
            assert!(
                len <= MAX_INSTRUCTIONS_CHARS,
                "{variant}/{methodology}: {len} characters"
            );
            assert!(
                !text.contains('<') && !text.contains('>'),
                "{variant}/{methodology}"
            );
        }
    }

    #[test]
    fn every_methodology_element_is_a_heading_in_order() {
        let gong = GongFields::default();
        for variant in Variant::ALL {
            let medpicc = instructions(variant, Methodology::Medpicc, &gong);
            let mut at = 0;
            for name in [
                "Metrics",
                "Economic Buyer",
                "Decision Criteria",
                "Decision Process",
                "Paper Process",
                "Identify Pain",
                "Champion",
                "Competition (optional: leave it out when no alternative was mentioned)",
            ] {
                let found = medpicc[at..]
                    .find(&format!("  - {name}: "))
                    .unwrap_or_else(|| panic!("{name} missing or out of order"));
                at += found;
            }
            let spiced = instructions(variant, Methodology::Spiced, &gong);
            for name in ["Situation", "Pain", "Impact", "Critical Event", "Decision"] {
                assert!(spiced.contains(&format!("  - {name}: ")), "{name}");
            }
            assert!(!spiced.contains("Economic Buyer"));
            assert!(spiced.contains("**SPICED**"));
        }
    }

    #[test]
    fn one_action_uses_callbriefs_operations_only() {
        let text = instructions(
            Variant::OneAction,
            Methodology::Spiced,
            &GongFields::default(),
        );
        for op in [
            "searchAccounts",
            "getAccountBriefing",
            "methodology set to spiced",
        ] {
            assert!(text.contains(op), "{op}");
        }
        for op in [
            "executeSOSLSearch",
            "executeSOQLQuery",
            "getTranscriptsByCallIds",
        ] {
            assert!(!text.contains(op), "{op}");
        }
        assert!(text.contains("\"Account Name - Id\""));
        assert!(text.contains("Title, Date, Attendees and Gong URL"));
        assert!(text.contains("(call title, YYYY-MM-DD)"));
    }

    #[test]
    fn two_action_writes_its_queries_with_the_configured_names() {
        let gong = GongFields {
            call_object: "Conv__Call__c".into(),
            call_id: "Conv__Gong_Id__c".into(),
            title: "Conv__Subject__c".into(),
            start: "Conv__Began__c".into(),
            account: "Conv__Customer__c".into(),
            ..GongFields::default()
        };
        let text = instructions(Variant::TwoAction, Methodology::Medpicc, &gong);
        assert!(
            text.contains("\nFIND {COMPANY} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5\n")
        );
        assert!(text.contains(
            "\nSELECT Conv__Gong_Id__c, Conv__Subject__c, Conv__Began__c FROM Conv__Call__c \
             WHERE Conv__Customer__c = 'ACCOUNT_ID' ORDER BY Conv__Began__c DESC LIMIT 2\n"
        ));
        assert!(text.contains("callIds set to the Conv__Gong_Id__c values"));
        assert!(text.contains("\"Summarize call\""));
        assert!(!text.contains("Gong__"), "no default name may remain");
        assert!(!text.contains("searchAccounts"));
    }
}

//! The meeting-prep prompts: one per methodology, taking the account name.
//!
//! A prompt is what a user picks from the client's menu ("/meeting_prep_medpicc Acme"): it
//! expands to a request that walks the assistant through the tools (find the account, confirm
//! it, fetch the briefing) and carries the same write-up template the briefing itself holds.

use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use service::Methodology;

/// The argument every prompt takes.
pub const ACCOUNT_NAME: &str = "account_name";

/// The prompt name for `methodology`.
pub fn name(methodology: Methodology) -> String {
    format!("meeting_prep_{}", methodology.as_str())
}

/// The methodology a prompt name stands for.
pub fn methodology(prompt_name: &str) -> Option<Methodology> {
    Methodology::ALL
        .into_iter()
        .find(|m| name(*m) == prompt_name)
}

/// Every prompt, as `prompts/list` shows them.
pub fn list() -> Vec<Prompt> {
    Methodology::ALL
        .into_iter()
        .map(|m| {
            let mut prompt = Prompt::new(
                name(m),
                Some(format!(
                    "Prepare for a customer meeting: a {} briefing from the account's Salesforce record and recent Gong calls.",
                    m.title()
                )),
                Some(vec![PromptArgument::new(ACCOUNT_NAME)
                    .with_description("The customer account's name, or part of it (e.g. \"Acme\").")
                    .with_required(true)]),
            );
            prompt.title = Some(format!("Meeting prep ({})", m.title()));
            prompt
        })
        .collect()
}

/// The expanded prompt for `account_name`: the steps and the write-up template.
pub fn render(methodology: Methodology, account_name: &str) -> GetPromptResult {
    let account_name = account_name.trim();
    let text = format!(
        "Prepare me for my next meeting with {account_name}.\n\n\
         Steps:\n\
         1. Call search_accounts with name \"{account_name}\". If several accounts match, list them \
         (name, location, owner) and ask me which one before going on.\n\
         2. Call get_account_briefing with that account_id and methodology \"{method}\" (meeting \
         \"next\" is the default: the account's next meeting on the Salesforce calendar).\n\
         3. Write the briefing up as follows, opening with that meeting: when, what, who is \
         coming and who is new.\n\n{instructions}",
        method = methodology.as_str(),
        instructions = methodology.instructions(account_name),
    );
    GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description(format!(
        "{} meeting prep for {account_name}",
        methodology.title()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Methodology::ALL {
            assert_eq!(methodology(&name(m)), Some(m));
        }
        assert_eq!(name(Methodology::Medpicc), "meeting_prep_medpicc");
        assert_eq!(name(Methodology::Spiced), "meeting_prep_spiced");
        assert_eq!(methodology("meeting_prep_bant"), None);
    }

    #[test]
    fn each_prompt_requires_the_account_name() {
        let prompts = list();
        assert_eq!(prompts.len(), 2);
        for p in prompts {
            let args = p.arguments.unwrap();
            assert_eq!(args[0].name, ACCOUNT_NAME);
            assert_eq!(args[0].required, Some(true));
        }
    }

    #[test]
    fn the_expansion_names_the_account_the_tools_and_the_template() {
        let got = render(Methodology::Spiced, " Acme Corp ");
        let text = serde_json::to_string(&got).unwrap();
        assert!(text.contains("Acme Corp"));
        assert!(text.contains("get_account_briefing"));
        assert!(text.contains("SPICED"));
        assert!(text.contains("Critical Event"));
    }
}

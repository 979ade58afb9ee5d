//! Sales methodologies a briefing is written up in, and the instructions that tell an
//! assistant how: which sections, what evidence belongs in each, and how to cite it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The qualification framework a briefing follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Methodology {
    /// Metrics, Economic Buyer, Decision Criteria, Decision Process, Paper Process, Identify
    /// Pain, Champion, Competition.
    #[default]
    Medpicc,
    /// Situation, Pain, Impact, Critical Event, Decision.
    Spiced,
}

/// One section of a methodology: its heading and what evidence to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Heading, e.g. "Economic Buyer".
    pub name: &'static str,
    /// What belongs in it.
    pub look_for: &'static str,
}

const MEDPICC: [Section; 8] = [
    Section {
        name: "Metrics",
        look_for: "the quantified outcomes the customer expects (savings, revenue, time, risk), today's baseline and the target",
    },
    Section {
        name: "Economic Buyer",
        look_for: "who has final budget authority, whether anyone on our side has met them, and what they care about",
    },
    Section {
        name: "Decision Criteria",
        look_for: "the technical, business and commercial criteria vendors will be judged on, and how we measure up",
    },
    Section {
        name: "Decision Process",
        look_for: "the steps, people and dates from evaluation to signature, and the next milestone",
    },
    Section {
        name: "Paper Process",
        look_for: "legal, security review, procurement and contracting steps, who owns them and how long they take",
    },
    Section {
        name: "Identify Pain",
        look_for: "the business problems behind the project, what they cost, how urgent they are and who feels them",
    },
    Section {
        name: "Champion",
        look_for: "who sells for us inside the account, evidence of their influence and commitment, and what they need from us",
    },
    Section {
        name: "Competition",
        look_for: "other vendors, in-house builds or doing nothing, and how the customer sees each against us",
    },
];

const SPICED: [Section; 5] = [
    Section {
        name: "Situation",
        look_for: "the customer's current state: team, processes, tools and the facts of their environment",
    },
    Section {
        name: "Pain",
        look_for: "the problems they have, in their words, and why they matter now",
    },
    Section {
        name: "Impact",
        look_for: "the measurable business effect of solving (or not solving) the pain: money, time, risk, growth",
    },
    Section {
        name: "Critical Event",
        look_for: "the date or event that forces a decision, and what happens if it is missed",
    },
    Section {
        name: "Decision",
        look_for: "how they will decide: criteria, process, the people involved and who holds the budget",
    },
];

impl Methodology {
    /// Every methodology, for listings and tests.
    pub const ALL: [Methodology; 2] = [Methodology::Medpicc, Methodology::Spiced];

    /// The name as written in a briefing ("MEDPICC", "SPICED").
    pub fn title(self) -> &'static str {
        match self {
            Methodology::Medpicc => "MEDPICC",
            Methodology::Spiced => "SPICED",
        }
    }

    /// The lowercase name used in parameters (`medpicc`, `spiced`).
    pub fn as_str(self) -> &'static str {
        match self {
            Methodology::Medpicc => "medpicc",
            Methodology::Spiced => "spiced",
        }
    }

    /// The sections, in the order the write-up follows.
    pub fn sections(self) -> &'static [Section] {
        match self {
            Methodology::Medpicc => &MEDPICC,
            Methodology::Spiced => &SPICED,
        }
    }

    /// Instructions for the assistant writing the briefing up for `account_name`.
    pub fn instructions(self, account_name: &str) -> String {
        let mut out = format!(
            "Write a meeting-prep briefing for {account_name} using {title}, from the meeting, \
             account, opportunities, contacts, calls and transcripts in this pack. Use these parts, in order:\n\
             1. Next meeting (open with it): when, subject, and who is coming, each with their buying role and what they said on earlier calls; name who is coming for the first time (never on a call) and how to meet them. With no meeting in the pack, say that none is on the calendar.\n\
             2. Since the last call: deal changes (stage, amount, close date, next step), new contacts, and open tasks due before the meeting.\n\
             3. Account: name, owner, industry, size, and each open opportunity with stage, amount and close date.\n\
             4. Calls: a table with one row per call: title, date, duration, attendees (name, title, internal or external) and the Gong link.\n\
             5. Recommended focus areas for the next meeting: 3 to 5, each with why (the gap or signal it addresses).\n\
             6. {title}, one heading per section:\n",
            title = self.title()
        );
        for section in self.sections() {
            out.push_str(&format!("   - {}: {}.\n", section.name, section.look_for));
        }
        out.push_str(
            "Rules: cite the call title and date for every insight, e.g. \"(Discovery call, 2024-05-02)\", \
             with the time for a transcript turn or Gong highlight: \"(Pricing call, 2024-10-20, 12:34)\". \
             Gong's intelligence of each call (brief, key points, next steps, trackers) is evidence from that call: \
             cite it the same way, and check it against the transcripts. \
             Where the calls give no evidence for a section, write \"No evidence yet\" and make it a focus area; \
             never invent names, numbers or dates. Quote the customer sparingly and exactly. \
             A transcript with a \"[… transcript cut here\" or \"left out here\" line was shortened to fit: \
             say so, and ask for the rest with the offsets it names if a section depends on it.",
        );
        out
    }
}

impl std::fmt::Display for Methodology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known methodology.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown methodology {0:?}; use medpicc or spiced")]
pub struct UnknownMethodology(pub String);

impl std::str::FromStr for Methodology {
    type Err = UnknownMethodology;

    /// Accepts `medpicc` and `spiced` in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Methodology::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownMethodology(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medpicc_names_every_section_and_asks_for_citations() {
        let text = Methodology::Medpicc.instructions("Acme");
        for name in [
            "Metrics",
            "Economic Buyer",
            "Decision Criteria",
            "Decision Process",
            "Paper Process",
            "Identify Pain",
            "Champion",
            "Competition",
        ] {
            assert!(text.contains(&format!("- {name}: ")), "{name}");
        }
        assert!(text.contains("cite the call title and date for every insight"));
        assert!(text.contains("Gong's intelligence of each call"));
        assert!(text.contains("(Pricing call, 2024-10-20, 12:34)"));
        assert!(text.contains("Recommended focus areas for the next meeting"));
        assert!(text.contains("each with why"));
        assert!(text.contains("for Acme using MEDPICC"));
    }

    #[test]
    fn spiced_has_its_five_sections() {
        let names: Vec<_> = Methodology::Spiced
            .sections()
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(
            names,
            ["Situation", "Pain", "Impact", "Critical Event", "Decision"]
        );
        assert!(!Methodology::Spiced
            .instructions("X")
            .contains("Economic Buyer"));
    }

    #[test]
    fn parses_any_case_and_names_the_choices_otherwise() {
        assert_eq!("SPICED".parse(), Ok(Methodology::Spiced));
        assert_eq!(" medpicc ".parse(), Ok(Methodology::Medpicc));
        let err = "meddic".parse::<Methodology>().unwrap_err();
        assert!(err.to_string().contains("medpicc or spiced"));
        assert_eq!(
            serde_json::to_string(&Methodology::Spiced).unwrap(),
            "\"spiced\""
        );
    }
}

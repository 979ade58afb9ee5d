//! The signal-carrying part of each call: per call kind, the exchanges that state the deal's
//! metrics, budget, economic buyer, decision criteria and process, paper process, pains,
//! champion, competition and critical events. Every call of a kind carries all of its kind's
//! signals; filler talk is added around them elsewhere.

use super::seed::{Facts, PRODUCT, VENDOR};

/// The stage of the sales cycle a call belongs to; decides who attends and what is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Situation, pain, impact, economic buyer, decision process, critical event.
    Discovery,
    /// Decision criteria, the product against them, competition.
    Demo,
    /// Security, integration, decision process and success criteria.
    Evaluation,
    /// Business case, price, budget, approval.
    Pricing,
    /// Paper process and signature authority.
    Legal,
}

impl Kind {
    /// Label used in call titles and Gong's `purpose`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Discovery => "Discovery",
            Kind::Demo => "Product Demo",
            Kind::Evaluation => "Technical Evaluation",
            Kind::Pricing => "Pricing & Business Case",
            Kind::Legal => "Security & Legal Review",
        }
    }

    /// The call kinds of a deal, oldest first, for its stage and number of calls.
    pub fn sequence(stage: &str, calls: usize) -> Vec<Kind> {
        use Kind::*;
        let full: &[Kind] = match stage {
            "Discovery" => &[Discovery, Discovery, Demo, Demo],
            "Evaluation" => &[Discovery, Discovery, Demo, Evaluation, Evaluation],
            "Proposal" => &[Discovery, Demo, Evaluation, Pricing, Pricing],
            "Closed Lost" => &[Discovery, Demo, Evaluation, Pricing],
            _ => &[Discovery, Discovery, Demo, Evaluation, Pricing, Legal],
        };
        // Drop early repeats first so the latest stage is always represented.
        let mut kinds = full.to_vec();
        while kinds.len() > calls && kinds.len() > 1 {
            let dup = (1..kinds.len())
                .find(|&i| kinds[i] == kinds[i - 1])
                .unwrap_or(1);
            kinds.remove(dup);
        }
        while kinds.len() < calls {
            let last = kinds.last().copied().unwrap_or(Discovery);
            kinds.push(last);
        }
        kinds
    }
}

/// Who speaks a turn; mapped to the call's parties by the call builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    /// The account executive hosting the call.
    Rep,
    /// The solutions engineer.
    Se,
    /// The sales manager.
    Manager,
    /// The customer's champion.
    Champion,
    /// The customer's economic buyer.
    Buyer,
    /// The customer's technical evaluator.
    Tech,
    /// The customer's procurement or legal contact.
    Procurement,
    /// An end user at the customer.
    Extra,
}

impl Who {
    /// Whether the speaker works for the selling company.
    pub fn is_internal(self) -> bool {
        matches!(self, Who::Rep | Who::Se | Who::Manager)
    }
}

/// Consecutive sentences by one speaker.
#[derive(Debug, Clone)]
pub struct Turn {
    pub who: Who,
    pub lines: Vec<String>,
}

/// A stretch of the call about one topic (`None`: small talk, Gong found no topic).
#[derive(Debug, Clone)]
pub struct Block {
    pub topic: Option<&'static str>,
    pub turns: Vec<Turn>,
    /// Whether filler talk may be added to this block to reach the call's length.
    pub fillable: bool,
}

/// Names and facts the scripts speak.
pub struct Ctx<'a> {
    pub account: &'a str,
    pub city: &'a str,
    pub rep_first: String,
    pub se_first: String,
    pub manager_first: String,
    pub champ: String,
    pub champ_first: String,
    pub champ_title: String,
    pub eb: String,
    pub eb_first: String,
    pub eb_title: String,
    pub tech: String,
    pub tech_first: String,
    pub proc_first: String,
    pub proc_title: String,
    pub facts: &'a Facts,
    pub approval: String,
    pub critical_event: String,
    pub next_date: String,
}

/// Who attends a call of this kind, internal first.
pub fn attendees(kind: Kind, has_extra: bool) -> Vec<Who> {
    match kind {
        Kind::Discovery if has_extra => vec![Who::Rep, Who::Champion, Who::Extra],
        Kind::Discovery => vec![Who::Rep, Who::Champion],
        Kind::Demo => vec![Who::Rep, Who::Se, Who::Champion, Who::Tech],
        Kind::Evaluation => vec![Who::Rep, Who::Se, Who::Tech, Who::Champion],
        Kind::Pricing => vec![Who::Rep, Who::Manager, Who::Champion, Who::Buyer],
        Kind::Legal => vec![Who::Rep, Who::Manager, Who::Procurement, Who::Champion],
    }
}

fn turn(who: Who, lines: &[String]) -> Turn {
    Turn {
        who,
        lines: lines.to_vec(),
    }
}

fn block(topic: Option<&'static str>, fillable: bool, turns: Vec<Turn>) -> Block {
    Block {
        topic,
        turns,
        fillable,
    }
}

/// The call's scripted blocks, in order.
pub fn blocks(kind: Kind, c: &Ctx) -> Vec<Block> {
    let mut out = vec![opening(kind, c)];
    out.extend(match kind {
        Kind::Discovery => discovery(c),
        Kind::Demo => demo(c),
        Kind::Evaluation => evaluation(c),
        Kind::Pricing => pricing(c),
        Kind::Legal => legal(c),
    });
    out.push(next_steps(kind, c));
    out
}

fn opening(kind: Kind, c: &Ctx) -> Block {
    let (host, guest) = match kind {
        Kind::Evaluation => (Who::Se, Who::Tech),
        _ => (Who::Rep, Who::Champion),
    };
    let guest_first = if guest == Who::Tech {
        &c.tech_first
    } else {
        &c.champ_first
    };
    block(
        None,
        false,
        vec![
            turn(
                host,
                &[
                    format!("Hi {guest_first}, thanks for making the time today."),
                    format!("How are things in {}?", c.city),
                ],
            ),
            turn(
                guest,
                &[
                    "Busy, but good. It has been one of those weeks.".into(),
                    "Happy to be here.".into(),
                ],
            ),
            turn(
                Who::Rep,
                &[format!(
                    "I appreciate it. I'm {}, and I'll keep us on time.",
                    c.rep_first
                )],
            ),
        ],
    )
}

fn discovery(c: &Ctx) -> Vec<Block> {
    let f = c.facts;
    vec![
        block(
            Some("Call Setup"),
            false,
            vec![
                turn(Who::Rep, &[format!("I'd love to spend most of today understanding how {} works today and where it hurts.", c.account), "Does that still work for you?".into()]),
                turn(Who::Champion, &["Yes, that's perfect.".into(), format!("I'm {}, {} here, so this lands on my desk.", c.champ, c.champ_title)]),
            ],
        ),
        block(
            Some("Pain Points"),
            true,
            vec![
                turn(Who::Rep, &["Walk me through how it works today.".into()]),
                turn(Who::Champion, &[f.situation.into(), format!("Today we rely on {}.", f.incumbent), f.pain.into()]),
                turn(Who::Rep, &["What does that cost you?".into()]),
                turn(Who::Champion, &[f.impact.into(), "And it is getting worse every quarter.".into()]),
            ],
        ),
        block(
            Some("Business Impact"),
            true,
            vec![
                turn(Who::Rep, &["If this worked perfectly a year from now, what would be different?".into()]),
                turn(Who::Champion, &[format!("Our goal is to {}.", f.metric_goal), format!("If we could {}, that would be the number I'd take to leadership.", f.metric_goal)]),
                turn(Who::Champion, &["Honestly, I've been pushing for a fix for over a year.".into(), format!("I'm happy to help you get {PRODUCT} in front of the right people here.")]),
            ],
        ),
        block(
            Some("Competition"),
            true,
            vec![
                turn(Who::Rep, &["Are you looking at other options?".into()]),
                turn(Who::Champion, &[format!("We looked at {} last year.", f.competitor), format!("The short version is that {}.", f.competitor_weakness)]),
            ],
        ),
        block(
            Some("Decision Process"),
            false,
            vec![
                turn(Who::Rep, &["Who else gets involved in a decision like this?".into()]),
                turn(Who::Champion, &[
                    format!("Anything over {} has to be signed off by our {}, {}.", f.threshold, c.eb_title, c.eb),
                    format!("{} cares most about {}.", c.eb_first, f.eb_priority),
                    format!("The way it works is that {}.", f.decision_process),
                ]),
            ],
        ),
        block(
            Some("Timeline"),
            false,
            vec![
                turn(Who::Rep, &["Is there a date driving this?".into()]),
                turn(Who::Champion, &[format!("Yes, {}.", c.critical_event), "So the timing is not flexible.".into()]),
            ],
        ),
    ]
}

fn demo(c: &Ctx) -> Vec<Block> {
    let f = c.facts;
    vec![
        block(
            Some("Call Setup"),
            false,
            vec![turn(Who::Rep, &[
                format!("Quick recap of what we heard last time: {}", f.pain),
                format!("You also told us: {}", f.impact),
                format!("So today {} will show you how {PRODUCT} gets you to {}.", c.se_first, f.metric_goal),
            ])],
        ),
        block(
            Some("Requirements"),
            false,
            vec![turn(Who::Tech, &[
                format!("Before you start, three things are non-negotiable for us: {}, {} and {}.", f.criteria[0], f.criteria[1], f.criteria[2]),
                "If any of those is missing, we can stop here.".into(),
            ])],
        ),
        block(
            Some("Product Demo"),
            true,
            vec![
                turn(Who::Se, &[
                    format!("Let me share my screen and start with {}.", f.criteria[0]),
                    "This is the intake queue; everything that comes in is classified and checked automatically.".into(),
                    format!("And here is how it connects to {}.", f.integration),
                ]),
                turn(Who::Tech, &["Okay, that's more than I expected.".into()]),
                turn(Who::Champion, &[format!("This is exactly the gap. If this gets us to {}, the business case writes itself.", f.metric_goal)]),
            ],
        ),
        block(
            Some("Competition"),
            true,
            vec![
                turn(Who::Champion, &[format!("{} showed us something similar, but {}.", f.competitor, f.competitor_weakness)]),
                turn(Who::Rep, &["That's a common reason teams come to us.".into()]),
            ],
        ),
    ]
}

fn evaluation(c: &Ctx) -> Vec<Block> {
    let f = c.facts;
    vec![
        block(
            Some("Security"),
            true,
            vec![
                turn(
                    Who::Tech,
                    &[
                        format!("For security we will need {}.", f.security),
                        "Our review usually takes about three weeks once we have everything."
                            .into(),
                    ],
                ),
                turn(
                    Who::Se,
                    &["We can send the report and the questionnaire answers today.".into()],
                ),
            ],
        ),
        block(
            Some("Integration"),
            true,
            vec![
                turn(
                    Who::Tech,
                    &[
                        format!("The integration we care about is {}.", f.integration),
                        format!("And {} is a must for us.", f.criteria[0]),
                    ],
                ),
                turn(
                    Who::Se,
                    &[
                        "We have a standard connector for that, and I'll share the field mapping."
                            .into(),
                    ],
                ),
            ],
        ),
        block(
            Some("Decision Process"),
            false,
            vec![
                turn(
                    Who::Rep,
                    &["Can you walk me through how the decision gets made from here?".into()],
                ),
                turn(
                    Who::Champion,
                    &[
                        format!("Sure, {}.", f.decision_process),
                        format!(
                            "Success for the evaluation means {}, {} and {}.",
                            f.criteria[0], f.criteria[1], f.criteria[2]
                        ),
                        format!("Then {}.", c.approval),
                        format!("{} will ask how fast we can {}.", c.eb_first, f.metric_goal),
                    ],
                ),
            ],
        ),
        block(
            Some("Timeline"),
            false,
            vec![turn(
                Who::Champion,
                &[format!("Remember the hard date: {}.", c.critical_event)],
            )],
        ),
    ]
}

fn pricing(c: &Ctx) -> Vec<Block> {
    let f = c.facts;
    vec![
        block(
            Some("Business Case"),
            true,
            vec![
                turn(Who::Champion, &[format!("{}, thanks for joining. Let me recap why we're here.", c.eb_first), f.impact.into(), format!("With {PRODUCT} we expect to {}.", f.metric_goal)]),
                turn(Who::Buyer, &[format!("I'm {}, {}.", c.eb, c.eb_title), format!("What I need to see is {}.", f.eb_priority)]),
            ],
        ),
        block(
            Some("Pricing"),
            true,
            vec![
                turn(Who::Rep, &[format!("Based on the scope we agreed, our proposal comes to {}.", f.price)]),
                turn(Who::Buyer, &[format!("We have {}.", f.budget), format!("{} came in lower, but {}.", f.competitor, f.competitor_weakness)]),
                turn(Who::Manager, &[format!("I'm {}, I lead the team here.", c.manager_first), "If you can commit this quarter we have some flexibility on the first year.".into()]),
            ],
        ),
        block(
            Some("Decision Process"),
            false,
            vec![turn(Who::Buyer, &[format!("The process is that {}.", f.decision_process), format!("Practically, {}.", c.approval), format!("And you know the deadline: {}.", c.critical_event)])],
        ),
    ]
}

fn legal(c: &Ctx) -> Vec<Block> {
    let f = c.facts;
    vec![
        block(
            Some("Legal"),
            true,
            vec![
                turn(
                    Who::Procurement,
                    &[
                        format!("I'm {}, {}.", c.proc_first, c.proc_title),
                        format!("On our side {}.", f.paper_process),
                    ],
                ),
                turn(
                    Who::Rep,
                    &[
                        "Understood. Our legal team can turn redlines around in two business days."
                            .into(),
                    ],
                ),
                turn(
                    Who::Procurement,
                    &[
                        format!(
                            "Good. Signature authority sits with {}, our {}.",
                            c.eb, c.eb_title
                        ),
                        format!("We also need {}.", f.security),
                    ],
                ),
            ],
        ),
        block(
            Some("Timeline"),
            false,
            vec![turn(
                Who::Champion,
                &[
                    format!(
                        "We have to be signed well before the hard date, because {}.",
                        c.critical_event
                    ),
                    format!("{} is still fully behind this.", c.eb_first),
                ],
            )],
        ),
    ]
}

/// What the host proposes at the end of a call of this kind, as spoken ("a technical
/// evaluation with Ana"); the next meeting on the calendar is about it.
pub fn next_step(kind: Kind, c: &Ctx) -> String {
    match kind {
        Kind::Discovery => format!("a tailored demo with {} and {}", c.se_first, c.tech_first),
        Kind::Demo => format!("a technical evaluation with {}", c.tech_first),
        Kind::Evaluation => format!("a pricing conversation with {}", c.eb_first),
        Kind::Pricing => "the security and legal review".to_string(),
        Kind::Legal => "signatures and the kickoff plan".to_string(),
    }
}

fn next_steps(kind: Kind, c: &Ctx) -> Block {
    let next = next_step(kind, c);
    block(
        Some("Next Steps"),
        false,
        vec![
            turn(
                Who::Rep,
                &[
                    format!("For next steps, I suggest {next}."),
                    format!("Does {} work?", c.next_date),
                ],
            ),
            turn(
                Who::Champion,
                &[
                    "That works, send the invite.".into(),
                    format!("Thanks, {}.", c.rep_first),
                ],
            ),
            turn(
                Who::Rep,
                &[format!(
                    "Thanks everyone. Talk soon from the {VENDOR} side."
                )],
            ),
        ],
    )
}

/// Gong's AI brief of a call of this kind.
pub fn brief(kind: Kind, c: &Ctx) -> String {
    let f = c.facts;
    match kind {
        Kind::Discovery => format!(
            "Discovery with {} ({}) at {}. {} {} Goal: {}. Economic buyer is {} ({}). Critical event: {}.",
            c.champ, c.champ_title, c.account, f.pain, f.impact, f.metric_goal, c.eb, c.eb_title, c.critical_event
        ),
        Kind::Demo => format!(
            "Product demo for {} and {}. Must-haves: {}, {} and {}. {} is the alternative, but {}.",
            c.champ, c.tech, f.criteria[0], f.criteria[1], f.criteria[2], f.competitor, f.competitor_weakness
        ),
        Kind::Evaluation => format!(
            "Technical evaluation with {}. Security needs {}; integration with {}. Decision process: {}.",
            c.tech, f.security, f.integration, f.decision_process
        ),
        Kind::Pricing => format!(
            "Pricing review with {} ({}). Proposal {}; budget {}. {} wants {}.",
            c.eb, c.eb_title, f.price, f.budget, c.eb_first, f.eb_priority
        ),
        Kind::Legal => format!("Legal and procurement review: {}. Signature authority: {}.", f.paper_process, c.eb),
    }
}

/// Gong's key points of a call of this kind.
pub fn key_points(kind: Kind, c: &Ctx) -> Vec<String> {
    let f = c.facts;
    match kind {
        Kind::Discovery => vec![
            format!("Pain: {}", f.pain),
            format!("Impact: {}", f.impact),
            format!("Economic buyer: {}, {}", c.eb, c.eb_title),
            format!("Critical event: {}", c.critical_event),
        ],
        Kind::Demo => vec![
            format!(
                "Decision criteria: {}, {}, {}",
                f.criteria[0], f.criteria[1], f.criteria[2]
            ),
            format!("Competition: {}", f.competitor),
            format!("Champion {} sees the path to {}", c.champ, f.metric_goal),
        ],
        Kind::Evaluation => vec![
            format!("Security requirements: {}", f.security),
            format!("Integration: {}", f.integration),
            format!("Decision process: {}", f.decision_process),
        ],
        Kind::Pricing => vec![
            format!("Proposal: {}", f.price),
            format!("Budget: {}", f.budget),
            format!("Approval: {}", c.approval),
        ],
        Kind::Legal => vec![
            format!("Paper process: {}", f.paper_process),
            format!("Signer: {}, {}", c.eb, c.eb_title),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_have_the_requested_length_and_keep_the_last_stage() {
        for (stage, n) in [
            ("Negotiation", 5),
            ("Negotiation", 6),
            ("Discovery", 4),
            ("Closed Won", 5),
            ("Proposal", 7),
        ] {
            let s = Kind::sequence(stage, n);
            assert_eq!(s.len(), n, "{stage}");
        }
        assert_eq!(Kind::sequence("Negotiation", 5).last(), Some(&Kind::Legal));
    }
}

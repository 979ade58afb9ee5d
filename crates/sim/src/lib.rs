//! Simulators of the outside services callbrief talks to, over one deterministic sample org.
//!
//! The [`org`] module builds the sample org (people, accounts, deals and recorded calls with
//! realistic sales conversations); [`gong`] serves it with Gong API v2's shapes, limits and
//! failure modes, so the rest of the project can be tested and demonstrated without Gong;
//! the `salesforce` module serves the same org as Salesforce's REST API. Both read the time from
//! a [`clock::Clock`], so tests can move it instead of waiting for it.

/// The clock the simulators read (the workspace's one [`Clock`](clock::Clock)).
pub use clock;
pub mod gong;
pub mod org;
pub mod salesforce;

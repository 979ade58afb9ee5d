//! The Salesforce simulator over real HTTP: OAuth flows, SOQL and SOSL forms, errors, paging,
//! sharing, token expiry and the API quota. Expectations are computed from the sample org itself.
//! One test binary; the modules below split it by subject.

mod common;
mod oauth;
mod queries;
mod sharing;

//! The SOQL subset: lexer, parser, checker and evaluator.

pub mod ast;
pub mod error;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod plan;

pub use error::QueryError;
#[cfg(test)]
pub use plan::plan_query;
pub use plan::{plan_query_in, Projection};

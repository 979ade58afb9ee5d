//! The SOQL subset: lexer, parser, checker and evaluator.

pub mod ast;
pub mod error;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod plan;

pub use error::QueryError;
pub use plan::{plan_query_in, Projection};

//! Query errors in Salesforce's words: an error code and a message that points at the position.

/// A position in the query text: 1-based line and column (in characters) and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, counted in characters.
    pub col: usize,
    /// Byte offset into the text.
    pub offset: usize,
}

/// The `errorCode` values the query and search engines answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// SOQL that does not parse.
    MalformedQuery,
    /// SOSL that does not parse.
    MalformedSearch,
    /// A field that does not exist or cannot be used that way.
    InvalidField,
    /// An object that does not exist.
    InvalidType,
    /// A filter value the operator cannot take (e.g. a malformed id).
    InvalidQueryFilterOperator,
    /// `OFFSET` or `LIMIT` out of range.
    NumberOutsideValidRange,
}

impl ErrorCode {
    /// Salesforce's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedQuery => "MALFORMED_QUERY",
            ErrorCode::MalformedSearch => "MALFORMED_SEARCH",
            ErrorCode::InvalidField => "INVALID_FIELD",
            ErrorCode::InvalidType => "INVALID_TYPE",
            ErrorCode::InvalidQueryFilterOperator => "INVALID_QUERY_FILTER_OPERATOR",
            ErrorCode::NumberOutsideValidRange => "NUMBER_OUTSIDE_VALID_RANGE",
        }
    }
}

/// A query or search the engine refuses, answered as 400 with this code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// The error code.
    pub code: ErrorCode,
    /// The message, including the position where one applies.
    pub message: String,
}

impl QueryError {
    /// An error with a message that carries no position.
    pub fn plain(code: ErrorCode, message: impl Into<String>) -> QueryError {
        QueryError {
            code,
            message: message.into(),
        }
    }

    /// An error at a position, written as Salesforce does: the offending line, a caret under
    /// the position, `ERROR at Row:R:Column:C`, then the message.
    pub fn at(code: ErrorCode, src: &str, pos: Pos, message: impl AsRef<str>) -> QueryError {
        let line = src.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
        let caret = " ".repeat(pos.col.saturating_sub(1));
        QueryError {
            code,
            message: format!(
                "\n{line}\n{caret}^\nERROR at Row:{}:Column:{}\n{}",
                pos.line,
                pos.col,
                message.as_ref()
            ),
        }
    }

    /// The same error reported by the search engine: malformed queries become malformed searches.
    pub fn into_search(self) -> QueryError {
        let code = match self.code {
            ErrorCode::MalformedQuery => ErrorCode::MalformedSearch,
            other => other,
        };
        QueryError { code, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positioned_messages_point_at_the_column() {
        let e = QueryError::at(
            ErrorCode::MalformedQuery,
            "SELECT Id FORM Account",
            Pos {
                line: 1,
                col: 11,
                offset: 10,
            },
            "unexpected token: 'FORM'",
        );
        assert_eq!(
            e.message,
            "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'"
        );
    }
}

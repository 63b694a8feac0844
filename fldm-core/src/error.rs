//! The one error type of `fldm-core`.
//!
//! Every error that concerns a value of a record names the field by its path
//! (for example `grundpersonalien.staatsangehoerigkeiten[4]`). Messages never
//! contain the offending value itself when that value could be personal data
//! (names, dates of birth, addresses): they describe *what* is wrong, not *who*.

use std::fmt;

/// What is wrong with a single value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationKind {
    /// A required value is absent.
    Missing,
    /// The value is empty where a value is required.
    Empty,
    /// The value is longer than allowed (`max` in characters or items).
    TooLong {
        /// The largest length allowed.
        max: usize,
    },
    /// Too many or too few items in a list.
    Count {
        /// The fewest entries allowed.
        min: usize,
        /// The most entries allowed.
        max: usize,
        /// The number of entries found.
        found: usize,
    },
    /// A control character (U+0000-U+001F, U+007F-U+009F) appears.
    ControlCharacter {
        /// Character index of the control character.
        position: usize,
    },
    /// A character outside the DIN 91379 normative Latin set appears
    /// (position is the character index after NFC normalisation).
    CharacterNotPermitted {
        /// Character index (after NFC normalisation).
        position: usize,
        /// The Unicode code point of the character.
        codepoint: u32,
    },
    /// The value does not have the required format; `expected` says which.
    Format {
        /// The format required, in words (`YYYY-MM-DD`).
        expected: &'static str,
    },
    /// The value is not a valid calendar date.
    ImpossibleDate,
    /// The code is not in the code list named by `list`.
    UnknownCode {
        /// The list URI of the code list.
        list: String,
        /// The code that is not in it.
        code: String,
    },
    /// A field that the schema does not know (strict mode).
    UnknownField,
    /// Anything else, described in words that contain no personal data.
    Other(String),
}

impl fmt::Display for ValidationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationKind::Missing => write!(f, "value is missing"),
            ValidationKind::Empty => write!(f, "value is empty"),
            ValidationKind::TooLong { max } => write!(f, "value is longer than {max}"),
            ValidationKind::Count { min, max, found } => {
                write!(f, "expected {min} to {max} entries, found {found}")
            }
            ValidationKind::ControlCharacter { position } => {
                write!(f, "control character at position {position}")
            }
            ValidationKind::CharacterNotPermitted {
                position,
                codepoint,
            } => write!(
                f,
                "character U+{codepoint:04X} at position {position} is outside the DIN 91379 normative Latin set"
            ),
            ValidationKind::Format { expected } => write!(f, "invalid format, expected {expected}"),
            ValidationKind::ImpossibleDate => write!(f, "not a valid calendar date"),
            ValidationKind::UnknownCode { list, code } => {
                write!(f, "code {code:?} is not in code list {list}")
            }
            ValidationKind::UnknownField => write!(f, "unknown field"),
            ValidationKind::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for ValidationKind {}

/// A value of a record failed validation. `field` is the path of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Dotted path of the field, with list indices in brackets.
    pub field: String,
    /// What is wrong.
    pub kind: ValidationKind,
}

impl ValidationError {
    /// Create a validation error for `field`.
    pub fn new(field: impl Into<String>, kind: ValidationKind) -> Self {
        ValidationError {
            field: field.into(),
            kind,
        }
    }

    /// Prefix the field path with `parent` (used when a value is validated
    /// before its place in the record is known).
    #[must_use]
    pub fn within(mut self, parent: &str) -> Self {
        if parent.is_empty() {
            return self;
        }
        self.field = if self.field.is_empty() {
            parent.to_string()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.field, self.kind)
        }
    }
}

impl std::error::Error for ValidationError {}

/// The error type of `fldm-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value failed validation; the field path is in the inner error.
    #[error("invalid value: {0}")]
    Validation(#[from] ValidationError),

    /// JSON input could not be decoded. `field` is the path where decoding
    /// stopped (empty at top level).
    #[error("{}", fmt_decode("JSON", field, *line, *column, message))]
    Json {
        /// Path of the field where decoding stopped (empty at top level).
        field: String,
        /// 1-based line of the input (0 if unknown).
        line: usize,
        /// 1-based byte column in that line.
        column: usize,
        /// What is wrong, without personal data.
        message: String,
    },

    /// XML input could not be decoded. `field` is the path of the element
    /// where decoding stopped.
    #[error("{}", fmt_decode("XML", field, *line, *column, message))]
    Xml {
        /// Path of the field where decoding stopped (empty at top level).
        field: String,
        /// 1-based line of the input (0 if unknown).
        line: usize,
        /// 1-based byte column in that line.
        column: usize,
        /// What is wrong, without personal data.
        message: String,
    },

    /// An error in one record of multi-record input (JSON lines, an XML list).
    #[error("record {index}: {source}")]
    Record {
        /// 0-based index of the record.
        index: usize,
        /// The error in that record.
        #[source]
        source: Box<Error>,
    },

    /// A code list file could not be read or is not a usable genericode list.
    #[error("code list {source_name}: {message}")]
    CodeList {
        /// The file or name the list was read from.
        source_name: String,
        /// What is wrong.
        message: String,
    },

    /// A policy file is invalid or a policy operation failed (see [`crate::policy`]).
    #[error("{0}")]
    Policy(String),

    /// A policy file is invalid: `file`, 1-based `line`, the rule (if the
    /// problem is inside one) and what is wrong.
    #[error("{file}:{line}: {}{message}", rule.as_ref().map(|r| format!("rule {r:?}: ")).unwrap_or_default())]
    PolicyFile {
        /// The policy file.
        file: String,
        /// 1-based line in that file.
        line: usize,
        /// The rule the problem is in, if any.
        rule: Option<String>,
        /// What is wrong.
        message: String,
    },

    /// An audit journal problem (see [`crate::audit`]).
    #[error("{0}")]
    Audit(String),

    /// An I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done (`writing XML`).
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn fmt_decode(format: &str, field: &str, line: usize, column: usize, message: &str) -> String {
    let mut s = format!("invalid {format}");
    if !field.is_empty() {
        s.push_str(&format!(" at field {field}"));
    }
    if line > 0 {
        s.push_str(&format!(" (line {line}, column {column})"));
    }
    s.push_str(": ");
    s.push_str(message);
    s
}

impl Error {
    /// The path of the field the error concerns, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation(v) => Some(&v.field),
            Error::Json { field, .. } | Error::Xml { field, .. } => Some(field),
            Error::Record { source, .. } => source.field(),
            _ => None,
        }
    }

    /// The 0-based index of the record in multi-record input, if known.
    pub fn record_index(&self) -> Option<usize> {
        match self {
            Error::Record { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// Attach a record index.
    #[must_use]
    pub fn at_record(self, index: usize) -> Self {
        match self {
            Error::Record { .. } => self,
            other => Error::Record {
                index,
                source: Box::new(other),
            },
        }
    }

    /// Wrap an I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result alias for `fldm-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

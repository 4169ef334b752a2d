//! Exit codes: the classes of failure a script can tell apart, defined once here. `main`
//! exits with [`class_of`] the error it prints; a place that knows what went wrong marks its
//! error with [`Class::wrap`] (the registry marks every failure to open a database as a
//! connection failure, the configuration its own). An error nobody marked exits with 1.
//! docs/configuration.md#exit-codes lists them for users.

use std::fmt;

/// Why dbsub stopped, as its exit code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Any other failure: 1.
    Failure,
    /// The command line is wrong (clap's own code): 2.
    Usage,
    /// A setting in the environment or `.env` is missing or unusable: 3.
    Configuration,
    /// A database could not be opened, reached or logged in to: 4.
    Connection,
    /// The data is not what it should be: `verify` found a problem (a row count or a foreign
    /// key): 5.
    DataProblem,
    /// Stopped by Ctrl-C (SIGINT), as shells report it: 130.
    Interrupted,
}

impl Class {
    /// Every class, in the order of their codes.
    pub const ALL: [Class; 6] = [
        Class::Failure,
        Class::Usage,
        Class::Configuration,
        Class::Connection,
        Class::DataProblem,
        Class::Interrupted,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Class::Failure => 1,
            Class::Usage => 2,
            Class::Configuration => 3,
            Class::Connection => 4,
            Class::DataProblem => 5,
            Class::Interrupted => 130,
        }
    }

    /// What the class means, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Class::Failure => "failure",
            Class::Usage => "usage error",
            Class::Configuration => "configuration error",
            Class::Connection => "connection error",
            Class::DataProblem => "data problem found",
            Class::Interrupted => "interrupted",
        }
    }

    /// `error`, marked as of this class. Its message and causes read as before.
    pub fn wrap(self, error: anyhow::Error) -> anyhow::Error {
        anyhow::Error::new(Classified { class: self, error })
    }

    /// A new error of this class with `message`.
    pub fn error(self, message: impl fmt::Display) -> anyhow::Error {
        self.wrap(anyhow::anyhow!("{message}"))
    }
}

/// An error marked with its class. It prints as the error it wraps, causes included, so the
/// mark adds nothing to the message.
#[derive(Debug)]
struct Classified {
    class: Class,
    error: anyhow::Error,
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Classified {}

/// The class of `error`: the mark nearest its outermost message, else [`Class::Failure`].
pub fn class_of(error: &anyhow::Error) -> Class {
    error
        .downcast_ref::<Classified>()
        .map_or(Class::Failure, |c| c.class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_survives_context_and_leaves_the_message_alone() {
        let err = Class::Connection
            .wrap(anyhow::anyhow!("refused").context("cannot connect to h"))
            .context("cannot load THE.SEEDLOT");
        assert_eq!(class_of(&err), Class::Connection);
        let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
        assert_eq!(
            chain.join(": "),
            "cannot load THE.SEEDLOT: cannot connect to h: refused"
        );
        assert_eq!(class_of(&anyhow::anyhow!("plain")), Class::Failure);
        assert_eq!(
            class_of(&Class::DataProblem.error("2 problems")),
            Class::DataProblem
        );
    }

    #[test]
    fn codes_are_distinct_and_usage_is_clap_s() {
        let mut codes: Vec<u8> = Class::ALL.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), Class::ALL.len());
        assert_eq!(Class::Usage.code(), 2);
        assert_eq!(Class::Interrupted.code(), 130);
    }
}

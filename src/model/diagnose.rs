//! What `dbsub doctor` finds about a database: one finding per check, for the role it plays.

use serde::Serialize;

/// What `dbsub doctor` checks a database for: the role it plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Read for its catalog (the structural database).
    Catalog,
    /// Extracted from, in one snapshot.
    Source,
    /// Migrated and loaded into.
    Target,
}

/// How a [`Finding`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    /// Worth knowing, not a failure (a narrower privilege that still works).
    Info,
    /// Something a command will fail on; the text says what to do.
    Problem,
}

/// One line of `dbsub doctor`'s report on a database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    pub text: String,
}

impl Finding {
    pub fn ok(text: impl Into<String>) -> Finding {
        Finding {
            level: Level::Ok,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Finding {
        Finding {
            level: Level::Info,
            text: text.into(),
        }
    }

    pub fn problem(text: impl Into<String>) -> Finding {
        Finding {
            level: Level::Problem,
            text: text.into(),
        }
    }

    /// A failed step as a problem: the error and its causes in one line.
    pub fn failed(e: &anyhow::Error) -> Finding {
        Finding::problem(format!("{e:#}"))
    }
}

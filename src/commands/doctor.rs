//! `dbsub doctor`: is this machine set up? The configuration, the Oracle client, and for every
//! configured database and object store: does it answer, and does it grant what its role needs.
//! Exits non-zero when something would make a command fail.

use anyhow::{Result, bail};
use serde::Serialize;

use crate::archive::store::Store;
use crate::backend;
use crate::cli::DoctorArgs;
use crate::config::{Config, Origin, Profile, Role};
use crate::model::diagnose::{Finding, Level, Use};
use crate::output;

/// One section of the report: what was checked and what was found.
#[derive(Debug, Serialize)]
pub struct Section {
    pub title: String,
    /// Where the setting came from (a variable, or the demo default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The database or store, credentials redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub findings: Vec<Finding>,
}

pub fn run(config: &Config, args: &DoctorArgs) -> Result<()> {
    let report = check(config);
    args.format.print(&report, |r| render(r))?;
    let problems = report
        .iter()
        .flat_map(|s| &s.findings)
        .filter(|f| f.level == Level::Problem)
        .count();
    if problems > 0 {
        bail!(
            "{} found: see the report above",
            output::plural(problems, "problem")
        );
    }
    Ok(())
}

/// Runs every check, in the order of the report.
pub fn check(config: &Config) -> Vec<Section> {
    let profiles = config.profiles();
    let mut report = vec![configuration(config)];
    report.extend(client_libraries(&profiles));
    for profile in &profiles {
        report.push(database(profile));
    }
    for (var, url) in config.stores() {
        report.push(store(&var, &url));
    }
    report
}

fn configuration(config: &Config) -> Section {
    let mut findings = Vec::new();
    findings.push(match config.env_file() {
        Some(path) => Finding::ok(format!(
            "{} was read (the environment wins over it)",
            path.display()
        )),
        None => Finding::info(
            "no .env here or in a parent folder: settings come from the environment only",
        ),
    });
    findings.push(match config.masking_key() {
        Some(key) if key.len() >= crate::mask::MIN_KEY_BYTES => Finding::ok(format!(
            "{} is set ({} bytes)",
            crate::mask::KEY_VAR,
            key.len()
        )),
        Some(key) => Finding::problem(format!(
            "{} is {} bytes long: use a random secret of at least {} bytes",
            crate::mask::KEY_VAR,
            key.len(),
            crate::mask::MIN_KEY_BYTES
        )),
        None => Finding::info(format!(
            "{} is not set: extracts with keyed masking (pseudonym, fake, date_shift) will \
             refuse to run",
            crate::mask::KEY_VAR
        )),
    });
    Section {
        title: "configuration".into(),
        origin: None,
        url: None,
        findings,
    }
}

/// The client libraries backends load at run time (Oracle's Instant Client): one section each,
/// a problem only when a database of that kind is configured.
fn client_libraries(profiles: &[Profile]) -> Vec<Section> {
    backend::all()
        .iter()
        .filter_map(|b| b.client_library().map(|library| (b.kind(), library)))
        .map(|(kind, library)| {
            let needed = profiles
                .iter()
                .any(|p| p.url.as_ref().is_ok_and(|u| u.kind() == kind));
            let finding = match (library.load)() {
                Ok(loaded) => Finding::ok(loaded),
                Err(e) if needed => Finding::failed(&e),
                Err(_) => Finding::info(library.not_needed),
            };
            Section {
                title: library.title.into(),
                origin: None,
                url: None,
                findings: vec![finding],
            }
        })
        .collect()
}

fn database(profile: &Profile) -> Section {
    let role = match profile.role {
        Role::Structural => Use::Catalog,
        Role::Source { .. } => Use::Source,
        Role::Target { .. } => Use::Target,
    };
    let (url, mut findings) = match &profile.url {
        Ok(url) => (Some(url.redacted()), backend::diagnose(url, role)),
        Err(why) => (
            None,
            vec![Finding::problem(format!("the URL is unusable: {why}"))],
        ),
    };
    if profile.origin == Origin::Demo {
        // A default nobody chose: its absence (before `dbsub demo`) is not a set-up problem.
        for f in &mut findings {
            if f.level == Level::Problem {
                f.level = Level::Info;
            }
        }
    }
    Section {
        title: profile.role.to_string(),
        origin: Some(profile.origin.to_string()),
        url,
        findings,
    }
}

/// A store answers a read of a key that need not exist (no listing: a bucket may be huge).
fn store(var: &str, url: &str) -> Section {
    let finding = match Store::open(url).and_then(|s| s.get(".dbsub-doctor")) {
        Ok(_) => Finding::ok("the store answers reads"),
        Err(e) => Finding::failed(&e),
    };
    Section {
        title: format!("store {}", var.trim_start_matches("DBSUB_STORE_")),
        origin: Some(Origin::Variable(var.to_string()).to_string()),
        url: Some(crate::model::redact_url(url)),
        findings: vec![finding],
    }
}

/// The report for people: a heading per section, a mark per finding.
pub fn render(report: &[Section]) -> String {
    let mut out = String::new();
    for section in report {
        out.push_str(&section.title);
        if let Some(url) = &section.url {
            out.push_str(&format!("  {url}"));
        }
        if let Some(origin) = &section.origin {
            out.push_str(&format!("  ({origin})"));
        }
        out.push('\n');
        for f in &section.findings {
            let mark = match f.level {
                Level::Ok => "ok     ",
                Level::Info => "note   ",
                Level::Problem => "PROBLEM",
            };
            // A driver's multi-line message stays under its mark.
            let text = f.text.replace('\n', "\n          ");
            out.push_str(&format!("  {mark} {text}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_marks_each_finding() {
        let report = vec![Section {
            title: "target ORA".into(),
            origin: Some("from DBSUB_TARGET_ORA".into()),
            url: Some("oracle://u:***@h:1521/S".into()),
            findings: vec![Finding::ok("connected"), Finding::problem("missing X")],
        }];
        assert_eq!(
            render(&report),
            "target ORA  oracle://u:***@h:1521/S  (from DBSUB_TARGET_ORA)\n  ok      connected\n  \
             PROBLEM missing X\n"
        );
    }
}

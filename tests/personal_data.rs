//! Personal data the classification misses: the demo's own classification masks every e-mail
//! address; unclassified columns that look personal by name or by value are named with the
//! classification line to add, and `--strict` refuses them — and classification lines that
//! name nothing — before anything is written.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Output;

use common::{Workspace, failure, read_extract, stderr, success, walk};
use rusqlite::Connection;

const KEY: &str = "personal-data-test-key-0123456789";
/// The demo's classification (the users' format).
const CLASSIFICATION: &str = include_str!("../data/demo/classification.csv");

struct Lab {
    ws: Workspace,
}

impl Lab {
    /// The demo database, with `change` applied to it, and `classification` beside it.
    fn new(classification: &str, change: &str) -> Lab {
        let lab = Lab {
            ws: Workspace::with_demo(),
        };
        std::fs::write(lab.at("classification.csv"), classification).unwrap();
        if !change.is_empty() {
            Connection::open(lab.ws.demo_db())
                .unwrap()
                .execute_batch(change)
                .unwrap();
        }
        lab
    }

    fn at(&self, p: &str) -> PathBuf {
        self.ws.path().join(p)
    }

    /// Extracts the demo's seedlots with the classification and `extra` options.
    fn extract(&self, extra: &[&str]) -> (Output, Vec<String>) {
        let mut args = vec![
            "extract",
            "SQLITE",
            "DEMO",
            "--seed-object",
            "SEEDLOT",
            "--classification",
            "classification.csv",
        ];
        args.extend_from_slice(extra);
        let store = format!("file://{}", self.at("store").display());
        let url = self.ws.demo_url();
        let out = self
            .ws
            .dbsub(&[
                ("DBSUB_SOURCE_SQLITE_DEMO", url.as_str()),
                ("DBSUB_STORE_DEMO", store.as_str()),
                ("DBSUB_MASKING_KEY", KEY),
            ])
            .args(&args)
            .output()
            .unwrap();
        (out, args.iter().map(|a| a.to_string()).collect())
    }

    /// The stderr of an extract that had to succeed.
    fn ok(&self, extra: &[&str]) -> String {
        let (out, args) = self.extract(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        success(&out, &args);
        stderr(&out)
    }

    /// The stderr of an extract that had to fail.
    fn fails(&self, extra: &[&str]) -> String {
        let (out, args) = self.extract(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        failure(&out, &args)
    }

    fn store_files(&self) -> usize {
        let store = self.at("store");
        if store.exists() {
            walk(&store).len()
        } else {
            0
        }
    }

    fn column(&self, sql: &str) -> BTreeSet<String> {
        let db = Connection::open(self.ws.demo_db()).unwrap();
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

/// Asserts that `text` says each of `parts`.
fn says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "`{part}` is missing from:\n{text}");
    }
}

#[test]
fn the_demo_archive_holds_no_original_e_mail_address_and_passes_strict() {
    let lab = Lab::new(CLASSIFICATION, "");
    let originals = lab.column(
        "SELECT EMAIL_ADDRESS FROM CLIENT_LOCATION WHERE EMAIL_ADDRESS <> '' \
         UNION SELECT APPLICANT_EMAIL_ADDRESS FROM SEEDLOT WHERE APPLICANT_EMAIL_ADDRESS <> ''",
    );
    assert!(originals.len() > 20, "{} e-mail addresses", originals.len());
    let err = lab.ok(&["--strict"]);
    assert!(!err.contains("look personal"), "{err}");
    let tables = read_extract(&lab.at("store/DEMO/SQLITE/default"));
    let (header, rows) = &tables["SEEDLOT"];
    let applicant = header
        .iter()
        .position(|h| h == "APPLICANT_EMAIL_ADDRESS")
        .unwrap();
    assert!(rows.iter().any(|r| !r[applicant].0.is_empty()));
    for (table, (_, rows)) in &tables {
        for row in rows {
            for (field, _) in row {
                assert!(
                    !originals.contains(field),
                    "{table} holds the original e-mail address {field}"
                );
            }
        }
    }
}

#[test]
fn an_unclassified_contact_email_column_is_named_and_refused_under_strict() {
    let lab = Lab::new(
        CLASSIFICATION,
        "ALTER TABLE SEEDLOT ADD COLUMN CONTACT_EMAIL VARCHAR2(100); \
         UPDATE SEEDLOT SET CONTACT_EMAIL = 'x' || SEEDLOT_NUMBER || '@forest.example.org';",
    );
    let err = lab.fails(&["--strict"]);
    says(
        &err,
        &[
            "--strict: 1 unclassified column looks personal",
            "THE.SEEDLOT.CONTACT_EMAIL: its name suggests e-mail addresses",
            "SEEDLOT,CONTACT_EMAIL,Protected B,fake:email",
        ],
    );
    assert_eq!(lab.store_files(), 0, "nothing may be written");

    let err = lab.ok(&[]);
    says(
        &err,
        &[
            "warning: 1 unclassified column looks personal and is extracted unmasked",
            "SEEDLOT,CONTACT_EMAIL,Protected B,fake:email",
        ],
    );
}

#[test]
fn neutral_columns_holding_e_mail_addresses_or_masked_values_are_named() {
    let lab = Lab::new(
        CLASSIFICATION,
        "ALTER TABLE SEEDLOT ADD COLUMN REMARK VARCHAR2(100); \
         ALTER TABLE SEEDLOT ADD COLUMN REFERENCE_TEXT NVARCHAR2(60); \
         UPDATE SEEDLOT SET REMARK = 'r' || SEEDLOT_NUMBER || '@example.net'; \
         UPDATE SEEDLOT SET REFERENCE_TEXT = (SELECT CLIENT_NAME FROM FOREST_CLIENT f \
             WHERE f.CLIENT_NUMBER = SEEDLOT.APPLICANT_CLIENT_NUMBER);",
    );
    let err = lab.fails(&["--strict"]);
    says(
        &err,
        &[
            "2 unclassified columns look personal",
            "nothing was written",
            "THE.SEEDLOT.REMARK: 100 of 100 sampled values look like e-mail addresses",
            "SEEDLOT,REMARK,Protected B,fake:email",
            "THE.SEEDLOT.REFERENCE_TEXT: ",
            "sampled values equal values of THE.FOREST_CLIENT.CLIENT_NAME, which is masked",
        ],
    );
    assert_eq!(lab.store_files(), 0, "nothing may be written");

    let err = lab.ok(&[]);
    says(&err, &["SEEDLOT,REFERENCE_TEXT,Protected B,"]);
}

/// A parent's values are sampled whether the extract reads it by key lookups or by a scan kept
/// by the closure's keys (`--scan-share 0`): the sample of a scanned table looks up its first
/// keys, so that the sample stops where a scan could not.
#[test]
fn a_parent_read_by_lookups_or_by_a_kept_scan_is_sampled_alike() {
    let lab = Lab::new(
        CLASSIFICATION,
        "ALTER TABLE FOREST_CLIENT ADD COLUMN REMARK VARCHAR2(100); \
         UPDATE FOREST_CLIENT SET REMARK = 'c' || CLIENT_NUMBER || '@example.org';",
    );
    for share in ["2", "0"] {
        let err = lab.fails(&["--strict", "--scan-share", share]);
        says(
            &err,
            &[
                "THE.FOREST_CLIENT.REMARK: ",
                "sampled values look like e-mail addresses",
                "FOREST_CLIENT,REMARK,Protected B,fake:email",
            ],
        );
        assert_eq!(
            lab.store_files(),
            0,
            "nothing may be written (--scan-share {share})"
        );
    }
}

#[test]
fn a_classification_line_naming_no_column_fails_under_strict_naming_the_line() {
    let typo = CLASSIFICATION.replace(
        "SEEDLOT,APPLICANT_EMAIL_ADDRESS,",
        "SEEDLOT,APPLICANT_EMAIL_ADRESS,",
    );
    assert_ne!(typo, CLASSIFICATION);
    let line = typo
        .lines()
        .position(|l| l.contains("APPLICANT_EMAIL_ADRESS"))
        .unwrap()
        + 1;
    let lab = Lab::new(&typo, "");
    let err = lab.fails(&["--strict"]);
    says(
        &err,
        &[
            "--strict: 1 line of the classification",
            &format!("classification.csv, line {line}"),
            "has no column APPLICANT_EMAIL_ADRESS",
        ],
    );
    assert_eq!(lab.store_files(), 0, "nothing may be written");

    // Without --strict: warned, and the column it meant is named as looking personal.
    let err = lab.ok(&[]);
    says(
        &err,
        &[
            "has no column APPLICANT_EMAIL_ADRESS",
            "SEEDLOT,APPLICANT_EMAIL_ADDRESS,Protected B,fake:email",
        ],
    );
}

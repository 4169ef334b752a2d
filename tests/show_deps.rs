//! `dbsub show-deps` on the demo schema: every format against golden files, and the errors a
//! user meets.

mod common;

use common::{Workspace, golden, stderr, stdout, xml};

fn show(ws: &Workspace, args: &[&str]) -> String {
    let out = ws
        .dbsub_demo()
        .arg("show-deps")
        .args(args)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn every_format_matches_its_golden_file() {
    let ws = Workspace::with_demo();
    for (format, file) in [
        ("text", "seedlot-parents.txt"),
        ("json", "seedlot-parents.json"),
        ("dot", "seedlot-parents.dot"),
        ("mermaid", "seedlot-parents.mmd"),
        ("svg", "seedlot-parents.svg"),
    ] {
        golden(
            file,
            &show(&ws, &["--seed-object", "SEEDLOT", "--format", format]),
        );
    }
}

#[test]
fn children_both_and_depth_match_their_golden_files() {
    let ws = Workspace::with_demo();
    golden(
        "seedlot-children.txt",
        &show(
            &ws,
            &["--seed-object", "seedlot", "--direction", "children"],
        ),
    );
    golden(
        "client-location-both-depth2.txt",
        &show(
            &ws,
            &[
                "--seed-object",
                "THE.CLIENT_LOCATION",
                "--direction",
                "both",
                "--depth",
                "2",
            ],
        ),
    );
    golden(
        "parent-tree-parents.mmd",
        &show(
            &ws,
            &["--seed-object", "PARENT_TREE", "--format", "mermaid"],
        ),
    );
}

#[test]
fn json_is_consistent_with_itself() {
    let ws = Workspace::with_demo();
    let json: serde_json::Value = serde_json::from_str(&show(
        &ws,
        &["--seed-object", "SEEDLOT", "--format", "json"],
    ))
    .expect("valid JSON");
    assert_eq!(json["format"], "dbsub-deps");
    assert_eq!(json["format_version"], 1);
    let ids: Vec<&str> = json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let order: Vec<&str> = json["load_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), order.len());
    // Every kept edge points from a later object to an earlier one in the load order.
    for edge in json["edges"].as_array().unwrap() {
        let (from, to) = (edge["from"].as_str().unwrap(), edge["to"].as_str().unwrap());
        assert!(ids.contains(&from) && ids.contains(&to));
        if from != to && !edge["broken"].as_bool().unwrap() {
            let pos = |id| order.iter().position(|o| *o == id).unwrap();
            assert!(pos(to) < pos(from), "{to} must load before {from}");
        }
    }
    assert_eq!(
        json["cycles"][0]["broken"][0]["name"],
        "FOREST_CLIENT_PRIMARY_LOCN_FK"
    );
}

#[test]
fn exclusions_and_several_seeds() {
    let ws = Workspace::with_demo();
    let text = show(
        &ws,
        &[
            "--seed-object",
            "SMP_MIX",
            "--seed-object",
            "APP_SETTING",
            "--exclude",
            "SEEDLOT",
        ],
    );
    assert!(text.contains("TABLE: THE.APP_SETTING\n"), "{text}");
    assert!(text.contains("TABLE: THE.PARENT_TREE"), "{text}");
    assert!(!text.contains("THE.SEEDLOT "), "{text}");
    assert!(!text.contains("THE.SEEDLOT\n"), "{text}");
}

#[test]
fn unknown_seed_lists_the_closest_names() {
    let ws = Workspace::with_demo();
    let out = ws
        .dbsub_demo()
        .args(["show-deps", "--seed-object", "SEEDLOTS"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("dbsub: no object named `SEEDLOTS` in the catalog; closest names:\n  TABLE: THE.SEEDLOT\n"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn ambiguous_seed_lists_the_candidates_and_schema_resolves_it() {
    let ws = Workspace::with_demo();
    let snapshot = ws.two_schema_snapshot();

    let out = ws
        .dbsub(&[])
        .args(["show-deps", "--seed-object", "seedlot", "--catalog"])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "dbsub: `seedlot` names 2 objects; name it as SCHEMA.NAME (or with --schema S):\n  \
         TABLE: ARCHIVE.SEEDLOT\n  TABLE: THE.SEEDLOT\n"
    );
    let out = ws
        .dbsub(&[])
        .args([
            "show-deps",
            "--seed-object",
            "seedlot",
            "--schema",
            "archive",
            "--catalog",
        ])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("TABLE: ARCHIVE.SEEDLOT\n\n1 object (1 table)"));
}

#[test]
fn object_type_narrows_the_seed() {
    let ws = Workspace::with_demo();
    let text = show(
        &ws,
        &[
            "--seed-object",
            "SEEDLOT_SUMMARY_VW",
            "--object-type",
            "view",
        ],
    );
    assert!(text.starts_with("VIEW: THE.SEEDLOT_SUMMARY_VW\n"), "{text}");
    let out = ws
        .dbsub_demo()
        .args([
            "show-deps",
            "--seed-object",
            "SEEDLOT",
            "--object-type",
            "trigger",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("no object named `TRIGGER SEEDLOT`"), "{err}");
}

#[test]
fn snapshot_gives_the_same_answer_as_the_live_database() {
    let ws = Workspace::with_demo();
    let snapshot = ws.path().join("catalog.json");
    let out = ws
        .dbsub_demo()
        .args(["catalog", "export", "--out"])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("36 tables, 2 views, 1 trigger"),
        "{}",
        stderr(&out)
    );
    let live = show(&ws, &["--seed-object", "SEEDLOT", "--format", "json"]);
    let offline = ws
        .dbsub(&[])
        .args([
            "show-deps",
            "--seed-object",
            "SEEDLOT",
            "--format",
            "json",
            "--catalog",
        ])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert!(offline.status.success(), "{}", stderr(&offline));
    assert_eq!(stdout(&offline), live);
}

#[test]
fn malformed_snapshot_names_file_line_and_remedy() {
    let ws = Workspace::empty();
    let bad = ws.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"format\": \"dbsub-catalog\",\n\"format_version\": 1,\n",
    )
    .unwrap();
    let out = ws
        .dbsub(&[])
        .args(["show-deps", "--seed-object", "X", "--catalog"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.json"), "{err}");
    assert!(err.contains("not valid JSON (line 3, column 0"), "{err}");
    assert!(err.contains("dbsub catalog export"), "{err}");
    let out = ws
        .dbsub(&[])
        .args([
            "show-deps",
            "--seed-object",
            "X",
            "--catalog",
            "missing.json",
        ])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("cannot read catalog snapshot missing.json"));
}

#[test]
fn unreadable_database_file_is_named() {
    let ws = Workspace::empty();
    std::fs::write(ws.path().join("junk.db"), "not a database at all, really").unwrap();
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", "sqlite://junk.db")])
        .args(["show-deps", "--seed-object", "X"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("junk.db") && err.contains("not a database"),
        "{err}"
    );
    assert!(err.contains("DBSUB_STRUCT_URL"), "{err}");
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", "sqlite://nowhere.db")])
        .args(["show-deps", "--seed-object", "X"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("nowhere.db does not exist"), "{err}");
}

#[test]
fn credentials_never_reach_the_output() {
    let ws = Workspace::empty();
    let out = ws
        .dbsub(&[(
            "DBSUB_STRUCT_URL",
            "oracle://scott:tiger-s3cret@db:1521/STRUCT",
        )])
        .args(["show-deps", "--seed-object", "SEEDLOT"])
        .output()
        .unwrap();
    // A connection error: exit code 4.
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains("oracle://scott:***@db:1521/STRUCT"), "{err}");
    assert!(!err.contains("tiger"), "{err}");
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", "mysql://u:tiger-s3cret@db/x")])
        .args(["show-deps", "--seed-object", "SEEDLOT"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("DBSUB_STRUCT_URL is set but unusable"),
        "{err}"
    );
    assert!(!err.contains("tiger"), "{err}");
}

#[test]
fn dot_env_is_read_and_a_broken_one_is_explained() {
    let ws = Workspace::with_demo();
    std::fs::write(
        ws.path().join(".env"),
        format!(
            "# the structural database\nDBSUB_STRUCT_URL={}\n",
            ws.demo_url()
        ),
    )
    .unwrap();
    let out = ws
        .dbsub(&[])
        .args(["show-deps", "--seed-object", "ORCHARD", "--depth", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("TABLE: THE.ORCHARD\n"));
    std::fs::write(ws.path().join(".env"), "DBSUB_STRUCT_URL='unterminated\n").unwrap();
    let out = ws
        .dbsub(&[])
        .args(["show-deps", "--seed-object", "ORCHARD"])
        .output()
        .unwrap();
    // A configuration error: exit code 3.
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains(".env, line 1: the value of DBSUB_STRUCT_URL cannot be read"),
        "{err}"
    );
    assert!(!err.contains("unterminated"), "{err}");
}

#[test]
fn export_from_a_snapshot_keeps_the_schemas_asked_for() {
    let ws = Workspace::with_demo();
    let full = ws.path().join("full.json");
    let out = ws
        .dbsub_demo()
        .args(["catalog", "export", "--out"])
        .arg(&full)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws
        .dbsub(&[])
        .args([
            "catalog",
            "export",
            "--schema",
            "the",
            "--out",
            "the.json",
            "--catalog",
        ])
        .arg(&full)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ws
        .dbsub(&[])
        .args([
            "catalog",
            "export",
            "--schema",
            "OTHER",
            "--out",
            "x.json",
            "--catalog",
        ])
        .arg(&full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no table in schema OTHER"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.path().join("x.json").exists());
}

#[test]
fn pictures_mark_the_tables_the_classification_masks() {
    let ws = Workspace::with_demo();
    std::fs::write(
        ws.path().join("classification.csv"),
        include_str!("../data/demo/classification.csv"),
    )
    .unwrap();
    let args = |format| {
        [
            "--seed-object",
            "SEEDLOT",
            "--format",
            format,
            "--classification",
            "classification.csv",
        ]
    };
    let svg = show(&ws, &args("svg"));
    let doc = xml::parse(&svg);
    let masked: Vec<&str> = doc
        .titles
        .iter()
        .filter(|t| t.lines().any(|l| l == "masked"))
        .map(|t| t.lines().next().unwrap())
        .collect();
    // Classified columns of the client tables, and the keys that follow them by foreign key.
    assert_eq!(
        masked,
        [
            "TABLE THE.CLIENT_LOCATION",
            "TABLE THE.FOREST_CLIENT",
            "TABLE THE.ORCHARD",
            "TABLE THE.SEEDLOT"
        ]
    );
    let seedlot = doc
        .titles
        .iter()
        .find(|t| t.starts_with("TABLE THE.SEEDLOT\n"))
        .unwrap();
    assert!(
        seedlot.contains("masked columns: APPLICANT_CLIENT_NUMBER (pseudonym)"),
        "{seedlot}"
    );
    // Without the classification nothing is masked; with it the picture is the same but for
    // the marks.
    let plain = show(&ws, &["--seed-object", "SEEDLOT", "--format", "svg"]);
    assert!(!plain.contains("masked columns:"));
    assert_eq!(xml::parse(&plain).count("polyline"), doc.count("polyline"));

    let page = xml::parse(&show(&ws, &args("html")));
    assert_eq!(page.count("svg"), 1);
    assert_eq!(page.count("tr"), 1 + 14);

    let out = ws
        .dbsub_demo()
        .args(["show-deps", "--seed-object", "SEEDLOT"])
        .args(["--classification", "classification.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--classification marks the masked tables of a picture only"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn picture_boxes_give_the_catalogs_row_statistics() {
    let ws = Workspace::with_demo();
    let url = dbsub::backend::parse_url(&ws.demo_url()).unwrap();
    let mut catalog = dbsub::backend::catalog_reader(&url)
        .unwrap()
        .read_catalog(&[])
        .unwrap();
    for t in &mut catalog.tables {
        if t.name == "ORCHARD" {
            t.estimated_rows = Some(1234);
        }
    }
    let snapshot = ws.path().join("stats.json");
    dbsub::catalog::snapshot::write(&catalog, &snapshot).unwrap();
    let out = ws
        .dbsub(&[])
        .args([
            "show-deps",
            "--seed-object",
            "SEEDLOT",
            "--format",
            "svg",
            "--catalog",
        ])
        .arg(&snapshot)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = xml::parse(&stdout(&out));
    let with_rows: Vec<&String> = doc
        .titles
        .iter()
        .filter(|t| t.contains("\nrows: "))
        .collect();
    assert_eq!(with_rows, ["TABLE THE.ORCHARD\nrows: ≈ 1234 rows"]);
}

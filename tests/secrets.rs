//! Secrets never reach a terminal: malformed URLs and passwords with characters a URL must
//! percent-encode, run through every command that reads a database URL; `.env` lines that cannot
//! be read.

mod common;

use common::{Workspace, stderr, stdout};

/// A URL shape: the kind it is meant for (its DBTYPE word) and the URL around a password `{}`.
struct Shape {
    kind: &'static str,
    template: &'static str,
}

const fn shape(kind: &'static str, template: &'static str) -> Shape {
    Shape { kind, template }
}

/// URLs that do not parse, or name the wrong parts, around a password. Hosts are 127.0.0.1:1,
/// which refuses at once, so that a URL that does parse fails fast too.
const MALFORMED: [Shape; 14] = [
    shape("PG", "postgres//u:{}@127.0.0.1:1/db"),
    shape("PG", "postgres:/u:{}@127.0.0.1:1/db"),
    shape("PG", "postgres:u:{}@127.0.0.1:1/db"),
    shape("PG", "u:{}@127.0.0.1:1/db"),
    shape("PG", ":{}@127.0.0.1:1/db"),
    shape("PG", "mysql://u:{}@127.0.0.1:1/db"),
    shape("PG", "postgres://u:{}@127.0.0.1:1"),
    shape("PG", "postgres://u:{}@/db"),
    shape("PG", "postgres://u:{}@127.0.0.1:port/db"),
    shape("PG", " postgres://u:{}@127.0.0.1:1/db?sslmode=x "),
    shape("ORA", "oracle:/u:{}@127.0.0.1:1/S"),
    shape("ORA", "oracle//u:{}@127.0.0.1:1/S"),
    shape("ORA", "oracle://u:{}@127.0.0.1:1"),
    shape("ORA", "oracle://u:{}@127.0.0.1:1/S?x=1#frag"),
];

/// Characters in a password, unencoded.
const SPECIALS: [&str; 26] = [
    "#", "/", "?", "@", ":", " ", "%", "%4", "%zz", "&", "=", "!", "$", "'", "\"", "\\", ";", ",",
    "`", "[", "]", "|", "<", ">", "+", "@/?# :%",
];

/// `(kind, url, password)`: every malformed shape with a password holding special characters,
/// and every special character in a well-formed PostgreSQL and Oracle URL. The passwords are
/// shorter than 8 characters, so that the URL rules hide them rather than the verbatim list of
/// known secrets (which only takes longer ones).
fn cases() -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for (i, s) in MALFORMED.iter().enumerate() {
        let password = format!("Mk{i}#Zr{i}");
        out.push((s.kind, s.template.replace("{}", &password), password));
    }
    for (i, special) in SPECIALS.iter().enumerate() {
        let password = format!("Pq{i}{special}Wy{i}");
        let pg = format!("postgres://u:{password}@127.0.0.1:1/db");
        out.push(("PG", pg, password.clone()));
        if i % 2 == 0 {
            let ora = format!("oracle://u:{password}@127.0.0.1:1/S");
            out.push(("ORA", ora, password));
        }
    }
    // A password in the query rather than the user part.
    let password = "Qp7zk#Lm/9?".to_string();
    out.push((
        "PG",
        format!("postgres://127.0.0.1:1/db?user=u&password={password}"),
        password,
    ));
    out
}

/// The pieces of a password worth looking for: its runs of letters and digits of three or more
/// (what is left of it if only part were cut), and the whole.
fn fragments(password: &str) -> Vec<String> {
    let mut out: Vec<String> = password
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|run| run.len() >= 3)
        .map(String::from)
        .collect();
    out.push(password.to_string());
    out
}

#[test]
fn passwords_of_malformed_urls_never_reach_the_terminal() {
    let ws = Workspace::with_demo();
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut runs = 0;
    for (kind, url, password) in &cases {
        let source = format!("DBSUB_SOURCE_{kind}_PROD");
        let target = format!("DBSUB_TARGET_{kind}");
        let commands: [(&str, Vec<&str>); 6] = [
            ("DBSUB_STRUCT_URL", vec!["show-deps", "--seed-object", "X"]),
            (&source, vec!["extract", kind, "PROD", "--seed-object", "X"]),
            (&target, vec!["migrate", "--target", kind]),
            ("", vec!["migrate", "--target", url]),
            ("DBSUB_STRUCT_URL", vec!["doctor", "--format", "json"]),
            (&target, vec!["verify", kind]),
        ];
        for (var, args) in &commands {
            let vars: Vec<(&str, &str)> = if var.is_empty() {
                vec![]
            } else {
                vec![(var, url.as_str())]
            };
            let out = ws.dbsub(&vars).args(args).output().unwrap();
            runs += 1;
            let printed = format!("{}{}", stdout(&out), stderr(&out));
            assert!(
                !out.status.success() || args[0] == "doctor",
                "dbsub {args:?} with {var} set to a malformed URL succeeded:\n{printed}"
            );
            for fragment in fragments(password) {
                assert!(
                    !printed.contains(&fragment),
                    "dbsub {args:?} with {var}={url:?} printed `{fragment}` of its \
                     password:\n{printed}"
                );
            }
        }
    }
    assert_eq!(runs, cases.len() * 6);
}

#[test]
fn an_unencoded_at_sign_is_named_rather_than_a_server_that_does_not_answer() {
    let ws = Workspace::with_demo();
    let out = ws
        .dbsub(&[("DBSUB_STRUCT_URL", "postgres://u:pa@ss-word@127.0.0.1:1/db")])
        .args(["show-deps", "--seed-object", "X"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("must be percent-encoded"), "{err}");
    assert!(err.contains("@ → %40"), "{err}");
    assert!(!err.contains("server running"), "{err}");
    assert!(!err.contains("ss-word"), "{err}");
}

#[test]
fn a_malformed_env_line_is_named_by_file_line_and_key_never_by_its_value() {
    // (file content, the line and key the message must name, what it must say)
    let cases = [
        (
            "# keys\nAWS_REGION=us-east-1\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI junkSecret\n",
            "line 3: the value of AWS_SECRET_ACCESS_KEY",
            "blank outside quotes",
        ),
        (
            "DBSUB_MASKING_KEY='0123456789abcdefSecret\n",
            "line 1: the value of DBSUB_MASKING_KEY",
            "quote is never closed",
        ),
        (
            "A=\"two\nlines\"\nDBSUB_STRUCT_URL=postgres://u:pw Secret@h/db\n",
            "line 3: the value of DBSUB_STRUCT_URL",
            "%20",
        ),
        (
            "export DBSUB_SOURCE_PG_PROD=postgres://u:Secret x@h/db\n",
            "line 1: the value of DBSUB_SOURCE_PG_PROD",
            "single quotes",
        ),
        (
            "DBSUB_STORE_DEV=s3://b/p\nwJalrXUtnFEMI Secret pasted alone\n",
            "line 2 is not a KEY=value line",
            "start a comment with #",
        ),
    ];
    for (content, names, says) in cases {
        let ws = Workspace::empty();
        std::fs::write(ws.path().join(".env"), content).unwrap();
        let out = ws.dbsub(&[]).arg("doctor").output().unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{content:?} was accepted");
        assert!(err.contains(".env, line"), "{content:?}: {err}");
        assert!(err.contains(names), "{content:?}: {err}");
        assert!(err.contains(says), "{content:?}: {err}");
        for secret in ["Secret", "wJalrXUtnFEMI", "0123456789abcdef"] {
            assert!(
                !err.contains(secret),
                "{content:?} printed `{secret}`: {err}"
            );
            assert!(
                !stdout(&out).contains(secret),
                "{content:?}: {}",
                stdout(&out)
            );
        }
    }
}

#[test]
fn passwords_in_malformed_store_urls_never_reach_the_terminal() {
    let ws = Workspace::with_demo();
    let url = ws.demo_url();
    for (i, store) in [
        "u:Sq0#Zt0@bucket/x",
        "s3:/u:Sq1#Zt1@bucket/x",
        "s3//u:Sq2/Zt2@bucket/x",
        "s3://u:Sq3?Zt3@/x",
        "ftp://u:Sq4 Zt4@host/x",
    ]
    .iter()
    .enumerate()
    {
        for args in [
            vec!["doctor", "--format", "json"],
            vec!["extract", "SQLITE", "PROD", "--seed-object", "SEEDLOT"],
        ] {
            let out = ws
                .dbsub(&[
                    ("DBSUB_STORE_PROD", store),
                    ("DBSUB_SOURCE_SQLITE_PROD", &url),
                ])
                .args(&args)
                .output()
                .unwrap();
            let printed = format!("{}{}", stdout(&out), stderr(&out));
            assert!(!out.status.success(), "{args:?} with {store}: {printed}");
            for fragment in [format!("Sq{i}"), format!("Zt{i}")] {
                assert!(
                    !printed.contains(&fragment),
                    "{args:?} with DBSUB_STORE_PROD={store:?} printed `{fragment}`:\n{printed}"
                );
            }
        }
    }
}

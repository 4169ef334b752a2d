//! The subset plan: which rows an extract takes, as a TOML file (`--plan`) or from the simple
//! command-line flags (`--seed-object`, `--where`). docs/extract.md describes the format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// A subset plan as written by the user. Table names are as in `show-deps --seed-object`:
/// `NAME` or `SCHEMA.NAME`, any case.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The subset's name in the store (`--subset` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The schema of names given without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Tables copied whole (code tables).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passthrough: Vec<String>,
    /// Tables never read; foreign keys into them are not followed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    #[serde(default, rename = "seed")]
    pub seeds: Vec<Seed>,
    /// The values of the named parameters (`:name`) of the seeds' conditions, bound by the
    /// source, never written into its SQL (`[params]`, and `--param NAME=VALUE`, which wins).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Children::is_off")]
    pub children: Children,
    #[serde(
        default,
        rename = "virtual_foreign_key",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub virtual_foreign_keys: Vec<VirtualForeignKey>,
    /// Which columns to mask and how (docs/masking.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masking: Option<MaskingPlan>,
    /// Watermark columns for `extract --incremental` (`[refresh]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<Refresh>,
    /// The file the plan was read from, for messages; not part of the plan.
    #[serde(skip)]
    pub file: Option<PlanFile>,
}

/// A plan file's path and text, so that a message about the plan can name the line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanFile {
    pub path: PathBuf,
    pub text: String,
}

/// `[refresh]`: how deltas of the subset find changed rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    /// Table (as in `[[seed]]`: `NAME` or `SCHEMA.NAME`) → the column whose value grows when
    /// a row is inserted or updated (a timestamp or a version number).
    #[serde(default)]
    pub watermarks: BTreeMap<String, String>,
}

/// A seed table and which of its rows to take (all when `where` is absent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub table: String,
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// Following foreign keys downwards, from seed rows to the rows that reference them. Off by
/// default (`depth = 0`); `edge` entries turn it on for single foreign keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Children {
    /// How many levels of children to follow from seed rows on every foreign key.
    #[serde(default)]
    pub depth: u32,
    /// At most this many child rows per parent row and foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
    #[serde(default, rename = "edge", skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<ChildEdge>,
}

impl Children {
    fn is_off(&self) -> bool {
        *self == Children::default()
    }
}

/// Children along the foreign keys of one child table (or one of them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildEdge {
    /// The child table.
    pub table: String,
    /// The foreign key's name; all of the table's foreign keys into the subset when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_key: Option<String>,
    #[serde(default = "one")]
    pub depth: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
}

fn one() -> u32 {
    1
}

/// A foreign key the database does not declare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualForeignKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub table: String,
    pub columns: Vec<String>,
    pub references: String,
    /// The parent's columns; its primary key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_columns: Option<Vec<String>>,
}

impl Plan {
    /// Reads a plan file.
    ///
    /// Fails when the file cannot be read or is not a valid plan; the message names the file
    /// and the line.
    pub fn read(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the plan file {}", path.display()))?;
        let mut plan = Plan::parse(&text)
            .with_context(|| format!("{} is not a valid subset plan", path.display()))?;
        if let Some(m) = &mut plan.masking {
            m.rebase(path.parent().unwrap_or(Path::new(".")));
        }
        plan.file = Some(PlanFile {
            path: path.to_path_buf(),
            text,
        });
        Ok(plan)
    }

    /// `err`, about something this plan says, with the plan file and the line that says it
    /// when the plan came from a file: the first name or text the message quotes (in backticks
    /// or double quotes) that a line of the file holds.
    pub fn locate(&self, err: anyhow::Error) -> anyhow::Error {
        let Some(file) = &self.file else {
            return err;
        };
        let message = format!("{err:#}");
        let quoted = message
            .split(['`', '"'])
            .skip(1)
            .step_by(2)
            .filter(|q| q.trim().len() >= 2);
        let line = quoted
            .filter_map(|q| {
                file.text
                    .lines()
                    .position(|l| l.contains(&format!("\"{q}\"")) || l.contains(&format!("'{q}'")))
            })
            .next();
        match line {
            Some(i) => err.context(format!(
                "in the plan file {}, line {}",
                file.path.display(),
                i + 1
            )),
            None => err.context(format!("in the plan file {}", file.path.display())),
        }
    }

    /// Parses plan text; see [`Plan::read`].
    pub fn parse(text: &str) -> Result<Plan> {
        let plan: Plan = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        if plan.seeds.is_empty() {
            bail!("it names no seed: add a [[seed]] table = \"NAME\" section");
        }
        Ok(plan)
    }

    /// Adds `--param NAME=VALUE` arguments to the plan's parameters (over a value of the
    /// same name the plan file gives).
    ///
    /// Fails, naming it, on an argument without `=`, a name that is not a plain identifier, or
    /// a name given twice.
    pub fn add_params(&mut self, args: &[String]) -> Result<()> {
        let mut given = Vec::new();
        for arg in args {
            let Some((name, value)) = arg.split_once('=') else {
                bail!("--param {arg} has no value: write --param NAME=VALUE");
            };
            let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !plain {
                bail!(
                    "--param {name}=…: a parameter's name is letters, digits and _, starting \
                     with a letter or _, as the condition writes it after the colon (:{name})"
                );
            }
            if given.contains(&name) {
                bail!("--param {name} is given twice: give each parameter once");
            }
            given.push(name);
            self.params.insert(name.to_string(), value.to_string());
        }
        Ok(())
    }

    /// Checks the parameters against the seeds' conditions before anything is read: every
    /// `:name` a condition uses (`used`: as the source's SQL reads it) has a value, and every
    /// value is used by some condition.
    ///
    /// Fails naming the first parameter that is missing or unused.
    pub fn check_params(&self, used: &dyn Fn(&str) -> Vec<String>) -> Result<()> {
        let mut all_used = Vec::new();
        for seed in &self.seeds {
            let Some(condition) = &seed.condition else {
                continue;
            };
            for name in used(condition) {
                if !self.params.contains_key(&name) {
                    bail!(
                        "the condition of seed {} uses the parameter :{name}, which has no \
                         value: add --param {name}=VALUE (or {name} = \"VALUE\" under [params] \
                         in the plan)",
                        seed.table
                    );
                }
                all_used.push(name);
            }
        }
        if let Some(name) = self.params.keys().find(|n| !all_used.contains(n)) {
            bail!(
                "the parameter {name} is given, but no seed condition uses :{name}: remove \
                 --param {name} (or its line under [params]), or use :{name} in the condition"
            );
        }
        Ok(())
    }

    /// The plan of the simple command-line case: one or more seeds, the same condition.
    pub fn from_flags(seeds: &[String], condition: Option<&str>, schema: Option<&str>) -> Plan {
        Plan {
            schema: schema.map(str::to_string),
            seeds: seeds
                .iter()
                .map(|t| Seed {
                    table: t.clone(),
                    condition: condition.map(str::to_string),
                })
                .collect(),
            ..Plan::default()
        }
    }
}

/// The `[masking]` section of a plan file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskingPlan {
    /// Classification files (spreadsheet or CSV), relative to the plan file.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub classification: Vec<PathBuf>,
    /// The strategy for a classified column whose classification names none: `auto` (by
    /// type, the default) or a strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Per column (`TABLE.COLUMN` or `SCHEMA.TABLE.COLUMN`): a strategy, or `keep`. Overrides
    /// the classification.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(v) => v,
    })
}

impl MaskingPlan {
    /// Makes relative classification paths relative to `dir` (the plan file's folder).
    pub fn rebase(&mut self, dir: &Path) {
        for p in &mut self.classification {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == MaskingPlan::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_file_says_everything() {
        let plan = Plan::parse(
            r#"
            name = "recent"
            passthrough = ["SEEDLOT_STATUS_CODE"]
            exclude = ["SEEDLOT_AUDIT"]

            [[seed]]
            table = "THE.SEEDLOT"
            where = "SEEDLOT_NUMBER LIKE '6%'"

            [children]
            depth = 1
            cap = 5

            [[children.edge]]
            table = "SEEDLOT_GENETIC_WORTH"

            [[virtual_foreign_key]]
            table = "SEEDLOT_TEST_RESULT"
            columns = ["SEEDLOT_NUMBER"]
            references = "SEEDLOT"
            "#,
        )
        .unwrap();
        assert_eq!(plan.name.as_deref(), Some("recent"));
        assert_eq!(
            plan.seeds[0].condition.as_deref(),
            Some("SEEDLOT_NUMBER LIKE '6%'")
        );
        assert_eq!(plan.children.cap, Some(5));
        assert_eq!(plan.children.edges[0].depth, 1);
        assert_eq!(plan.virtual_foreign_keys[0].referenced_columns, None);
    }

    #[test]
    fn a_bad_plan_names_the_problem_and_the_line() {
        let err = Plan::parse("[[seed]]\ntable = \"A\"\nwhere_ = \"x\"\n").unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("unknown field `where_`"), "{text}");
        assert!(text.contains("line 3"), "{text}");
        let err = Plan::parse("passthrough = [\"A\"]\n").unwrap_err();
        assert!(err.to_string().contains("names no seed"), "{err}");
    }
}

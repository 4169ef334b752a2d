//! Foreign-key cycles during a load, and what a `--refreshdb` may empty: the transactions a
//! cycle's tables share ([`units`]) where the database cannot switch one key off, or the
//! keys a sink disables for the load and validates again afterwards — always, also on error
//! ([`with_keys_disabled`]).

use anyhow::{Result, anyhow, bail};

use super::plan::{LoadPlan, Mapped};
use crate::archive::manifest::Manifest;
use crate::catalog::{Catalog, FkAction, Table};
use crate::model::ports::{CycleHandling, RowSink};

/// Refuses a `--refreshdb` whose deletes would cascade into (or null out) rows of tables that
/// are not being loaded.
pub fn check_cascades(
    sink: &mut dyn RowSink,
    catalog: &Catalog,
    mapped: &[Mapped<'_, '_>],
) -> Result<()> {
    for other in &catalog.tables {
        if mapped.iter().any(|m| std::ptr::eq(m.table, other)) {
            continue;
        }
        for fk in &other.foreign_keys {
            let into_loaded = mapped
                .iter()
                .any(|m| m.table.name.eq_ignore_ascii_case(&fk.ref_table));
            let acts = !matches!(fk.on_delete, FkAction::NoAction | FkAction::Restrict);
            if into_loaded && acts && sink.count_rows(other)? > 0 {
                bail!(
                    "--refreshdb would empty {} and its foreign key {}.{} (ON DELETE {:?}) would \
                     change rows of {}, which is not being loaded; nothing was deleted: load {} \
                     too, or empty it yourself",
                    fk.ref_table,
                    other.name,
                    fk.name,
                    fk.on_delete,
                    other.name,
                    other.name
                );
            }
        }
    }
    Ok(())
}

/// How the tables `to_load` of `plan` load with a sink that handles cycles as `handling`: the
/// transactions (tables of the plan, in load order), and the foreign keys to disable around
/// them ([`with_keys_disabled`]).
pub fn units<'c>(
    plan: &LoadPlan<'_, 'c>,
    to_load: &[usize],
    handling: CycleHandling,
) -> (Vec<Vec<usize>>, Vec<(&'c Table, &'c str)>) {
    match handling {
        CycleHandling::OneTransaction => (
            cycle_units(&plan.tables, to_load, plan.manifest),
            Vec::new(),
        ),
        CycleHandling::Disable => {
            let loading: Vec<&Table> = to_load.iter().map(|&i| plan.tables[i].table).collect();
            (
                to_load.iter().map(|&i| vec![i]).collect(),
                keys_to_disable(cycle_keys(&plan.tables, to_load, plan.manifest), &loading),
            )
        }
    }
}

/// The cycle-closing foreign keys of the plan's tables that are disabled in the target: a
/// [`CycleHandling::Disable`] load leaves them alone (the user's choice, or a key that did not
/// validate after an earlier failed run), and says so, so that they are not forgotten.
pub fn left_disabled(plan: &LoadPlan<'_, '_>) -> Vec<String> {
    let all: Vec<usize> = (0..plan.tables.len()).collect();
    cycle_keys(&plan.tables, &all, plan.manifest)
        .into_iter()
        .filter(|(table, key)| {
            table
                .foreign_keys
                .iter()
                .any(|f| f.name == *key && !f.enabled)
        })
        .map(|(table, key)| {
            format!(
                "foreign key {}.{key} is disabled in the target and was left so: once the rows \
                 of its tables are complete, enable and validate it",
                table.name
            )
        })
        .collect()
}

/// Groups the tables to load into transactions: one table each, except that the tables from
/// the child to the parent of each cycle-closing foreign key (in load order) load together.
fn cycle_units(
    mapped: &[Mapped<'_, '_>],
    to_load: &[usize],
    manifest: &Manifest,
) -> Vec<Vec<usize>> {
    let position = |name: &str| {
        to_load
            .iter()
            .position(|&i| mapped[i].entry.qualified_name() == name)
    };
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for key in &manifest.cycle_foreign_keys {
        let Some(child) = position(&key.table) else {
            continue;
        };
        let entry = mapped[to_load[child]].entry;
        let Some(fk) = entry
            .foreign_keys
            .iter()
            .find(|f| f.name == key.foreign_key)
        else {
            continue;
        };
        let Some(parent) = position(&format!("{}.{}", fk.ref_schema, fk.ref_table)) else {
            continue;
        };
        spans.push((child.min(parent), child.max(parent)));
    }
    spans.sort();
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut covered_to: Option<usize> = None;
    for (p, &i) in to_load.iter().enumerate() {
        let joins = covered_to.is_some_and(|end| p <= end);
        if joins {
            units.last_mut().expect("a unit is open").push(i);
        } else {
            units.push(vec![i]);
            covered_to = None;
        }
        for &(start, end) in &spans {
            if start <= p && p <= end {
                covered_to = Some(covered_to.map_or(end, |c: usize| c.max(end)));
            }
        }
    }
    units
}

/// The cycle-closing foreign keys among the tables to load, for sinks that disable them.
fn cycle_keys<'c>(
    mapped: &[Mapped<'_, 'c>],
    to_load: &[usize],
    manifest: &Manifest,
) -> Vec<(&'c Table, &'c str)> {
    let mut out = Vec::new();
    for key in &manifest.cycle_foreign_keys {
        for &i in to_load {
            let m = &mapped[i];
            if m.entry.qualified_name() == key.table
                && let Some(fk) = m
                    .table
                    .foreign_keys
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(&key.foreign_key))
            {
                out.push((m.table, fk.name.as_str()));
            }
        }
    }
    out
}

/// Of the cycle-closing foreign keys `(table, name)`, those a [`CycleHandling::Disable`] sink
/// switches off for this load: enabled in the target, with both the child and the parent
/// among the tables being loaded (`loading`). A key whose parent is already loaded, or that
/// is already disabled, is left alone (and an already disabled key is not enabled afterwards).
fn keys_to_disable<'c>(
    candidates: Vec<(&'c Table, &'c str)>,
    loading: &[&Table],
) -> Vec<(&'c Table, &'c str)> {
    let is_loading = |schema: &str, name: &str| {
        loading
            .iter()
            .any(|t| t.schema.eq_ignore_ascii_case(schema) && t.name.eq_ignore_ascii_case(name))
    };
    let mut out: Vec<(&'c Table, &'c str)> = Vec::new();
    for (table, key) in candidates {
        let Some(fk) = table.foreign_keys.iter().find(|f| f.name == key) else {
            continue;
        };
        let wanted = fk.enabled
            && is_loading(&table.schema, &table.name)
            && is_loading(&fk.ref_schema, &fk.ref_table);
        let seen = out
            .iter()
            .any(|(t, k)| std::ptr::eq(*t, table) && *k == key);
        if wanted && !seen {
            out.push((table, key));
        }
    }
    out
}

/// Runs `body` (emptying and loading) with the foreign keys `keys` disabled, for a
/// [`CycleHandling::Disable`] sink; with no keys, just runs it. The keys are enabled and
/// validated again afterwards — always, also when `body` fails: its error then comes first,
/// with the enable failure added. When disabling fails, `body` does not run (the sink leaves
/// either all keys disabled or none).
pub fn with_keys_disabled(
    sink: &mut dyn RowSink,
    keys: &[(&Table, &str)],
    body: &mut dyn FnMut(&mut dyn RowSink) -> Result<()>,
) -> Result<()> {
    if keys.is_empty() {
        return body(sink);
    }
    sink.disable_foreign_keys(keys)?;
    let loaded = body(sink);
    let enabled = sink.enable_foreign_keys(keys);
    match (loaded, enabled) {
        (Ok(()), enabled) => enabled,
        (Err(load), Ok(())) => Err(load),
        (Err(load), Err(enable)) => Err(anyhow!(
            "{load:#}; then, switching the foreign keys of the cycle back on: {enable:#}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ForeignKey;
    use crate::catalog::*;
    use crate::model::ports::RowFeed;
    use crate::model::ports::*;
    use anyhow::Context;

    /// A sink that records every call in order; the load of `failing` fails, and so does
    /// enabling `unvalidated` or disabling anything when `refuse_disable`.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<String>,
        failing: Option<&'static str>,
        unvalidated: Option<&'static str>,
        refuse_disable: bool,
    }

    fn key_names(keys: &[(&Table, &str)]) -> Vec<String> {
        keys.iter()
            .map(|(t, k)| format!("{}.{k}", t.name))
            .collect()
    }

    impl RowSink for Recorder {
        fn catalog(&mut self) -> Result<Catalog> {
            Ok(Catalog::default())
        }

        fn cycle_handling(&self) -> CycleHandling {
            CycleHandling::Disable
        }

        fn count_rows(&mut self, _table: &Table) -> Result<u64> {
            Ok(0)
        }

        fn records(&mut self) -> Result<Vec<LoadRecord>> {
            Ok(Vec::new())
        }

        fn empty(&mut self, tables: &[&Table]) -> Result<()> {
            let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
            self.calls.push(format!("empty {}", names.join(", ")));
            Ok(())
        }

        fn load(
            &mut self,
            tables: &mut [TableLoad<'_>],
            _mode: LoadMode,
            _unchecked: &[(&Table, &str)],
        ) -> Result<()> {
            for load in tables.iter_mut() {
                let rows = (load.rows)(&mut |_| Ok(()))?;
                self.calls
                    .push(format!("load {} ({rows} rows)", load.table.name));
                if self.failing == Some(load.table.name.as_str()) {
                    bail!("ORA-02291: parent key not found in {}", load.table.name);
                }
            }
            Ok(())
        }

        fn disable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
            if self.refuse_disable {
                bail!("ORA-00054: resource busy");
            }
            for key in key_names(keys) {
                self.calls.push(format!("disable {key}"));
            }
            Ok(())
        }

        fn enable_foreign_keys(&mut self, keys: &[(&Table, &str)]) -> Result<()> {
            for key in key_names(keys) {
                self.calls.push(format!("enable {key}"));
            }
            match self.unvalidated {
                Some(key) => bail!("foreign key {key} did not validate; it is left DISABLED"),
                None => Ok(()),
            }
        }

        fn advance_identity(&mut self, _table: &Table) -> Result<Vec<String>> {
            Ok(Vec::new())
        }

        fn count_orphans(
            &mut self,
            _child: &Table,
            _columns: &[String],
            _parent: &Table,
            _parent_columns: &[String],
        ) -> Result<u64> {
            Ok(0)
        }
    }

    fn fk(name: &str, parent: &str, enabled: bool) -> ForeignKey {
        ForeignKey {
            name: name.to_string(),
            columns: vec![format!("{parent}_ID")],
            ref_schema: "APP".to_string(),
            ref_table: parent.to_string(),
            ref_columns: vec!["ID".to_string()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: false,
            initially_deferred: false,
            enabled,
        }
    }

    fn table(name: &str, foreign_keys: Vec<ForeignKey>) -> Table {
        Table {
            foreign_keys,
            ..Table::test("APP", name, Vec::new())
        }
    }

    fn one_row<'a>() -> Box<RowFeed<'a>> {
        Box::new(|each| {
            each(&[])?;
            Ok(1)
        })
    }

    /// What `ingest` does between disabling and enabling: empty (children first), then one
    /// load per table, in load order.
    fn run(
        sink: &mut Recorder,
        order: &[&Table],
        keys: &[(&Table, &str)],
        refresh: bool,
    ) -> Result<()> {
        let children_first: Vec<&Table> = order.iter().rev().copied().collect();
        with_keys_disabled(sink, keys, &mut |sink| {
            if refresh {
                sink.empty(&children_first)?;
            }
            for table in order {
                let mut loads = vec![TableLoad {
                    table,
                    columns: Vec::new(),
                    key: Vec::new(),
                    rows: one_row(),
                    deletes: None,
                    after: None,
                    record: LoadRecord::sample(&table.name, LoadMode::Insert, 1),
                }];
                sink.load(&mut loads, LoadMode::Insert, &[])
                    .with_context(|| format!("cannot load APP.{}", table.name))?;
            }
            Ok(())
        })
    }

    /// CLIENTS ← ORDERS ⇄ LINES (LINES also references itself); REGIONS is already loaded.
    fn shop() -> [Table; 3] {
        [
            table("CLIENTS", Vec::new()),
            table(
                "ORDERS",
                vec![
                    fk("ORDERS_CLIENT", "CLIENTS", true),
                    fk("ORDERS_LAST_LINE", "LINES", true),
                    fk("ORDERS_OLD_LINE", "LINES", false),
                    fk("ORDERS_REGION", "REGIONS", true),
                ],
            ),
            table(
                "LINES",
                vec![
                    fk("LINES_ORDER", "ORDERS", true),
                    fk("LINES_PARENT", "LINES", true),
                ],
            ),
        ]
    }

    #[test]
    fn only_enabled_cycle_keys_among_the_loaded_tables_are_disabled() {
        let [clients, orders, lines] = shop();
        let loading = [&clients, &orders, &lines];
        let candidates = vec![
            (&orders, "ORDERS_LAST_LINE"),
            (&lines, "LINES_PARENT"),
            // Already disabled in the target: left alone, not enabled afterwards.
            (&orders, "ORDERS_OLD_LINE"),
            // Its parent is not being loaded: its rows are there already.
            (&orders, "ORDERS_REGION"),
            (&orders, "ORDERS_LAST_LINE"),
            (&orders, "NOT_IN_THE_TARGET"),
        ];
        let keys = keys_to_disable(candidates, &loading);
        assert_eq!(
            key_names(&keys),
            ["ORDERS.ORDERS_LAST_LINE", "LINES.LINES_PARENT"]
        );
        // Without the parent table in the load, the key stays on.
        let keys = keys_to_disable(vec![(&orders, "ORDERS_LAST_LINE")], &[&clients, &orders]);
        assert!(keys.is_empty());
    }

    #[test]
    fn cycle_keys_are_disabled_before_emptying_and_enabled_after_the_last_table() {
        let [clients, orders, lines] = shop();
        let keys = [(&orders, "ORDERS_LAST_LINE"), (&lines, "LINES_PARENT")];
        let mut sink = Recorder::default();
        run(&mut sink, &[&clients, &orders, &lines], &keys, true).unwrap();
        assert_eq!(
            sink.calls,
            [
                "disable ORDERS.ORDERS_LAST_LINE",
                "disable LINES.LINES_PARENT",
                "empty LINES, ORDERS, CLIENTS",
                "load CLIENTS (1 rows)",
                "load ORDERS (1 rows)",
                "load LINES (1 rows)",
                "enable ORDERS.ORDERS_LAST_LINE",
                "enable LINES.LINES_PARENT",
            ]
        );
    }

    #[test]
    fn a_failing_table_still_has_the_keys_enabled_and_its_error_comes_first() {
        let [clients, orders, lines] = shop();
        let keys = [(&orders, "ORDERS_LAST_LINE")];
        let mut sink = Recorder {
            failing: Some("ORDERS"),
            ..Recorder::default()
        };
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, false).unwrap_err();
        assert_eq!(
            sink.calls,
            [
                "disable ORDERS.ORDERS_LAST_LINE",
                "load CLIENTS (1 rows)",
                "load ORDERS (1 rows)",
                "enable ORDERS.ORDERS_LAST_LINE",
            ]
        );
        assert_eq!(
            format!("{err:#}"),
            "cannot load APP.ORDERS: ORA-02291: parent key not found in ORDERS"
        );

        // When the key does not validate either, both are said, the load's error first.
        let mut sink = Recorder {
            failing: Some("ORDERS"),
            unvalidated: Some("ORDERS.ORDERS_LAST_LINE"),
            ..Recorder::default()
        };
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, false).unwrap_err();
        assert_eq!(sink.calls.last().unwrap(), "enable ORDERS.ORDERS_LAST_LINE");
        assert_eq!(
            format!("{err:#}"),
            "cannot load APP.ORDERS: ORA-02291: parent key not found in ORDERS; then, \
             switching the foreign keys of the cycle back on: foreign key \
             ORDERS.ORDERS_LAST_LINE did not validate; it is left DISABLED"
        );

        // A load that succeeds with a key that does not validate fails with that key.
        let mut sink = Recorder {
            unvalidated: Some("ORDERS.ORDERS_LAST_LINE"),
            ..Recorder::default()
        };
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, false).unwrap_err();
        assert!(format!("{err:#}").contains("left DISABLED"), "{err:#}");
        assert_eq!(sink.calls.len(), 5);
    }

    #[test]
    fn without_cycle_keys_nothing_is_disabled_and_a_refused_disable_loads_nothing() {
        let [clients, orders, lines] = shop();
        let mut sink = Recorder::default();
        run(&mut sink, &[&clients, &orders, &lines], &[], false).unwrap();
        assert!(
            sink.calls.iter().all(|c| c.starts_with("load ")),
            "{:?}",
            sink.calls
        );

        let mut sink = Recorder {
            refuse_disable: true,
            ..Recorder::default()
        };
        let keys = [(&orders, "ORDERS_LAST_LINE")];
        let err = run(&mut sink, &[&clients, &orders, &lines], &keys, true).unwrap_err();
        assert!(err.to_string().contains("ORA-00054"), "{err}");
        assert!(sink.calls.is_empty(), "{:?}", sink.calls);
    }
}

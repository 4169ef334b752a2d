//! The row sink's statements, for the grammar check of `../statements.rs`: the session, the
//! loads (INSERT and MERGE over every table, every bind wrapper), the switches around a load,
//! sequences, the load records and the dictionary queries.

use super::SESSION;
use super::binds::{TablePlan, plan_column};
use super::sql::*;
use crate::catalog::*;
use crate::db::oracle::statements::{Sent, sent, table};
use crate::model::ports::LoadMode;

pub(in crate::db::oracle) fn all(tables: &[Table]) -> Vec<Sent> {
    let mut out = Vec::new();
    for sql in SESSION {
        out.push(sent("sink SESSION", sql));
    }
    for t in tables {
        let n = &t.name;
        // The columns a load can write (BFILE and object types are refused up front).
        let columns: Vec<&Column> = t
            .columns
            .iter()
            .filter(|c| plan_column(c).is_ok())
            .collect();
        let plan = TablePlan::new(t, &columns, &[], LoadMode::Insert).unwrap();
        out.push(sent(format!("sink insert_sql TablePlan {n}"), plan.sql));
        if let Some(pk) = &t.primary_key {
            let plan = TablePlan::new(t, &columns, &pk.columns, LoadMode::Merge).unwrap();
            // A merge that binds a LONG goes row by row: an UPDATE, then the INSERT of a row it
            // did not find.
            match plan.by_row {
                Some(by_row) => {
                    out.push(sent(
                        format!("sink update_sql merge by row {n}"),
                        by_row.sql,
                    ));
                    out.push(sent(format!("sink insert_sql merge by row {n}"), plan.sql));
                }
                None => out.push(sent(format!("sink merge_sql TablePlan {n}"), plan.sql)),
            }
            // Without the LONG columns, the same table merges in one MERGE.
            let no_long: Vec<&Column> = columns
                .iter()
                .copied()
                .filter(|c| !c.native_type.to_ascii_uppercase().starts_with("LONG"))
                .collect();
            if no_long.len() < columns.len() {
                let plan = TablePlan::new(t, &no_long, &pk.columns, LoadMode::Merge).unwrap();
                assert!(plan.by_row.is_none(), "{n}: a merge without LONG columns");
                out.push(sent(format!("sink merge_sql without LONG {n}"), plan.sql));
            }
            // Only the key's columns: a MERGE without WHEN MATCHED.
            let key_only: Vec<&Column> = pk.columns.iter().map(|c| t.column(c).unwrap()).collect();
            let plan = TablePlan::new(t, &key_only, &pk.columns, LoadMode::Merge).unwrap();
            out.push(sent(format!("sink merge_sql key only {n}"), plan.sql));
            // A delta's deletes: one row by its key.
            let plan = TablePlan::delete_by_key(t, &key_only).unwrap();
            out.push(sent(
                format!("sink delete_by_key_sql TablePlan::delete_by_key {n}"),
                plan.sql,
            ));
        }
        out.push(sent(format!("sink delete_sql {n}"), delete_sql(t)));
        out.push(sent(format!("sink lock_table_sql {n}"), lock_table_sql(t)));
        out.push(sent(format!("sink count_sql {n}"), count_sql(t)));
        out.push(sent(
            format!("sink triggers_sql disable {n}"),
            triggers_sql(t, false),
        ));
        out.push(sent(
            format!("sink triggers_sql enable {n}"),
            triggers_sql(t, true),
        ));
    }
    let customer = table(tables, "CUSTOMER");
    let address = table(tables, "ADDRESS");
    let odd = table(tables, "order line's");
    for (t, fk) in [(address, "ADDRESS_CUSTOMER_FK"), (odd, "fk of it")] {
        out.push(sent(
            format!("sink disable_constraint_sql {}", t.name),
            disable_constraint_sql(t, fk),
        ));
        for validate in [true, false] {
            out.push(sent(
                format!("sink enable_constraint_sql validate {validate} {}", t.name),
                enable_constraint_sql(t, fk, validate),
            ));
        }
    }
    out.push(sent(
        "sink enable_trigger_sql",
        enable_trigger_sql("APP", "ADDRESS_BI"),
    ));
    out.push(sent(
        "sink enable_trigger_sql quoted",
        enable_trigger_sql("app data", "before insert"),
    ));
    for generation in [
        Generation::Always,
        Generation::ByDefault,
        Generation::ByDefaultOnNull,
    ] {
        for past_max in [false, true] {
            out.push(sent(
                format!("sink identity_sql {generation:?} past_max {past_max}"),
                identity_sql(customer, "ID", generation, past_max),
            ));
        }
    }
    let sequence = ObjectKey::new("APP", "ADDRESS_SEQ", ObjectKind::Sequence);
    out.push(sent(
        "sink sequence_restart_sql",
        sequence_restart_sql(&sequence, 1001),
    ));
    for by in [37, 1, -1, -20] {
        out.push(sent(
            format!("sink sequence_increment_sql {by}"),
            sequence_increment_sql(&sequence, by),
        ));
    }
    out.push(sent("sink nextval_sql", nextval_sql(&sequence)));
    for largest in [true, false] {
        out.push(sent(
            format!("sink extreme_sql largest {largest}"),
            extreme_sql(address, "ID", largest),
        ));
    }
    // orphans: crate::db::sql::orphans_sql, as OracleSink::orphans calls it.
    let lines = table(tables, "ORDER_LINE");
    out.push(sent(
        "sink orphans_sql one column",
        crate::db::sql::orphans_sql(
            &qualified(address),
            &["CUSTOMER_ID".into()],
            &qualified(customer),
            &["ID".into()],
        ),
    ));
    out.push(sent(
        "sink orphans_sql two columns",
        crate::db::sql::orphans_sql(
            &qualified(odd),
            &["id".into(), "when it happened".into()],
            &qualified_name(&lines.schema, &lines.name),
            &["ORDER_ID".into(), "LINE_NO".into()],
        ),
    ));
    out.push(sent("sink history_ddl ensure_history", history_ddl()));
    out.push(sent("sink history_delete_sql", history_delete_sql()));
    out.push(sent("sink history_insert_sql", history_insert_sql()));
    out.push(sent("sink history_select_sql", history_select_sql()));
    out.push(sent("sink history_record_sql", history_record_sql()));
    for (name, sql) in [
        ("HISTORY_EXISTS_SQL", HISTORY_EXISTS_SQL),
        ("TRIGGERS_SQL", TRIGGERS_SQL),
        ("IDENTITY_SQL", IDENTITY_SQL),
        ("CONSTRAINT_STATE_SQL", CONSTRAINT_STATE_SQL),
        ("CONSTRAINT_TABLE_SQL", CONSTRAINT_TABLE_SQL),
        ("SEQUENCE_INCREMENT_SQL", SEQUENCE_INCREMENT_SQL),
    ] {
        out.push(sent(format!("sink {name}"), sql));
    }
    out
}

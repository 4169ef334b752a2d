use super::assemble::*;
use super::types::*;
use super::*;

fn text(length: Option<u32>, fixed: bool) -> NeutralType {
    NeutralType::Text {
        length,
        semantics: LengthSemantics::Char,
        fixed,
    }
}

/// `numeric(p,s)`'s typmod as PostgreSQL stores it.
fn numeric(precision: i32, scale: i32) -> i32 {
    ((precision << 16) | (scale & 0x7ff)) + VARHDRSZ
}

#[test]
fn postgres_types_map_onto_neutral_types() {
    let t = |name: &str, typmod: i32| neutral_type(name, 'X', typmod);
    assert_eq!(t("bool", -1), NeutralType::Boolean);
    assert_eq!(t("int2", -1), NeutralType::Integer { bits: 16 });
    assert_eq!(t("int4", -1), NeutralType::Integer { bits: 32 });
    assert_eq!(t("int8", -1), NeutralType::Integer { bits: 64 });
    assert_eq!(
        t("numeric", numeric(10, 2)),
        NeutralType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(
        t("numeric", numeric(5, -2)),
        NeutralType::Decimal {
            precision: Some(5),
            scale: Some(-2)
        }
    );
    assert_eq!(
        t("numeric", -1),
        NeutralType::Decimal {
            precision: None,
            scale: None
        }
    );
    assert_eq!(t("float4", -1), NeutralType::Float { bits: Some(24) });
    assert_eq!(t("float8", -1), NeutralType::Float { bits: Some(53) });
    assert_eq!(t("varchar", 30 + VARHDRSZ), text(Some(30), false));
    assert_eq!(t("varchar", -1), text(None, false));
    assert_eq!(t("bpchar", 5 + VARHDRSZ), text(Some(5), true));
    assert_eq!(t("text", -1), text(None, false));
    assert_eq!(t("name", -1), text(None, false));
    assert_eq!(t("citext", -1), text(None, false));
    assert_eq!(neutral_type("mood", 'E', -1), text(None, false));
    assert_eq!(
        t("bytea", -1),
        NeutralType::Binary {
            length: None,
            fixed: false
        }
    );
    assert_eq!(t("date", -1), NeutralType::Date);
    assert_eq!(t("time", 3), NeutralType::Time { precision: Some(3) });
    assert_eq!(t("timetz", -1), NeutralType::Other);
    assert_eq!(
        t("timestamp", 0),
        NeutralType::Timestamp { precision: Some(0) }
    );
    assert_eq!(
        t("timestamp", -1),
        NeutralType::Timestamp { precision: None }
    );
    assert_eq!(
        t("timestamptz", 3),
        NeutralType::TimestampTz {
            precision: Some(3),
            local: false
        }
    );
    assert_eq!(t("json", -1), NeutralType::Json);
    assert_eq!(t("jsonb", -1), NeutralType::Json);
    assert_eq!(t("uuid", -1), NeutralType::Uuid);
    assert_eq!(t("xml", -1), NeutralType::Xml);
    for other in [
        "money",
        "bit",
        "varbit",
        "inet",
        "cidr",
        "tsvector",
        "int4range",
        "oid",
    ] {
        assert_eq!(t(other, -1), NeutralType::Other, "{other}");
    }
    // Arrays are "other" whatever their element type.
    assert_eq!(neutral_type("_int4", 'A', -1), NeutralType::Other);
}

#[test]
fn interval_typmods_give_the_fields_and_the_precision() {
    let interval = |fields, fractional_precision| NeutralType::Interval {
        fields,
        leading_precision: None,
        fractional_precision,
    };
    // The values PostgreSQL stores for `interval`, `interval year to month`,
    // `interval day to second(3)`, `interval(2)` and `interval hour to minute`.
    assert_eq!(
        neutral_type("interval", 'T', -1),
        interval(IntervalFields::Any, None)
    );
    assert_eq!(
        neutral_type("interval", 'T', 458_751),
        interval(IntervalFields::YearToMonth, None)
    );
    assert_eq!(
        neutral_type("interval", 'T', 470_286_339),
        interval(IntervalFields::DayToSecond, Some(3))
    );
    assert_eq!(
        neutral_type("interval", 'T', (INTERVAL_FULL_RANGE << 16) | 2),
        interval(IntervalFields::Any, Some(2))
    );
    let hour_to_minute = ((INTERVAL_HOUR | INTERVAL_MINUTE) << 16) | INTERVAL_FULL_PRECISION;
    assert_eq!(
        neutral_type("interval", 'T', hour_to_minute),
        interval(IntervalFields::DayToSecond, None)
    );
}

#[test]
fn postgis_typmods_carry_the_srid() {
    // geometry(Point, 4326): SRID 4326 in bits 8-28, the point type in bits 2-7.
    let point_4326 = (4326 << 8) | (1 << 2);
    assert_eq!(
        neutral_type("geometry", 'U', point_4326),
        NeutralType::Spatial { srid: Some(4326) }
    );
    assert_eq!(
        neutral_type("geography", 'U', -1),
        NeutralType::Spatial { srid: None }
    );
    // SRID 0 is PostGIS's "unknown".
    assert_eq!(
        neutral_type("geometry", 'U', 1 << 2),
        NeutralType::Spatial { srid: None }
    );
}

#[test]
fn a_typed_literal_default_is_written_as_the_literal() {
    assert_eq!(simplify_default("'new'::text"), "'new'");
    assert_eq!(simplify_default("'it''s'::character varying"), "'it''s'");
    assert_eq!(simplify_default("'-1'::integer"), "-1");
    assert_eq!(simplify_default("'2.50'::numeric"), "2.50");
    assert_eq!(simplify_default("'{}'::jsonb"), "'{}'");
    assert_eq!(simplify_default("NULL::character varying"), "NULL");
    assert_eq!(
        simplify_default("'2020-01-01 00:00:00'::timestamp without time zone"),
        "'2020-01-01 00:00:00'"
    );
    // Expressions stay as PostgreSQL prints them.
    for kept in [
        "nextval('s_id_seq'::regclass)",
        "now()",
        "(now() + '1 day'::interval)",
        "'a'::text || 'b'::text",
        "0",
        "false",
    ] {
        assert_eq!(simplify_default(kept), kept);
    }
}

#[test]
fn definitions_become_sources_after_create() {
    assert_eq!(
        routine_source(
            "CREATE OR REPLACE FUNCTION public.audit_fn()\n RETURNS trigger\n LANGUAGE \
             plpgsql\nAS $function$ BEGIN RETURN NEW; END $function$\n",
            "public"
        ),
        "FUNCTION audit_fn()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$ BEGIN \
         RETURN NEW; END $function$"
    );
    assert_eq!(
        routine_source(
            "CREATE OR REPLACE PROCEDURE \"App\".do_it(IN n integer)\n LANGUAGE sql\nAS \
             $procedure$ SELECT 1 $procedure$\n",
            "\"App\""
        ),
        "PROCEDURE do_it(IN n integer)\n LANGUAGE sql\nAS $procedure$ SELECT 1 $procedure$"
    );
    assert_eq!(
        view_query(" SELECT a.id\n   FROM a;"),
        "SELECT a.id\n   FROM a"
    );
}

#[test]
fn trigger_types_give_timing_events_and_level() {
    // AFTER INSERT OR UPDATE FOR EACH ROW.
    assert_eq!(
        trigger_shape(21),
        (
            "AFTER".to_string(),
            vec!["INSERT".to_string(), "UPDATE".to_string()]
        )
    );
    // BEFORE DELETE, statement level.
    assert_eq!(
        trigger_shape(TRIGGER_BEFORE | TRIGGER_DELETE),
        ("BEFORE".to_string(), vec!["DELETE".to_string()])
    );
    assert_eq!(
        trigger_shape(TRIGGER_INSTEAD | TRIGGER_ROW | TRIGGER_INSERT).0,
        "INSTEAD OF"
    );
    assert_eq!(
        trigger_shape(TRIGGER_TRUNCATE).1,
        vec!["TRUNCATE".to_string()]
    );
}

#[test]
fn the_number_of_queries_does_not_grow_with_the_tables() {
    let Some(pg) = super::pg::cluster() else {
        return;
    };
    let read = |tables: usize| {
        let url = pg.create_database("query_count");
        let mut client = super::pg::connect(&url);
        let mut ddl = String::from(
            "CREATE TYPE state AS ENUM ('new', 'done'); \
             CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RETURN NEW; END $$;",
        );
        for i in 0..tables {
            ddl.push_str(&format!(
                "CREATE TABLE t{i} (id serial PRIMARY KEY, parent int REFERENCES t{i}, \
                   name text UNIQUE CHECK (name <> ''), state state DEFAULT 'new', \
                   made timestamptz DEFAULT now()); \
                 CREATE INDEX t{i}_name ON t{i} (lower(name)); \
                 CREATE VIEW v{i} AS SELECT id, name FROM t{i}; \
                 CREATE TRIGGER t{i}_touch BEFORE UPDATE ON t{i} \
                   FOR EACH ROW EXECUTE FUNCTION touch(); \
                 COMMENT ON TABLE t{i} IS 'table {i}'; \
                 CREATE TABLE p{i} (d date NOT NULL, t int) PARTITION BY RANGE (d); \
                 CREATE TABLE p{i}_a PARTITION OF p{i} FOR VALUES FROM ('2020-01-01') \
                   TO ('2021-01-01') PARTITION BY LIST (t); \
                 CREATE TABLE p{i}_a1 PARTITION OF p{i}_a DEFAULT; \
                 CREATE TABLE p{i}_b PARTITION OF p{i} DEFAULT; \
                 ALTER TABLE p{i}_a1 ADD FOREIGN KEY (t) REFERENCES t{i}; \
                 CREATE INDEX p{i}_b_t ON p{i}_b (t);"
            ));
        }
        client.batch_execute(&ddl).expect("create the tables");
        let url = DbUrl::new(crate::model::DbKind::Postgres, &url);
        let (catalog, queries) = read_counting(&mut client, &url, &[]).expect("read");
        assert_eq!(catalog.tables.len(), 2 * tables);
        let partitioned = catalog.tables.iter().filter(|t| t.partitioning.is_some());
        assert_eq!(partitioned.count(), tables);
        let p0 = catalog
            .table("public", "p0")
            .and_then(|t| t.partitioning.as_ref());
        let p0 = p0.expect("p0 is partitioned");
        assert_eq!(p0.partitions.len(), 2);
        let sub = p0.partitions[0]
            .partitioning
            .as_ref()
            .expect("p0_a is partitioned");
        assert_eq!(sub.partitions[0].foreign_keys.len(), 1);
        assert_eq!(p0.partitions[1].indexes.len(), 1);
        assert_eq!(catalog.views.len(), tables);
        assert_eq!(catalog.triggers.len(), tables);
        queries
    };
    let one = read(1);
    assert_eq!(read(40), one, "queries for 40 tables vs 1");
    // The schema check, the search path, one query per kind of object, the routines' string
    // bodies, and three for partitioning (partitions, their foreign keys, their indexes).
    assert_eq!(one, 16);
}

#[test]
fn a_partition_key_splits_at_its_top_level_commas() {
    assert_eq!(partition_key("RANGE (payment_date)"), ["payment_date"]);
    assert_eq!(
        partition_key("LIST (a, lower(b), ((c || ',') || \"D,e\"))"),
        ["a", "lower(b)", "((c || ',') || \"D,e\")"]
    );
    assert!(partition_key("HASH").is_empty());
}

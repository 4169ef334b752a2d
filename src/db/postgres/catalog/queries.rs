//! The queries: the schema check, then one per kind of object, each over the relations of the
//! schemas read (the `rels` CTE) and leaving out what belongs to an extension. `$1` is the
//! schemas read (text[]), `$2` the history tables to leave out.

pub(super) const SCHEMAS_SQL: &str = "SELECT current_schema()::text, \
     ARRAY(SELECT nspname::text FROM pg_namespace \
           WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1)";

/// `NOT` an extension's member, for a catalog (`pg_class`, `pg_proc`, `pg_type`) and an oid.
fn not_in_extension(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{catalog}'::regclass \
         AND x.objid = {oid} AND x.deptype = 'e')"
    )
}

/// The relations read: tables, partitioned tables, views and materialized views of the
/// schemas, not partitions, not history tables, not an extension's.
fn rels_cte() -> String {
    format!(
        "rels AS (SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, \
           c.relkind::text AS relkind \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname::text = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm') \
           AND NOT c.relispartition \
           AND NOT (c.relkind IN ('r', 'p') AND c.relname::text = ANY($2::text[])) \
           AND {})",
        not_in_extension("pg_class", "c.oid")
    )
}

/// What the relation `r` depends on through its parts: for each (catalog, table, its oid
/// column, its relation column), the `pg_depend` rows of the parts that belong to `r`.
fn part_uses() -> String {
    [
        ("pg_rewrite", "pg_rewrite", "oid", "ev_class"),
        ("pg_attrdef", "pg_attrdef", "oid", "adrelid"),
        ("pg_constraint", "pg_constraint", "oid", "conrelid"),
        ("pg_class", "pg_index", "indexrelid", "indrelid"),
    ]
    .iter()
    .map(|(class, table, oid, rel)| {
        format!(
            "SELECT d.refclassid, d.refobjid FROM {table} p JOIN pg_depend d \
               ON d.classid = '{class}'::regclass AND d.objid = p.{oid} \
             WHERE p.{rel} = r.oid AND d.deptype = 'n' UNION ALL "
        )
    })
    .collect()
}

/// The relations, with the extensions each uses: the owners of the functions and types its
/// query, defaults, checks, indexes and columns depend on (an array type for its element).
pub(super) fn relations_sql() -> String {
    format!(
        "WITH {} \
         SELECT r.oid, r.schema, r.name, r.relkind, c.reltuples::float8, \
           obj_description(r.oid, 'pg_class'), \
           CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid, true) END, \
           ARRAY(SELECT DISTINCT e.extname::text FROM ({} \
               SELECT d.refclassid, d.refobjid FROM pg_depend d \
               WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid \
                 AND d.deptype = 'n') u \
             LEFT JOIN pg_type t ON u.refclassid = 'pg_type'::regclass AND t.oid = u.refobjid \
             JOIN pg_depend x ON x.classid = u.refclassid AND x.deptype = 'e' \
               AND x.objid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 \
                 THEN t.typelem ELSE u.refobjid END \
             JOIN pg_extension e ON e.oid = x.refobjid ORDER BY 1) \
         FROM rels r JOIN pg_class c ON c.oid = r.oid",
        rels_cte(),
        part_uses()
    )
}

/// Domains are resolved to their base type (through domains over domains) for the neutral
/// type; the native type stays the domain's name. The last two columns name the enum or
/// domain a column uses (or holds an array of), for the table → type dependency.
pub(super) fn columns_sql() -> String {
    format!(
        "WITH RECURSIVE {}, \
         dom(start, typid, typmod) AS ( \
           SELECT t.oid, t.typbasetype, t.typtypmod FROM pg_type t WHERE t.typtype = 'd' \
           UNION ALL \
           SELECT d.start, t.typbasetype, t.typtypmod FROM dom d \
           JOIN pg_type t ON t.oid = d.typid WHERE t.typtype = 'd'), \
         base AS (SELECT d.start, d.typid, d.typmod FROM dom d \
           JOIN pg_type t ON t.oid = d.typid WHERE t.typtype <> 'd') \
         SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod), \
           bt.typname::text, bt.typcategory::text, \
           CASE WHEN b.start IS NULL THEN a.atttypmod ELSE b.typmod END, \
           NOT a.attnotnull, \
           CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END, \
           a.attidentity::text, \
           CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END, \
           col_description(a.attrelid, a.attnum), \
           un.nspname::text, ut.typname::text \
         FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN base b ON b.start = a.atttypid \
         JOIN pg_type bt ON bt.oid = COALESCE(b.typid, a.atttypid) \
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_type ut ON ut.typtype IN ('e', 'd') \
           AND ut.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END \
         LEFT JOIN pg_namespace un ON un.oid = ut.typnamespace \
         WHERE a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum",
        rels_cte()
    )
}

/// Primary, unique, foreign and check constraints with their columns in key order. Foreign
/// keys that PostgreSQL clones for partitions (`conparentid`) are left out.
pub(super) fn constraints_sql() -> String {
    format!(
        "WITH {} \
         {} \
           CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid, true) END \
         FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid \
         LEFT JOIN pg_class fc ON fc.oid = c.confrelid \
         LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
         WHERE c.contype IN ('p', 'u', 'f', 'c') AND c.conparentid = 0 \
         ORDER BY c.conrelid, c.conname",
        rels_cte(),
        CONSTRAINT_SELECT
    )
}

/// What the constraint queries read of a constraint but its check expression
/// (`assemble::keys` reads it): its table, name and kind, its columns in key order, the
/// referenced table and columns, the actions on delete and update, and whether it is
/// deferrable and initially deferred.
const CONSTRAINT_SELECT: &str = "SELECT c.conrelid, c.conname::text, c.contype::text, \
    ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, pos) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num \
          ORDER BY k.pos), \
    fn.nspname::text, fc.relname::text, \
    ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, pos) \
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num \
          ORDER BY k.pos), \
    c.confdeltype::text, c.confupdtype::text, c.condeferrable, c.condeferred,";

/// Indexes that back no constraint, of every access method: per key column, the column's name
/// or the expression's text, whether it is descending (`indoption` bit 0) and its operator
/// class when not the default (unqualified when on the search path); then the predicate, the
/// method when not B-tree, the `INCLUDE` columns, `NULLS NOT DISTINCT` (PostgreSQL 15, read
/// through `to_jsonb` so that older servers answer `false`), the extensions the operator
/// classes belong to, and per key column `NULLS FIRST`/`LAST` where it is not the direction's
/// default (`indoption` bit 1 without bit 0, or bit 0 without bit 1). Materialized views'
/// indexes come too.
pub(super) fn indexes_sql() -> String {
    format!(
        "WITH {} \
         {} \
         FROM pg_index i JOIN rels r ON r.oid = i.indrelid \
         JOIN pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_am am ON am.oid = ic.relam \
         WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c \
           WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid \
             AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY i.indrelid, ic.relname",
        rels_cte(),
        INDEX_SELECT
    )
}

/// What the index queries read of an index (`assemble::indexes` reads it): its table, name,
/// uniqueness, key columns or expressions, their order, predicate, access method (when not
/// B-tree), operator classes (when not the default), `INCLUDE` columns, `NULLS NOT DISTINCT`,
/// the extensions of its operator classes, and the NULLs order of each key column.
const INDEX_SELECT: &str = "SELECT i.indrelid, ic.relname::text, i.indisunique, \
    ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0 \
            THEN (SELECT a.attname::text FROM pg_attribute a \
                  WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) \
            ELSE pg_get_indexdef(i.indexrelid, k, true) END \
          FROM generate_series(1, i.indnkeyatts) k ORDER BY k), \
    ARRAY(SELECT (i.indoption[k - 1] & 1) = 1 \
          FROM generate_series(1, i.indnkeyatts) k ORDER BY k), \
    pg_get_expr(i.indpred, i.indrelid, true), \
    CASE WHEN am.amname <> 'btree' THEN am.amname::text END, \
    ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL \
            WHEN pg_opclass_is_visible(oc.oid) THEN quote_ident(oc.opcname) \
            ELSE quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END \
          FROM generate_series(1, i.indnkeyatts) k \
          JOIN pg_opclass oc ON oc.oid = i.indclass[k - 1] \
          JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace ORDER BY k), \
    ARRAY(SELECT a.attname::text FROM generate_series(i.indnkeyatts + 1, i.indnatts) k \
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] \
          ORDER BY k), \
    COALESCE((to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false), \
    ARRAY(SELECT DISTINCT e.extname::text FROM unnest(i.indclass) c(oid) \
          JOIN pg_depend x ON x.classid = 'pg_opclass'::regclass AND x.objid = c.oid \
            AND x.deptype = 'e' \
          JOIN pg_extension e ON e.oid = x.refobjid ORDER BY 1), \
    ARRAY(SELECT CASE i.indoption[k - 1] & 3 WHEN 2 THEN true WHEN 1 THEN false END \
          FROM generate_series(1, i.indnkeyatts) k ORDER BY k)";

/// Sequences with the column that owns them: `a` (serial, `OWNED BY`) or `i` (identity).
pub(super) fn sequences_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, s.seqstart, s.seqincrement, s.seqmin, \
           s.seqmax, s.seqcycle, s.seqcache, tn.nspname::text, t.relname::text, \
           a.attname::text, d.deptype::text \
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
           AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 \
           AND d.deptype IN ('a', 'i') \
         LEFT JOIN pg_class t ON t.oid = d.refobjid \
         LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
         WHERE n.nspname::text = ANY($1::text[]) AND {} \
         ORDER BY 1, 2",
        not_in_extension("pg_class", "c.oid")
    )
}

/// What views read (through their rewrite rule), what column defaults and generated columns
/// use (sequences, functions), the functions a table's checks and indexes call (as the
/// table's), the types of table columns, and what functions and procedures use (their
/// argument and result types, and what a SQL-standard body names: PostgreSQL records nothing
/// for a body written as a string, which [`bodies_sql`] reads instead): relations, sequences,
/// functions, procedures, enums and domains outside the system schemas and extensions. A type
/// stands for what defines it: an array for its element type, a table's row type (`RETURNS
/// SETOF customer`, `customer[]`) for the table. The kinds come as the catalog's words for them
/// (`proc f` for a function).
pub(super) fn dependencies_sql() -> String {
    format!(
        "WITH {}, \
         froms AS ( \
           SELECT 'pg_class'::regclass AS classid, oid, schema, name, relkind FROM rels \
           UNION ALL \
           SELECT 'pg_proc'::regclass, p.oid, n.nspname::text, p.proname::text, \
             'proc ' || p.prokind::text \
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
           WHERE n.nspname::text = ANY($1::text[]) AND p.prokind IN ('f', 'p', 'a') AND {}), \
         uses AS ( \
           SELECT 'pg_class'::regclass AS from_class, r.ev_class AS from_oid, d.refclassid, \
             d.refobjid \
           FROM pg_rewrite r JOIN pg_depend d \
             ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
           WHERE d.deptype = 'n' \
           UNION \
           SELECT 'pg_class'::regclass, ad.adrelid, d.refclassid, d.refobjid \
           FROM pg_attrdef ad JOIN pg_depend d \
             ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid \
           WHERE d.deptype = 'n' \
           UNION \
           SELECT 'pg_class'::regclass, co.conrelid, d.refclassid, d.refobjid \
           FROM pg_constraint co JOIN pg_depend d \
             ON d.classid = 'pg_constraint'::regclass AND d.objid = co.oid \
           WHERE d.deptype = 'n' AND co.conrelid <> 0 AND d.refclassid = 'pg_proc'::regclass \
           UNION \
           SELECT 'pg_class'::regclass, ix.indrelid, d.refclassid, d.refobjid \
           FROM pg_index ix JOIN pg_depend d \
             ON d.classid = 'pg_class'::regclass AND d.objid = ix.indexrelid \
           WHERE d.deptype = 'n' AND d.refclassid = 'pg_proc'::regclass \
           UNION \
           SELECT d.classid, d.objid, d.refclassid, d.refobjid \
           FROM pg_depend d \
           WHERE d.deptype = 'n' AND (d.classid = 'pg_proc'::regclass \
             OR (d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_type'::regclass))), \
         refs AS ( \
           SELECT u.from_class, u.from_oid, \
             CASE WHEN et.typrelid <> 0 THEN 'pg_class'::regclass ELSE u.refclassid END \
               AS refclassid, \
             CASE WHEN et.typrelid <> 0 THEN et.typrelid ELSE COALESCE(et.oid, u.refobjid) END \
               AS refobjid \
           FROM uses u \
           LEFT JOIN pg_type rt ON u.refclassid = 'pg_type'::regclass AND rt.oid = u.refobjid \
           LEFT JOIN pg_type et ON et.oid = CASE \
             WHEN rt.typcategory = 'A' AND rt.typelem <> 0 THEN rt.typelem ELSE rt.oid END) \
         SELECT DISTINCT f.schema, f.name, f.relkind, tn.nspname::text, \
           COALESCE(tc.relname, tp.proname, tt.typname)::text, \
           CASE WHEN tc.oid IS NOT NULL THEN tc.relkind::text \
                WHEN tp.oid IS NOT NULL THEN 'proc ' || tp.prokind::text \
                ELSE 'type' END \
         FROM refs u JOIN froms f ON f.classid = u.from_class AND f.oid = u.from_oid \
         LEFT JOIN pg_class tc ON u.refclassid = 'pg_class'::regclass \
           AND tc.oid = u.refobjid AND tc.relkind IN ('r', 'p', 'v', 'm', 'S') \
         LEFT JOIN pg_proc tp ON u.refclassid = 'pg_proc'::regclass \
           AND tp.oid = u.refobjid AND tp.prokind IN ('f', 'p', 'a') \
         LEFT JOIN pg_type tt ON u.refclassid = 'pg_type'::regclass \
           AND tt.oid = u.refobjid AND tt.typtype IN ('e', 'd') \
         JOIN pg_namespace tn \
           ON tn.oid = COALESCE(tc.relnamespace, tp.pronamespace, tt.typnamespace) \
         WHERE NOT (u.refclassid = u.from_class AND u.refobjid = u.from_oid) \
           AND tn.nspname !~ '^pg_' AND tn.nspname <> 'information_schema' \
           AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = u.refclassid \
             AND x.objid = u.refobjid AND x.deptype = 'e') \
         ORDER BY 1, 2, 4, 5",
        rels_cte(),
        not_in_extension("pg_proc", "p.oid")
    )
}

/// The bodies written as a string of the SQL and PL/pgSQL functions and procedures, with the
/// `search_path` a routine sets (`SET search_path = …`, or none): read for the names they use
/// (`bodies.rs`). Other languages are not read: their text is not SQL (C's is a symbol name).
pub(super) fn bodies_sql() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text, p.prokind::text, p.prosrc, \
           (SELECT substr(c, length('search_path=') + 1) FROM unnest(p.proconfig) c \
            WHERE c LIKE 'search_path=%' LIMIT 1) \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         JOIN pg_language l ON l.oid = p.prolang \
         WHERE n.nspname::text = ANY($1::text[]) AND p.prokind IN ('f', 'p') \
           AND l.lanname IN ('sql', 'plpgsql') AND {} \
         ORDER BY 1, 2, 3",
        not_in_extension("pg_proc", "p.oid")
    )
}

/// User triggers (not those PostgreSQL makes for foreign keys) with their function; the last
/// column says whether that function is the system's or an extension's.
pub(super) fn triggers_sql() -> String {
    format!(
        "WITH {} \
         SELECT r.schema, r.name, t.tgname::text, t.tgtype::int4, t.tgenabled::text, \
           pg_get_triggerdef(t.oid, true), pn.nspname::text, p.proname::text, \
           p.prokind::text, \
           (pn.nspname ~ '^pg_' OR pn.nspname = 'information_schema' OR NOT {}) \
         FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid \
         JOIN pg_proc p ON p.oid = t.tgfoid \
         JOIN pg_namespace pn ON pn.oid = p.pronamespace \
         WHERE NOT t.tgisinternal \
         ORDER BY 1, 2, 3",
        rels_cte(),
        not_in_extension("pg_proc", "p.oid")
    )
}

/// Functions, procedures and aggregates (not window functions), overloads in a stable order,
/// with the schema as `pg_get_functiondef` quotes it. An aggregate's definition is built here
/// ([`AGGREGATE_DEF`]): PostgreSQL has no `pg_get_aggregatedef`.
pub(super) fn routines_sql() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text, p.prokind::text, \
           CASE WHEN p.prokind = 'a' THEN {AGGREGATE_DEF} ELSE pg_get_functiondef(p.oid) END, \
           quote_ident(n.nspname) \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid \
         WHERE n.nspname::text = ANY($1::text[]) AND p.prokind IN ('f', 'p', 'a') AND {} \
         ORDER BY 1, 2, 3, pg_get_function_identity_arguments(p.oid)",
        not_in_extension("pg_proc", "p.oid")
    )
}

/// `AGGREGATE name(args) (SFUNC = …, STYPE = …, …)` from `pg_aggregate` (`ag`) and `pg_proc`
/// (`p`), as pg_dump writes it: the name, support functions (`regproc`), types
/// (`format_type`), the sort operator and the initial conditions (`quote_literal`) quoted by
/// the server, with only what differs from the defaults. An ordered-set aggregate's arguments
/// carry their `ORDER BY` (`pg_get_function_arguments`); one without arguments is `(*)`.
const AGGREGATE_DEF: &str = "'AGGREGATE ' || quote_ident(p.proname) || '(' \
     || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(p.oid) END || ') (' \
     || concat_ws(', ', \
       'SFUNC = ' || ag.aggtransfn::regproc::text, \
       'STYPE = ' || format_type(ag.aggtranstype, NULL), \
       CASE WHEN ag.aggtransspace <> 0 THEN 'SSPACE = ' || ag.aggtransspace END, \
       CASE WHEN ag.aggfinalfn <> 0 THEN 'FINALFUNC = ' || ag.aggfinalfn::regproc::text END, \
       CASE WHEN ag.aggfinalextra THEN 'FINALFUNC_EXTRA' END, \
       CASE WHEN ag.aggfinalmodify <> CASE WHEN ag.aggkind = 'n' THEN 'r' ELSE 'w' END \
         THEN 'FINALFUNC_MODIFY = ' || CASE ag.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' \
           WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
       CASE WHEN ag.aggcombinefn <> 0 \
         THEN 'COMBINEFUNC = ' || ag.aggcombinefn::regproc::text END, \
       CASE WHEN ag.aggserialfn <> 0 \
         THEN 'SERIALFUNC = ' || ag.aggserialfn::regproc::text END, \
       CASE WHEN ag.aggdeserialfn <> 0 \
         THEN 'DESERIALFUNC = ' || ag.aggdeserialfn::regproc::text END, \
       'INITCOND = ' || quote_literal(ag.agginitval), \
       CASE WHEN ag.aggmtransfn <> 0 THEN 'MSFUNC = ' || ag.aggmtransfn::regproc::text END, \
       CASE WHEN ag.aggminvtransfn <> 0 \
         THEN 'MINVFUNC = ' || ag.aggminvtransfn::regproc::text END, \
       CASE WHEN ag.aggmtranstype <> 0 \
         THEN 'MSTYPE = ' || format_type(ag.aggmtranstype, NULL) END, \
       CASE WHEN ag.aggmtransspace <> 0 THEN 'MSSPACE = ' || ag.aggmtransspace END, \
       CASE WHEN ag.aggmfinalfn <> 0 \
         THEN 'MFINALFUNC = ' || ag.aggmfinalfn::regproc::text END, \
       CASE WHEN ag.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END, \
       CASE WHEN ag.aggmtransfn <> 0 \
         AND ag.aggmfinalmodify <> CASE WHEN ag.aggkind = 'n' THEN 'r' ELSE 'w' END \
         THEN 'MFINALFUNC_MODIFY = ' || CASE ag.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' \
           WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, \
       'MINITCOND = ' || quote_literal(ag.aggminitval), \
       CASE WHEN ag.aggsortop <> 0 THEN (SELECT 'SORTOP = OPERATOR(' \
         || quote_ident(opn.nspname) || '.' || o.oprname || ')' \
         FROM pg_operator o JOIN pg_namespace opn ON opn.oid = o.oprnamespace \
         WHERE o.oid = ag.aggsortop) END, \
       CASE WHEN ag.aggkind = 'h' THEN 'HYPOTHETICAL' END, \
       CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' \
         WHEN 'r' THEN 'PARALLEL = RESTRICTED' END) \
     || ')'";

/// Enum and domain types, with what their `CREATE` statement needs; the last two columns name
/// the enum or domain a domain is based on.
pub(super) fn types_sql() -> String {
    format!(
        "SELECT n.nspname::text, t.typname::text, quote_ident(t.typname), t.typtype::text, \
           ARRAY(SELECT quote_literal(e.enumlabel) FROM pg_enum e \
                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
           format_type(t.typbasetype, t.typtypmod), t.typdefault, t.typnotnull, \
           ARRAY(SELECT 'CONSTRAINT ' || quote_ident(c.conname) || ' ' \
                        || pg_get_constraintdef(c.oid, true) \
                 FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' \
                 ORDER BY c.conname), \
           bn.nspname::text, bt.typname::text \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND bt.typtype IN ('e', 'd') \
         LEFT JOIN pg_namespace bn ON bn.oid = bt.typnamespace \
         WHERE n.nspname::text = ANY($1::text[]) AND t.typtype IN ('e', 'd') AND {} \
         ORDER BY 1, 2",
        not_in_extension("pg_type", "t.oid")
    )
}

/// Privileges on the relations read, from their ACL; the owner's own are implied, not
/// granted. `public` is PostgreSQL's PUBLIC pseudo-role.
pub(super) fn grants_sql() -> String {
    format!(
        "WITH {} \
         SELECT r.schema, r.name, r.relkind, \
           CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_get_userbyid(g.grantee)::text END, \
           g.privilege_type, g.is_grantable \
         FROM rels r JOIN pg_class c ON c.oid = r.oid \
         CROSS JOIN LATERAL aclexplode(c.relacl) g \
         WHERE g.grantee <> c.relowner \
         ORDER BY 1, 2, 4, 5",
        rels_cte()
    )
}

/// The partitions of the partitioned tables read, at every level, each with its parent:
/// the `parts` CTE (after `rels`). A partition may live in a schema that is not read.
fn parts_cte() -> &'static str {
    "parts(oid, parent) AS ( \
       SELECT i.inhrelid, i.inhparent FROM pg_inherits i JOIN rels r ON r.oid = i.inhparent \
       WHERE r.relkind = 'p' \
       UNION ALL \
       SELECT i.inhrelid, i.inhparent FROM pg_inherits i JOIN parts p ON p.oid = i.inhparent)"
}

/// Partitioned tables and partitions, each with its method (`pg_partitioned_table.partstrat`)
/// and key (`pg_get_partkeydef`), a partition also with its parent, schema, name, bound
/// (`FOR VALUES …` or `DEFAULT`) and estimated rows; partitioned tables first, then partitions
/// by parent and name.
pub(super) fn partitions_sql() -> String {
    format!(
        "WITH RECURSIVE {}, {} \
         SELECT c.oid, p.parent, n.nspname::text, c.relname::text, \
           pg_get_expr(c.relpartbound, c.oid), c.reltuples::float8, pt.partstrat::text, \
           CASE WHEN pt.partrelid IS NOT NULL THEN pg_get_partkeydef(c.oid) END \
         FROM (SELECT oid, NULL::oid AS parent FROM rels WHERE relkind = 'p' \
               UNION ALL SELECT oid, parent FROM parts) p \
         JOIN pg_class c ON c.oid = p.oid AND (p.parent IS NULL OR c.relispartition) \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid \
         ORDER BY p.parent NULLS FIRST, c.relname",
        rels_cte(),
        parts_cte()
    )
}

/// The foreign keys declared on partitions themselves (`conparentid = 0`: not cloned from a
/// partitioned table's), in the columns of [`constraints_sql`].
pub(super) fn partition_keys_sql() -> String {
    format!(
        "WITH RECURSIVE {}, {} \
         {} \
           NULL::text \
         FROM pg_constraint c JOIN (SELECT DISTINCT oid FROM parts) p ON p.oid = c.conrelid \
         JOIN pg_class fc ON fc.oid = c.confrelid \
         JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
         WHERE c.contype = 'f' AND c.conparentid = 0 \
         ORDER BY c.conrelid, c.conname",
        rels_cte(),
        parts_cte(),
        CONSTRAINT_SELECT
    )
}

/// The indexes created on partitions themselves, of every method: not attached to an index of the
/// partitioned table (no `pg_inherits` row for the index), backing no constraint; in the
/// columns of [`indexes_sql`].
pub(super) fn partition_indexes_sql() -> String {
    format!(
        "WITH RECURSIVE {}, {} \
         {} \
         FROM pg_index i JOIN (SELECT DISTINCT oid FROM parts) p ON p.oid = i.indrelid \
         JOIN pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_am am ON am.oid = ic.relam \
         WHERE NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
             WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid \
               AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY i.indrelid, ic.relname",
        rels_cte(),
        parts_cte(),
        INDEX_SELECT
    )
}

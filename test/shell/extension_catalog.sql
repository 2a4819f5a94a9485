-- What the csmetrics extension consists of, one line per object and property, sorted: the
-- upgrade test runs this in a fresh install and in an updated one and compares the output.
-- Every member object appears with its full definition (function bodies and attributes,
-- aggregate support functions, type I/O, table columns and constraints, comments, ACLs), so a
-- function added to the install script but not to the update script, or defined differently
-- in the two, shows up as a differing line.
--
-- psql variable config_data: 'on' also lists the rows of the configuration tables (those
-- pg_dump keeps), which user activity changes; the static reference tables are always listed.
\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only on
\pset null '(null)'
SELECT set_config('search_path', 'pg_catalog', false) IS NULL;

CREATE TEMP TABLE ext_lines (line text);

-- Members of the extension.
CREATE TEMP VIEW ext_members AS
SELECT d.classid, d.objid, d.objsubid, pg_describe_object(d.classid, d.objid, d.objsubid) AS what
FROM pg_depend d
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'csmetrics' AND d.deptype = 'e';

INSERT INTO ext_lines
SELECT 'member ' || what FROM ext_members
UNION ALL
-- comments of members and of their columns
SELECT 'comment ' || pg_describe_object(ds.classoid, ds.objoid, ds.objsubid) || ' = ' || ds.description
FROM pg_description ds JOIN ext_members m ON m.classid = ds.classoid AND m.objid = ds.objoid
UNION ALL
-- functions: the whole CREATE FUNCTION text (attributes, SET clauses, body) and the ACL
SELECT 'function ' || m.what || E'\n' || pg_get_functiondef(p.oid)
FROM ext_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
WHERE p.prokind <> 'a'
UNION ALL
SELECT 'acl ' || m.what || ' = ' || coalesce(p.proacl::text, 'default')
FROM ext_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
UNION ALL
-- aggregates: the pg_proc attributes and every support function and setting
SELECT 'aggregate ' || m.what || ' strict=' || p.proisstrict || ' parallel=' || p.proparallel::text
       || ' volatile=' || p.provolatile::text || ' returns=' || p.prorettype::regtype
       || ' kind=' || a.aggkind::text || ' direct=' || a.aggnumdirectargs
       || ' sfunc=' || a.aggtransfn::regprocedure || ' stype=' || a.aggtranstype::regtype
       || ' sspace=' || a.aggtransspace || ' final=' || a.aggfinalfn::regprocedure
       || ' finalextra=' || a.aggfinalextra || ' finalmodify=' || a.aggfinalmodify::text
       || ' combine=' || a.aggcombinefn::regprocedure || ' serial=' || a.aggserialfn::regprocedure
       || ' deserial=' || a.aggdeserialfn::regprocedure || ' msfunc=' || a.aggmtransfn::regprocedure
       || ' minvfunc=' || a.aggminvtransfn::regprocedure || ' mfinal=' || a.aggmfinalfn::regprocedure
       || ' mstype=' || a.aggmtranstype::regtype || ' sortop=' || a.aggsortop::regoperator
       || ' initcond=' || coalesce(a.agginitval, '(null)') || ' minitcond=' || coalesce(a.aggminitval, '(null)')
FROM ext_members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
JOIN pg_aggregate a ON a.aggfnoid = p.oid
UNION ALL
-- types: storage and I/O; composite types list their attributes
SELECT 'type ' || m.what || ' len=' || t.typlen || ' byval=' || t.typbyval || ' type=' || t.typtype::text
       || ' category=' || t.typcategory::text || ' align=' || t.typalign::text || ' storage=' || t.typstorage::text
       || ' in=' || t.typinput::regproc || ' out=' || t.typoutput::regproc || ' recv=' || t.typreceive::regproc
       || ' send=' || t.typsend::regproc || ' elem=' || t.typelem::regtype
       || ' attributes=' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                      FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '')
FROM ext_members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
UNION ALL
-- operators
SELECT 'operator ' || m.what || ' proc=' || o.oprcode::regprocedure || ' commutator=' || o.oprcom::regoperator
       || ' negator=' || o.oprnegate::regoperator || ' restrict=' || o.oprrest::regproc || ' join=' || o.oprjoin::regproc
       || ' hashes=' || o.oprcanhash || ' merges=' || o.oprcanmerge
FROM ext_members m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
UNION ALL
-- relations: kind, columns, constraints, indexes, triggers, view text, ACL
SELECT 'relation ' || m.what || ' kind=' || c.relkind::text || ' acl=' || coalesce(c.relacl::text, 'default')
       || E'\n  columns: ' || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                                                || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''), ', ' ORDER BY a.attnum)
                                 FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
       || E'\n  constraints: ' || coalesce((SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), '; ' ORDER BY k.conname)
                                     FROM pg_constraint k WHERE k.conrelid = c.oid), '')
       || E'\n  indexes: ' || coalesce((SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY 1)
                                 FROM pg_index i WHERE i.indrelid = c.oid), '')
       || E'\n  triggers: ' || coalesce((SELECT string_agg(pg_get_triggerdef(tg.oid), '; ' ORDER BY tg.tgname)
                                  FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal), '')
       || CASE WHEN c.relkind IN ('v', 'm') THEN E'\n  query: ' || pg_get_viewdef(c.oid) ELSE '' END
FROM ext_members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
-- the tables pg_dump keeps, and their filters
SELECT 'config ' || x.rel::regclass || ' where ' || coalesce(x.cond, '(none)')
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(rel, cond)
WHERE e.extname = 'csmetrics';

-- Table contents: the reference tables always, the configuration tables when asked.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS rel, c.oid = ANY (e.extconfig) AS is_config
             FROM ext_members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind = 'r'
             CROSS JOIN pg_extension e WHERE e.extname = 'csmetrics' LOOP
        CONTINUE WHEN r.is_config AND current_setting('csmetrics_test.config_data', true) IS DISTINCT FROM 'on';
        -- registered_at-like columns hold the time of the insert: list the rest
        EXECUTE format($q$INSERT INTO ext_lines SELECT 'row %s ' || (to_jsonb(t) - 'registered_at')::text FROM %s t$q$, r.rel, r.rel);
    END LOOP;
END $$;

SELECT line FROM ext_lines ORDER BY line COLLATE "C";

-- The views registry: every view is a row of kpi_registry built by one builder function from
-- a template with {{key}} placeholders. This suite shows the registry, the template renderer,
-- the SQL generated for one registration (so that a change of a template is reviewed here
-- as SQL), adding a view with one builder and one row, and the stable shape of kpi_overview.
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed)
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all

-- The registry, in creation order.
SELECT position, view_name, family, builder, sources, any_sources, optional_sources, keys, by_segment, internal, overview_pick
FROM kpi_registry ORDER BY position;
-- Every registered view has a description, and every builder exists and takes the context.
SELECT count(*) AS views, count(*) FILTER (WHERE p.proargtypes = '3802'::oidvector AND p.prorettype = 'text'::regtype) AS builders_ok
FROM kpi_registry r JOIN pg_proc p ON p.oid = r.builder;
-- kpi_overview's columns, each from the view that feeds it.
SELECT position, column_name, view_name, expression, type FROM kpi_overview_columns ORDER BY position;

-- The renderer: placeholders are filled in one pass from the context; a value is never
-- searched for placeholders itself; SQL braces that are not placeholders stay.
SELECT kpi_render('SELECT {{a}}, {{b}} FROM t WHERE x = {{a}}', '{"a": "1", "b": "{{a}}"}');
SELECT kpi_render('SELECT ''{1,2}''::int[], ''{}''::jsonb, ''{{1,2},{3,4}}''::int[]', '{}');
SELECT kpi_render('no placeholders', '{}');
SELECT regress.expect_error($$SELECT csmetrics.kpi_render('SELECT {{missing}}', '{"a": "1"}')$$);
SELECT regress.expect_error($$SELECT csmetrics.kpi_render('SELECT {{a}}', '{"a": 1}')$$);

-- One registration: a small CRM with a customer segment.
CREATE SCHEMA registry_src;
CREATE TABLE registry_src.accounts (id int, name text, plan text);
CREATE TABLE registry_src.subs (account int, started date, ended date, mrr numeric);
CREATE TABLE registry_src.answers (account int, answered timestamptz, score int);
INSERT INTO registry_src.accounts VALUES (1, 'Ada', 'pro'), (2, 'Bo', 'basic'), (3, 'Cy', NULL);
INSERT INTO registry_src.subs VALUES (1, '2024-01-15', NULL, 100), (2, '2024-02-01', '2024-05-01', 50), (3, '2024-03-10', NULL, 80);
INSERT INTO registry_src.answers VALUES (1, '2024-02-10 09:00+00', 9), (2, '2024-03-01 10:00+00', 4);
SELECT register_source('customers', 'registry_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'registry_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT register_source('survey_responses', 'registry_src.answers', '{"customer_id": "account", "responded_at": "answered"}');

-- The SQL create_kpi_views('kpi_registry', 'month', time_zone => 'Europe/Paris') would run, in
-- creation order: the clean relation of each source, then each view whose sources are
-- registered (the NOTICEs say which are skipped and why).
\pset format unaligned
\pset tuples_only on
SELECT '-- ' || ordinal || ' ' || relation_schema || '.' || relation_name
       || CASE WHEN internal THEN ' (helper)' ELSE ' keys ' || array_to_string(keys, ', ') END
       || E'\n-- ' || description || E'\n' || definition || E'\n'
FROM plan_kpi_views('kpi_registry', 'month', false, 'Europe/Paris') ORDER BY ordinal;
\pset format aligned
\pset tuples_only off

-- create_kpi_views() makes exactly that plan.
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('kpi_registry', 'month', false, 'Europe/Paris');
SELECT (SELECT array_agg(view_name ORDER BY position) FROM kpi_views WHERE target_schema = 'kpi_registry')
     = (SELECT array_agg(relation_name ORDER BY ordinal) FROM plan_kpi_views('kpi_registry', 'month', false, 'Europe/Paris')) AS as_planned;
RESET client_min_messages;
SELECT view_name, relation_schema, internal, materialized, time_zone FROM kpi_views WHERE target_schema = 'kpi_registry' ORDER BY position;
SELECT month, mrr, new_mrr, churned_mrr, paying_customers, arpa FROM kpi_registry.mrr_by_month ORDER BY month;

-- Adding a view is one builder and one registry row. Here a view of the customers per
-- segment, made by create_kpi_views() like the others (in a transaction rolled back).
CREATE FUNCTION registry_src.customers_per_segment(ctx jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT csmetrics.kpi_render('SELECT c.segment, count(*) AS accounts FROM {{customers}} AS c GROUP BY c.segment', ctx)
$$;
BEGIN;
INSERT INTO kpi_registry (position, view_name, family, builder, sources, keys, description, column_descriptions)
VALUES (440, 'customers_per_segment', 'support', 'registry_src.customers_per_segment', '{customers}', ARRAY['segment'],
        'Customers per segment', '{"accounts": "customers in the segment"}');
SET client_min_messages = warning;
SELECT * FROM create_kpi_views('kpi_registry', 'month', false, 'Europe/Paris') AS v WHERE v LIKE '%per_segment';
RESET client_min_messages;
SELECT * FROM kpi_registry.customers_per_segment;
SELECT obj_description('kpi_registry.customers_per_segment'::regclass) AS comment,
       col_description('kpi_registry.customers_per_segment'::regclass, 2) AS accounts_comment;
ROLLBACK;
-- sort_keys, when given, are the first of the keys: the rows are sorted by them, and the
-- builder's query gives the rest in order.
-- (the error without its detail, the whole row)
SELECT split_part(regress.expect_error($$INSERT INTO csmetrics.kpi_registry (position, view_name, family, builder, keys, sort_keys, description)
    VALUES (441, 'x', 'support', 'registry_src.customers_per_segment', ARRAY['customer_id', 'month'], ARRAY['month'], 'x')$$), ' (', 1) AS not_the_first_keys;
SELECT split_part(regress.expect_error($$INSERT INTO csmetrics.kpi_registry (position, view_name, family, builder, keys, sort_keys, description)
    VALUES (441, 'x', 'support', 'registry_src.customers_per_segment', ARRAY['customer_id'], '{}', 'x')$$), ' (', 1) AS no_key;

-- kpi_overview has the same columns whatever sources are registered: NULL where a source is
-- missing, so a dashboard keeps working when one is added or removed.
CREATE TEMP TABLE overview_shape AS
SELECT column_name, data_type, ordinal_position FROM information_schema.columns
WHERE table_schema = 'kpi_registry' AND table_name = 'kpi_overview';
SELECT count(*) AS columns, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS overview_columns
FROM overview_shape;
SELECT unregister_source('subscriptions');
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('kpi_registry', 'month', false, 'Europe/Paris');
RESET client_min_messages;
SELECT count(*) AS columns_that_differ FROM (
    (SELECT column_name, data_type, ordinal_position FROM information_schema.columns
     WHERE table_schema = 'kpi_registry' AND table_name = 'kpi_overview'
     EXCEPT SELECT * FROM overview_shape)
    UNION ALL
    (SELECT * FROM overview_shape
     EXCEPT SELECT column_name, data_type, ordinal_position FROM information_schema.columns
     WHERE table_schema = 'kpi_registry' AND table_name = 'kpi_overview')) d;
SELECT as_of, nps, mrr, customers, ltv, average_health_score FROM kpi_registry.kpi_overview;

\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;
DROP SCHEMA kpi_registry, kpi_registry_internal, registry_src CASCADE;
RESET client_min_messages;

-- Materialized KPI views: populated, uniquely indexed, equal to the plain views, and
-- refreshed in dependency order.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- Materialized: populated, a unique index on plain columns per view, same results.
SELECT count(*) FROM create_kpi_views('kpi_mat', materialized => true);
SELECT count(*) AS matviews, count(*) FILTER (WHERE c.relispopulated) AS populated,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
                                      AND i.indexprs IS NULL AND i.indpred IS NULL)) AS with_unique_index
FROM pg_class c WHERE c.relnamespace = 'kpi_mat'::regnamespace AND c.relkind = 'm';
-- Metabase reads materialized views' columns from pg_attribute.
SELECT format_type(a.atttypid, a.atttypmod) AS type, count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'kpi_mat'::regnamespace AND c.relkind = 'm' AND a.attnum > 0 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS matview_columns_without_comment FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'kpi_mat'::regnamespace AND c.relkind = 'm' AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NULL;
SELECT (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".mrr_by_month EXCEPT SELECT * FROM kpi_mat.mrr_by_month) d)
     + (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".customer_health EXCEPT SELECT * FROM kpi_mat.customer_health) d)
     + (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".data_issues EXCEPT SELECT * FROM kpi_mat.data_issues) d) AS differing_rows;
-- Every view of the materialized set equals the plain one, row for row: also those that read
-- helpers made only in a materialized set (the survey views roll up one summary per survey,
-- period and segment; time to value reads the customers' first values).
CREATE FUNCTION pg_temp.differing_rows(a text, b text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %s EXCEPT ALL SELECT * FROM %s) UNION ALL (SELECT * FROM %s EXCEPT ALL SELECT * FROM %s)) d',
                   a, b, b, a) INTO n;
    RETURN n;
END $$;
SELECT k.view_name, pg_temp.differing_rows(format('"KPI ""Views""".%I', k.view_name), format('kpi_mat.%I', k.view_name)) AS differing_rows
FROM kpi_views k WHERE k.target_schema = 'kpi_mat' AND NOT k.internal ORDER BY k.position;
-- New data shows after a refresh, which runs in dependency order (kpi_overview last).
INSERT INTO "CRM Data"."survey answers" VALUES (1, '2025-12-31 12:00', 10, 'nps');
SET client_min_messages = warning;   -- refresh NOTICEs carry timings
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;
SELECT (SELECT responses FROM kpi_mat.nps_by_month WHERE month = '2025-12-01') = (SELECT responses FROM "KPI ""Views""".nps_by_month WHERE month = '2025-12-01') AS refreshed;
SELECT view_name FROM kpi_views WHERE target_schema = 'kpi_mat' ORDER BY position DESC LIMIT 1;

-- The set of the customers' ids that the clean relations test rows against is made once per
-- refresh in a materialized set (the helper customer_id_set, refreshed first), and made by
-- each scan in the plain set. A customer added shows after a refresh, and one removed turns
-- its rows into unknown customers, in every view as in the plain ones.
SELECT pg_get_viewdef('kpi_mat_internal.subscriptions'::regclass) LIKE '%kpi_mat_internal.customer_id_set%' AS materialized_reads_set,
       pg_get_viewdef('"KPI ""Views""_internal".subscriptions'::regclass) LIKE '%customer_id_set%' AS plain_reads_set,
       (SELECT view_name FROM kpi_views WHERE target_schema = 'kpi_mat' AND materialized ORDER BY position LIMIT 1) AS refreshed_first;
INSERT INTO "CRM Data"."Customers" VALUES (9001, 'new', 'Newcomer');
INSERT INTO "CRM Data"."Sub""scriptions; DROP TABLE x; --" VALUES (9001, '2025-11-01', NULL, 77), (9002, '2025-11-01', NULL, 88);
SET client_min_messages = warning;
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;
SELECT kpi_id_set_contains(s.ids, 9001) AS added_known, kpi_id_set_contains(s.ids, 9002) AS other_known,
       s.customer_rows = (SELECT count(*) FROM "CRM Data"."Customers" WHERE "Customer ID" IS NOT NULL) AS rows_counted
FROM kpi_mat_internal.customer_id_set s;
SELECT count(*) AS views, sum(pg_temp.differing_rows(format('"KPI ""Views""".%I', k.view_name), format('kpi_mat.%I', k.view_name))) AS differing_rows
FROM kpi_views k WHERE k.target_schema = 'kpi_mat' AND NOT k.internal;
SELECT customer_id, problem FROM kpi_mat.data_issues WHERE customer_id IN ('9001', '9002') ORDER BY 1, 2;
DELETE FROM "CRM Data"."Customers" WHERE "Customer ID" = 9001;
SET client_min_messages = warning;
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;
SELECT count(*) AS views, sum(pg_temp.differing_rows(format('"KPI ""Views""".%I', k.view_name), format('kpi_mat.%I', k.view_name))) AS differing_rows
FROM kpi_views k WHERE k.target_schema = 'kpi_mat' AND NOT k.internal;
SELECT customer_id, problem FROM kpi_mat.data_issues WHERE customer_id IN ('9001', '9002') ORDER BY 1, 2;
DELETE FROM "CRM Data"."Sub""scriptions; DROP TABLE x; --" WHERE "Customer ID" IN (9001, 9002);
SET client_min_messages = warning;
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;

-- customer_mrr_movements stays a plain view over the materialized MRR paths: reading it
-- unfolds them (its cost is its output), and the refresh only refreshes the paths (then
-- concurrently, so that its readers do not wait either). The health_outcomes helper stays a
-- plain view over the stored health scores, which it only filters.
SELECT c.relname, c.relkind FROM pg_class c
WHERE c.oid IN ('kpi_mat.customer_mrr_movements'::regclass, 'kpi_mat_internal.mrr_paths'::regclass, 'kpi_mat_internal.spans'::regclass,
                'kpi_mat_internal.health_scores'::regclass, 'kpi_mat_internal.health_outcomes'::regclass)
ORDER BY 1;
-- The helpers only materialized views and the clean sources read are refreshed in place,
-- which rebuilds their indexes: they keep none. mrr_paths, which the plain
-- customer_mrr_movements reads, keeps its unique index for a concurrent refresh.
SELECT k.view_name, kpi_refreshed_in_place(c.oid) AS in_place,
       (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ') FROM pg_index i WHERE i.indrelid = c.oid) AS indexes
FROM kpi_views k JOIN pg_class c ON c.relnamespace = 'kpi_mat_internal'::regnamespace AND c.relname = k.view_name AND c.relkind = 'm'
WHERE k.target_schema = 'kpi_mat' AND k.internal ORDER BY k.position;
-- A helper is refreshed concurrently when a plain view other than the set's own helpers reads
-- it, directly or through them: a view of a user's own over a clean source reads the set of
-- the customers' ids. Made after the set, when the set's unique index is gone, the refresh
-- still refreshes the set (in place: that view waits for it).
CREATE VIEW public.my_subscriptions AS SELECT * FROM kpi_mat_internal.subscriptions;
SELECT kpi_refreshed_in_place('kpi_mat_internal.customer_id_set'::regclass) AS set_in_place,
       kpi_refreshed_in_place('kpi_mat_internal.spans'::regclass) AS spans_in_place;
SET client_min_messages = warning;
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;
SELECT count(*) = (SELECT count(*) FROM "KPI ""Views""_internal".subscriptions) AS user_view_reads FROM public.my_subscriptions;
DROP VIEW public.my_subscriptions;
SELECT kpi_refreshed_in_place('kpi_mat_internal.customer_id_set'::regclass) AS set_in_place_again;

SELECT count(*) AS differing_rows FROM (
    (SELECT * FROM "KPI ""Views""".customer_mrr_movements EXCEPT ALL SELECT * FROM kpi_mat.customer_mrr_movements)
    UNION ALL
    (SELECT * FROM kpi_mat.customer_mrr_movements EXCEPT ALL SELECT * FROM "KPI ""Views""".customer_mrr_movements)) d;
-- Its rows come in key order, customer then month, though it sorts them by customer only
-- (sort_keys): the paths are sorted by customer and each path gives its periods in order.
-- Plain and materialized, serial and with parallel plans (rows out of order counted by
-- comparing each with the one read before it).
CREATE FUNCTION pg_temp.movements_order(view_name text) RETURNS TABLE (rows bigint, out_of_order bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE (v.before_customer, v.before_month) >= (v.customer_id, v.month))
        FROM (SELECT customer_id, month, lag(customer_id) OVER () AS before_customer, lag(month) OVER () AS before_month
              FROM %s) AS v$q$, view_name);
END $$;
SET client_min_messages = warning;   -- not the NOTICEs about the views skipped
SELECT relation_name, keys, sort_keys FROM plan_kpi_views('kpi_mat', 'month', true) WHERE relation_name = 'customer_mrr_movements';
RESET client_min_messages;
SELECT 'plain' AS views, * FROM pg_temp.movements_order('"KPI ""Views""".customer_mrr_movements')
UNION ALL SELECT 'materialized', * FROM pg_temp.movements_order('kpi_mat.customer_mrr_movements');
-- and nothing sorts the rows themselves (only the paths are sorted)
SELECT regress.plan_has('SELECT * FROM "KPI ""Views""".customer_mrr_movements', 'Incremental Sort') AS plain_sorts_rows,
       regress.plan_has('SELECT * FROM kpi_mat.customer_mrr_movements', 'Incremental Sort') AS materialized_sorts_rows;
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT * FROM kpi_mat.customer_mrr_movements', 'Gather') AS parallel_plan;
SELECT 'plain' AS views, * FROM pg_temp.movements_order('"KPI ""Views""".customer_mrr_movements')
UNION ALL SELECT 'materialized', * FROM pg_temp.movements_order('kpi_mat.customer_mrr_movements');
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation; RESET enable_indexscan; RESET enable_bitmapscan;
INSERT INTO "CRM Data"."Sub""scriptions; DROP TABLE x; --" VALUES (12, '2025-06-01', NULL, 1000000);
SELECT count(*) AS rows_before FROM kpi_mat.customer_mrr_movements WHERE customer_id = '12' AND mrr >= 1000000;
SET client_min_messages = warning;
SELECT refresh_kpi_views('kpi_mat');
RESET client_min_messages;
SELECT count(*) > 0 AS rows_after FROM kpi_mat.customer_mrr_movements WHERE customer_id = '12' AND mrr >= 1000000;
DELETE FROM "CRM Data"."Sub""scriptions; DROP TABLE x; --" WHERE "Customer ID" = 12 AND "MRR $" = 1000000;

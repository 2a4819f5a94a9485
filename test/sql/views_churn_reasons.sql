-- churn_by_reason_by_<grain> (+ _by_segment) and kpi_overview.top_churn_reason: which
-- subscription's reason a churn takes (hand-checked ties), the two counts against the views
-- they split (customer_flow_by_<grain>.lost_customers and mrr_by_<grain>.churned_mrr) and
-- against plain SQL on seeded random data, registration with and without the churn_reason
-- column, materialized views, parallel plans and the readers' time zones.
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed), with the checks of test/fixtures/views_checks.sql
\set ECHO none
\i test/fixtures/views_reset.sql
\i test/fixtures/views_checks.sql
\set ECHO all
CREATE SCHEMA churn_src;

-- One customer per case; all of them pay from January 2024.
CREATE TABLE churn_src.accounts (id int, plan text);
CREATE TABLE churn_src.subs (account int, started timestamptz, ended timestamptz, mrr numeric, "Why?" text);
INSERT INTO churn_src.accounts SELECT i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END FROM generate_series(1, 10) i;
INSERT INTO churn_src.subs VALUES
    -- 1: two subscriptions end in March; the one that ended last (March 20) gives the reason
    (1, '2024-01-01', '2024-03-10', 100, 'price'), (1, '2024-01-01', '2024-03-20', 50, 'competitor'),
    -- 2: both end at the same instant: the larger MRR gives the reason
    (2, '2024-01-01', '2024-03-15', 30, 'closed'), (2, '2024-01-01', '2024-03-15', 80, 'price'),
    -- 3: same end, same MRR: the later start gives the reason
    (3, '2024-01-01', '2024-03-15', 40, 'budget'), (3, '2024-01-05', '2024-03-15', 40, 'competitor'),
    -- 4: same end, MRR and start: a reason before none, then the reasons in byte order
    (4, '2024-01-01', '2024-03-15', 40, NULL), (4, '2024-01-01', '2024-03-15', 40, 'price'),
    (4, '2024-01-01', '2024-03-15', 40, 'Price'),
    -- 5: no reason, and a blank one: both unknown
    (5, '2024-01-01', '2024-02-10', 60, NULL), (6, '2024-01-01', '2024-02-10', 60, '   '),
    -- 7: the paid plan ends in March while a free one goes on: MRR churn, not a lost customer
    (7, '2024-01-01', '2024-03-05', 90, 'downgraded'), (7, '2024-01-01', NULL, 0, NULL),
    -- 8: leaves on March 5 and is back on March 20: a lost (and new) customer in the flow, no
    -- MRR churn (paying at both month ends)
    (8, '2024-01-01', '2024-03-05', 70, 'paused'), (8, '2024-03-20', NULL, 70, NULL),
    -- 9: a free plan only: a lost customer without churned MRR
    (9, '2024-01-01', '2024-04-02', 0, 'free plan ended'),
    -- 10: stays
    (10, '2024-01-01', NULL, 10, NULL);
SELECT register_source('customers', 'churn_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'churn_src.subs',
                       '{"customer_id": "account", "started_at": "started", "ended_at": "ended", "churn_reason": "Why?"}');
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT month, churn_reason, lost_customers, churned_mrr, round(share_of_lost_customers::numeric, 4) AS share_of_lost_customers,
       round(share_of_churned_mrr::numeric, 4) AS share_of_churned_mrr
FROM churn.churn_by_reason_by_month;
-- Each count agrees with the view it splits, period by period.
SELECT f.month, f.lost_customers, m.churned_mrr,
       (SELECT sum(r.lost_customers) FROM churn.churn_by_reason_by_month r WHERE r.month = f.month) AS lost_by_reason,
       (SELECT sum(r.churned_mrr) FROM churn.churn_by_reason_by_month r WHERE r.month = f.month) AS churned_by_reason
FROM churn.customer_flow_by_month f JOIN churn.mrr_by_month m USING (month) ORDER BY month;
SELECT segment, month, churn_reason, lost_customers, churned_mrr FROM churn.churn_by_reason_by_month_by_segment;
-- kpi_overview: the reason of most customers lost in the latest period (April: one
-- customer, free plan ended).
SELECT as_of, customers, churn_rate, top_churn_reason FROM churn.kpi_overview;
-- A latest period without churn has no top reason: customer 10 adds a plan in May, which
-- carries the series into May, when no one is lost.
INSERT INTO churn_src.subs VALUES (10, '2024-05-02', NULL, 5, NULL);
SELECT as_of, customers, churn_rate, top_churn_reason FROM churn.kpi_overview;
DELETE FROM churn_src.subs WHERE account = 10 AND started = '2024-05-02';
-- Names, types and comments.
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a WHERE a.attrelid = 'churn.churn_by_reason_by_month'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT col_description('churn.kpi_overview'::regclass, a.attnum) AS top_churn_reason_comment
FROM pg_attribute a WHERE a.attrelid = 'churn.kpi_overview'::regclass AND a.attname = 'top_churn_reason';

-- Without a churn_reason column the registration works as before: the other views do not
-- change, and every churn is unknown.
CREATE TEMP TABLE with_reason AS SELECT 'mrr' AS v, m::text AS r FROM churn.mrr_by_month m
    UNION ALL SELECT 'flow', f::text FROM churn.customer_flow_by_month f UNION ALL SELECT 'moves', c::text FROM churn.customer_mrr_movements c;
SELECT register_source('subscriptions', 'churn_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
SELECT columns FROM sources WHERE kind = 'subscriptions';
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT count(*) AS rows_that_changed
FROM ((SELECT 'mrr' AS v, m::text AS r FROM churn.mrr_by_month m UNION ALL SELECT 'flow', f::text FROM churn.customer_flow_by_month f
       UNION ALL SELECT 'moves', c::text FROM churn.customer_mrr_movements c) EXCEPT ALL SELECT * FROM with_reason) d;
SELECT month, churn_reason, lost_customers, churned_mrr FROM churn.churn_by_reason_by_month;
SELECT top_churn_reason FROM churn.kpi_overview;
-- The column must be text-like: a row or an array is refused like any other role.
CREATE TABLE churn_src.bad_reasons (account int, started date, ended date, mrr numeric, reasons text[]);
SELECT regress.expect_error($$SELECT csmetrics.register_source('subscriptions', 'churn_src.bad_reasons',
    '{"customer_id": "account", "started_at": "started", "ended_at": "ended", "churn_reason": "reasons"}')$$);
SELECT regress.expect_error($$SELECT csmetrics.register_source('subscriptions', 'churn_src.subs',
    '{"customer_id": "account", "started_at": "started", "ended_at": "ended", "churn_reason": "no such column"}')$$);

-- Seeded random data: 1,500 customers in three segments, one to four subscriptions each
-- (touching, overlapping, gaps, free plans, open ones), a reason on most ended ones (some
-- blank), several of a customer's subscriptions often ending on the same day.
CREATE TABLE churn_src.customers AS
SELECT c AS id, (ARRAY['SMB', 'Mid', 'Enterprise'])[1 + regress.rand_int(30, c, 0, 2)::int] AS tier FROM generate_series(1, 1500) c;
CREATE TABLE churn_src.subscriptions AS
SELECT c AS customer_id, s AS started_at,
       CASE WHEN e < 0.25 THEN NULL WHEN e < 0.45 THEN date '2022-01-01' + 30 * regress.rand_int(36, c, 5, 30)::int
            WHEN e < 0.55 THEN (date_trunc('month', s + len) + interval '1 month')::date ELSE s + len END AS ended_at,
       mrr,
       CASE WHEN e >= 0.25 THEN (ARRAY['price', 'competitor', 'closed', 'price', NULL, ' ', 'support', 'budget'])[1 + regress.rand_int(31, c * 10 + i, 0, 7)::int] END AS reason
FROM (SELECT c, i, date '2022-01-01' + regress.rand_int(32, c * 10 + i, 0, 900)::int AS s,
             regress.rand(33, c * 10 + i) AS e, regress.rand_int(34, c * 10 + i, 0, 400)::int AS len,
             (ARRAY[0, 49, 99.50, 199, 49, 20.25])[1 + regress.rand_int(35, c * 10 + i, 0, 5)::int] AS mrr
      FROM generate_series(1, 1500) c, generate_series(1, 4) i
      WHERE i <= regress.rand_int(37, c, 1, 4)) r;
UPDATE churn_src.subscriptions SET ended_at = started_at WHERE ended_at < started_at;
SELECT count(*) AS subscriptions, count(*) FILTER (WHERE ended_at IS NOT NULL) AS ended, count(reason) AS with_reason,
       count(*) FILTER (WHERE mrr = 0) AS free,
       (SELECT count(*) FROM (SELECT customer_id, ended_at FROM churn_src.subscriptions WHERE ended_at IS NOT NULL
                              GROUP BY 1, 2 HAVING count(*) > 1) d) AS shared_end_days,
       max(greatest(started_at, ended_at)) AS last_change
FROM churn_src.subscriptions;
SELECT register_source('customers', 'churn_src.customers', '{"customer_id": "id", "segment": "tier"}');
SELECT register_source('subscriptions', 'churn_src.subscriptions', '{"churn_reason": "reason"}');

-- The churn by reason in plain SQL. Spans: subscriptions sorted by start, a new span where
-- one starts after every earlier one of its customer has ended (those of no time at all left
-- out: they merge with a span they touch, or are spans that are never lost); a span that
-- started before the period it ended in is a lost customer, with the reason of its
-- last-ending subscription. Each customer's MRR at every month end over a customer x month
-- grid; a month with MRR 0 after one with MRR > 0 is a churn of that MRR, with the reason of
-- the last-ending paying subscription in force at the previous month end. Ties by
-- row_number() over the documented order.
CREATE FUNCTION pg_temp.by_reason(grain text, step interval, by_segment boolean)
RETURNS TABLE (segment text, period date, churn_reason text, lost_customers bigint, churned_mrr numeric)
LANGUAGE sql AS $$
WITH subs AS (
    SELECT s.customer_id, CASE WHEN by_segment THEN c.tier ELSE '(all)' END AS segment, s.started_at, s.ended_at, s.mrr,
           CASE WHEN btrim(s.reason) <> '' THEN btrim(s.reason) END AS reason
    FROM churn_src.subscriptions s JOIN churn_src.customers c ON c.id = s.customer_id),
last_period AS (SELECT date_trunc(grain, max(greatest(started_at, ended_at)))::date AS p FROM subs),
reach AS (
    SELECT customer_id, segment, started_at, ended_at,
           max(coalesce(ended_at, 'infinity')) OVER (PARTITION BY customer_id ORDER BY started_at, ended_at
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
    FROM subs WHERE ended_at IS NULL OR ended_at > started_at),
islands AS (
    SELECT *, count(*) FILTER (WHERE reached IS NULL OR started_at > reached)
                  OVER (PARTITION BY customer_id ORDER BY started_at, ended_at ROWS UNBOUNDED PRECEDING) AS span
    FROM reach),
spans AS (
    SELECT customer_id, segment, min(started_at) AS started_at, nullif(max(coalesce(ended_at, 'infinity')), 'infinity') AS ended_at
    FROM islands GROUP BY customer_id, segment, span),
lost AS (
    SELECT customer_id, segment, date_trunc(grain, ended_at)::date AS period, ended_at
    FROM spans WHERE ended_at IS NOT NULL AND started_at < date_trunc(grain, ended_at)),
lost_reason AS (
    SELECT l.segment, l.period, s.reason,
           row_number() OVER (PARTITION BY l.customer_id, l.ended_at ORDER BY s.mrr DESC, s.started_at DESC, s.reason COLLATE "C" NULLS LAST) AS pick
    FROM lost l JOIN subs s ON s.customer_id = l.customer_id AND s.ended_at = l.ended_at
    WHERE l.period <= (SELECT p FROM last_period)),
periods AS (
    SELECT p::date AS ps, (p + step)::date AS pe
    FROM generate_series(date_trunc(grain, (SELECT min(started_at) FROM subs)), (SELECT p FROM last_period), step) p),
grid AS (
    SELECT c.customer_id, c.segment, p.ps, coalesce(sum(s.mrr), 0) AS mrr
    FROM (SELECT DISTINCT customer_id, segment FROM subs) c CROSS JOIN periods p
    LEFT JOIN subs s ON s.customer_id = c.customer_id AND s.started_at < p.pe AND (s.ended_at IS NULL OR s.ended_at >= p.pe)
    GROUP BY 1, 2, 3),
churns AS (
    SELECT customer_id, segment, ps, previous_mrr
    FROM (SELECT g.*, lag(g.mrr) OVER (PARTITION BY g.customer_id ORDER BY g.ps) AS previous_mrr FROM grid g) x
    WHERE previous_mrr > 0 AND mrr = 0),
churn_reason AS (
    SELECT c.segment, c.ps AS period, c.previous_mrr, s.reason,
           row_number() OVER (PARTITION BY c.customer_id, c.ps ORDER BY s.ended_at DESC, s.mrr DESC, s.started_at DESC, s.reason COLLATE "C" NULLS LAST) AS pick
    FROM churns c JOIN subs s ON s.customer_id = c.customer_id AND s.mrr > 0 AND s.started_at < c.ps AND (s.ended_at IS NULL OR s.ended_at >= c.ps))
SELECT segment, period, coalesce(reason, 'unknown'), sum(lost)::bigint, sum(churned)
FROM (SELECT segment, period, reason, 1 AS lost, 0 AS churned FROM lost_reason WHERE pick = 1
      UNION ALL
      SELECT segment, period, reason, 0, previous_mrr FROM churn_reason WHERE pick = 1) e
GROUP BY 1, 2, 3
$$;

-- Compares a churn view with the plain SQL, row by row, and checks that the shares of each
-- period add up to 1.
CREATE FUNCTION pg_temp.compare(view_name text, period text, grain text, step interval, by_segment boolean)
RETURNS TABLE (rows bigint, mismatches bigint, periods_whose_shares_do_not_add_up bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE v.period IS NULL OR t.period IS NULL
                                          OR (v.lost_customers, v.churned_mrr) IS DISTINCT FROM (t.lost_customers, t.churned_mrr)),
               (SELECT count(*) FROM (SELECT 1 FROM churn.%2$I GROUP BY %3$s, %1$I
                                      HAVING NOT (abs(coalesce(sum(share_of_lost_customers), 1) - 1) < 1e-12
                                                  AND abs(coalesce(sum(share_of_churned_mrr), 1) - 1) < 1e-12)) d)
        FROM (SELECT %3$s AS segment, %1$I AS period, churn_reason, lost_customers, churned_mrr FROM churn.%2$I) v
        FULL JOIN pg_temp.by_reason(%4$L, %5$L, %6$L) t USING (segment, period, churn_reason)$q$,
        period, view_name, CASE WHEN by_segment THEN 'segment' ELSE '''(all)''::text' END, grain, step, by_segment);
END $$;

SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn', 'month', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('churn_by_reason_by_month', 'month', 'month', '1 month', false);
SELECT * FROM pg_temp.compare('churn_by_reason_by_month_by_segment', 'month', 'month', '1 month', true);
-- The reasons split the flow's lost customers and the MRR views' churned MRR exactly, in
-- every period and segment.
SELECT count(*) AS periods,
       count(*) FILTER (WHERE f.lost_customers IS DISTINCT FROM coalesce(r.lost, 0) OR m.churned_mrr IS DISTINCT FROM coalesce(r.churned, 0)) AS mismatches
FROM churn.customer_flow_by_month_by_segment f JOIN churn.mrr_by_month_by_segment m USING (segment, month)
LEFT JOIN (SELECT segment, month, sum(lost_customers) AS lost, sum(churned_mrr) AS churned
           FROM churn.churn_by_reason_by_month_by_segment GROUP BY 1, 2) r USING (segment, month);
SELECT churn_reason, sum(lost_customers) AS lost_customers, sum(churned_mrr) AS churned_mrr
FROM churn.churn_by_reason_by_month GROUP BY 1 ORDER BY 1;
SELECT as_of, top_churn_reason,
       (SELECT churn_reason FROM churn.churn_by_reason_by_month WHERE month = o.as_of
        ORDER BY lost_customers DESC, churned_mrr DESC, churn_reason COLLATE "C" LIMIT 1) AS expected
FROM churn.kpi_overview o;
-- kpi_overview reads churn by reason only for the customers with a subscription ending in
-- the latest period or later. Its top reason agrees with the whole view's at every cut-off
-- month of the data (the subscriptions as known then: started by the cut-off, and open when
-- they ended after it), each month a different latest period.
CREATE VIEW churn_src.subscriptions_then AS
SELECT customer_id, started_at, CASE WHEN ended_at <= current_setting('churn_test.cut')::date THEN ended_at END AS ended_at,
       mrr, CASE WHEN ended_at <= current_setting('churn_test.cut')::date THEN reason END AS reason
FROM churn_src.subscriptions WHERE started_at <= current_setting('churn_test.cut')::date;
SELECT register_source('subscriptions', 'churn_src.subscriptions_then', '{"churn_reason": "reason"}');
SET churn_test.cut = '2024-01-01';
SET client_min_messages = warning;
SELECT count(*) > 0 AS views_made FROM create_kpi_views('churn_then', 'month', time_zone => 'UTC');
RESET client_min_messages;
CREATE TEMP TABLE tops (cut date, as_of date, top_churn_reason text, expected text, lost_in_as_of bigint);
DO $$
DECLARE
    cut date;
BEGIN
    FOR cut IN SELECT d::date FROM generate_series(date '2022-03-20', date '2024-08-20', interval '1 month') d LOOP
        PERFORM set_config('churn_test.cut', cut::text, true);
        INSERT INTO tops
        SELECT cut, o.as_of, o.top_churn_reason,
               (SELECT r.churn_reason FROM churn_then.churn_by_reason_by_month r WHERE r.month = o.as_of
                ORDER BY r.lost_customers DESC, r.churned_mrr DESC, r.churn_reason COLLATE "C" LIMIT 1),
               (SELECT sum(r.lost_customers) FROM churn_then.churn_by_reason_by_month r WHERE r.month = o.as_of)
        FROM churn_then.kpi_overview o;
    END LOOP;
END $$;
SELECT count(*) AS cut_offs, count(DISTINCT as_of) AS latest_periods, count(DISTINCT top_churn_reason) AS top_reasons,
       min(lost_in_as_of) AS fewest_lost, count(*) FILTER (WHERE top_churn_reason IS DISTINCT FROM expected) AS mismatches
FROM tops;
SELECT register_source('subscriptions', 'churn_src.subscriptions', '{"churn_reason": "reason"}');

-- Other grains.
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn', 'week', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('churn_by_reason_by_week', 'week', 'week', '1 week', false);
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn', 'quarter', time_zone => 'UTC');
RESET client_min_messages;
SELECT * FROM pg_temp.compare('churn_by_reason_by_quarter_by_segment', 'quarter', 'quarter', '3 months', true);
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn', 'month', time_zone => 'UTC');
RESET client_min_messages;

-- Materialized: a unique index on the keys, the same rows, and a concurrent refresh that
-- follows a new reason.
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('churn_mat', 'month', materialized => true, time_zone => 'UTC');
RESET client_min_messages;
SELECT c.relname, pg_get_indexdef(i.indexrelid) AS unique_index
FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique
WHERE c.relnamespace = 'churn_mat'::regnamespace AND c.relname LIKE 'churn%' ORDER BY 1;
SELECT pg_temp.differing_rows('SELECT * FROM churn.churn_by_reason_by_month_by_segment', 'SELECT * FROM churn_mat.churn_by_reason_by_month_by_segment') AS differing_rows;
-- Both materialized views add up the helper churn_summaries (the events counted by segment,
-- period and reason, once), which gives the plain views' rows for all customers too.
SELECT pg_temp.differing_rows('SELECT * FROM churn.churn_by_reason_by_month', 'SELECT * FROM churn_mat.churn_by_reason_by_month') AS differing_rows_all;
SELECT v AS view, regress.scans(rtrim(pg_get_viewdef(v::regclass), ';'), 'churn_summaries') AS reads_summaries,
       regress.scans(rtrim(pg_get_viewdef(v::regclass), ';'), 'mrr_paths') AS reads_paths
FROM unnest(ARRAY['churn_mat.churn_by_reason_by_month', 'churn_mat.churn_by_reason_by_month_by_segment']) AS v;
-- The same rows as text, so that the numbers' scales agree too (0 against 0.00).
SELECT count(*) AS differing_texts
FROM ((SELECT t::text FROM churn.churn_by_reason_by_month t EXCEPT ALL SELECT t::text FROM churn_mat.churn_by_reason_by_month t)
      UNION ALL
      (SELECT t::text FROM churn_mat.churn_by_reason_by_month t EXCEPT ALL SELECT t::text FROM churn.churn_by_reason_by_month t)) d;
UPDATE churn_src.subscriptions SET reason = 'acquired' WHERE reason = 'closed';
SET client_min_messages = warning;
SELECT refresh_kpi_views('churn_mat') > 0 AS refreshed;
RESET client_min_messages;
SELECT churn_reason, sum(lost_customers) AS lost_customers FROM churn_mat.churn_by_reason_by_month
WHERE churn_reason IN ('acquired', 'closed') GROUP BY 1 ORDER BY 1;
SELECT pg_temp.differing_rows('SELECT * FROM churn.churn_by_reason_by_month', 'SELECT * FROM churn_mat.churn_by_reason_by_month') AS differing_rows_after_refresh;

-- Parallel plans (the sources scanned by workers; customer_mrr_changes over the stored paths
-- in the query of the helper of the materialized views) give the same rows as serial ones.
SELECT rtrim(pg_get_viewdef('churn_mat_internal.churn_summaries'::regclass), ';') AS mat_query \gset
SELECT * FROM pg_temp.serial_and_parallel('SELECT * FROM churn.churn_by_reason_by_month_by_segment', 'Gather');
SELECT * FROM pg_temp.serial_and_parallel(:'mat_query', 'Parallel Seq Scan on mrr_paths');

-- The views' time zone decides the period of a churn; the reader's does not matter.
SELECT unregister_source('customers');
SELECT register_source('subscriptions', 'churn_src.subs',
                       '{"customer_id": "account", "started_at": "started", "ended_at": "ended", "churn_reason": "Why?"}');
UPDATE churn_src.subs SET ended = '2024-03-31 20:00+00' WHERE account = 5;   -- April 1 in Kolkata
SET client_min_messages = warning;
SELECT count(*) FROM create_kpi_views('churn_kolkata', 'month', time_zone => 'Asia/Kolkata');
RESET client_min_messages;
SELECT month, churn_reason, lost_customers, churned_mrr FROM churn_kolkata.churn_by_reason_by_month WHERE churn_reason = 'unknown';
SELECT pg_temp.readings('churn_kolkata.churn_by_reason_by_month', ARRAY['UTC', 'Asia/Kolkata', 'America/St_Johns']) AS different_readings;

SET client_min_messages = warning;
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
DROP SCHEMA churn_src, churn, churn_internal, churn_mat, churn_mat_internal, churn_then, churn_then_internal, churn_kolkata, churn_kolkata_internal CASCADE;
RESET client_min_messages;

-- The health model as data: measures over a signals source (count, sum, avg, latest,
-- days_since, over the period or a trailing window), points measures, the long form
-- customer_health_measures, the checks made when a model row is inserted, and the signal
-- rows left out (data_issues). Every value is checked against plain SQL written here.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- A product-analytics table as a CRM sync would write it. Customer 9001, added here, is the
-- worked example: its signals are the hand-written rows below, and no random one.
INSERT INTO "CRM Data"."Customers" VALUES (9001, 'Small', 'Customer 9001');
INSERT INTO "CRM Data"."Sub""scriptions; DROP TABLE x; --" VALUES (9001, '2025-01-01', NULL, 100);
INSERT INTO t_customers VALUES ('9001');
INSERT INTO t_subs VALUES ('9001', '2025-01-01', NULL, 100);
CREATE TABLE "CRM Data"."product signals" ("Account" int, "At" timestamptz, "What" text, "Amount" numeric);
INSERT INTO "CRM Data"."product signals"
SELECT 1 + regress.rand_int(101, i, 0, 399), timestamptz '2025-01-01' + make_interval(secs => regress.rand_int(102, i, 0, 365 * 86400 - 1)),
       (ARRAY['login', 'login', 'login', 'seats', 'feature', 'sponsor_left'])[regress.rand_int(103, i, 1, 6)],
       CASE WHEN regress.rand(104, i) < 0.3 THEN NULL ELSE regress.rand_int(105, i, 0, 25) END
FROM generate_series(1, 8000) i;
-- ties: two values at the same latest instant
INSERT INTO "CRM Data"."product signals"
SELECT "Account", "At", "What", "Amount" + 3 FROM "CRM Data"."product signals" WHERE "What" = 'seats' AND "Amount" IS NOT NULL AND "Account" % 7 = 0;
INSERT INTO "CRM Data"."product signals" VALUES
    (9001, '2025-12-02 09:00+00', 'login', NULL), (9001, '2025-12-15 09:00+00', 'login', 2), (9001, '2025-12-30 18:00+00', 'login', NULL),
    (9001, '2025-11-20 12:00+00', 'login', NULL), (9001, '2025-10-01 12:00+00', 'login', NULL),
    (9001, '2025-12-03 10:00+00', 'seats', 5), (9001, '2025-12-20 10:00+00', 'seats', 9), (9001, '2025-12-20 10:00+00', 'seats', 4),
    (9001, '2025-09-01 10:00+00', 'seats', 7),
    (9001, '2025-12-05 10:00+00', 'feature', NULL), (9001, '2025-12-06 10:00+00', 'feature', NULL), (9001, '2025-11-06 10:00+00', 'feature', NULL),
    (9001, '2025-08-15 10:00+00', 'sponsor_left', NULL);
-- rows the views leave out, and list in data_issues
INSERT INTO "CRM Data"."product signals" VALUES
    (NULL, '2025-12-01', 'login', NULL), (5, NULL, 'login', NULL), (5, '2025-12-01', NULL, NULL), (5, '2025-12-01', 'seats', -2),
    (5, '2025-12-01', 'seats', 'NaN'), (4244, '2025-12-01', 'login', NULL);

-- The model can name a signal before a signals source is registered: nothing to check it
-- against yet, so a WARNING says so (the measure has no value until the source is there).
INSERT INTO health_measures (measure, weight, signal) VALUES ('logins', 20, 'login');
DELETE FROM health_measures WHERE measure = 'logins';
SELECT register_source('signals', '"CRM Data"."product signals"',
                       '{"customer_id": "Account", "occurred_at": "At", "signal": "What", "value": "Amount"}');
-- Each aggregation, over the period and over trailing windows; two points measures.
INSERT INTO health_measures (measure, weight, higher_is_better, normalization, lower_bound, upper_bound, signal, aggregation, look_back, impact) VALUES
    ('logins', 20, true, 'rank', NULL, NULL, 'login', 'count', NULL, NULL),
    ('logins_30d', 5, true, 'bounds', 0, 40, 'login', 'sum', '30 days', NULL),
    ('seats', 10, true, 'bounds', 0, 20, NULL, 'latest', '90 days', NULL),
    ('seat_avg', 5, false, 'rank', NULL, NULL, 'seats', 'avg', '1 year', NULL),
    ('last_login', 10, false, 'bounds', 0, 30, 'login', 'days_since', '1 year', NULL),
    ('feature', 1, true, 'rank', NULL, NULL, NULL, 'count', NULL, 10),
    ('sponsor_left', 1, true, 'rank', NULL, NULL, NULL, 'count', '6 months', -30);
SELECT measure, weight, normalization, lower_bound, upper_bound, signal, aggregation, look_back, impact FROM health_measures ORDER BY measure;
SELECT count(*) AS views_made FROM create_kpi_views('KPI "Views"');

-- The worked example, customer 9001 in December 2025 (the latest month; it ends 2026-01-01):
-- logins 3 (Dec 2, 15, 30); logins_30d 1 + 2 + 1 = 4 over Dec 2 .. 31, on bounds 0..40 = 10;
-- seats 4 (the last instant, Dec 20, has 9 and 4: the lower), on 0..20 = 20; seat_avg
-- (5 + 9 + 4 + 7) / 4 = 6.25 over the year; last_login 1.25 days before the period end
-- (Dec 30 18:00), lower is better on 0..30: 100 - 1.25 / 30 x 100 = 95.83; feature 2 in
-- December x 10 = 20 points; sponsor_left 1 in the 6 months x -30 = -30 points.
SELECT measure, raw_value, round(health::numeric, 2) AS health, weight, impact, points
FROM "KPI ""Views""".customer_health_measures WHERE customer_id = '9001' ORDER BY measure;
SELECT month, usage, tickets, round(health_score::numeric, 4) AS health_score, health_points, points_band, measures_scored
FROM "KPI ""Views""".customer_health WHERE customer_id = '9001';

-- The same for every customer, in plain SQL: the clean signal rows, the customers in force
-- at the end of December and of November, each measure's raw value from its rows in the
-- window, then rank or bounds, then the scores.
CREATE TEMP TABLE t_signals AS
SELECT "Account"::text AS customer_id, "At" AS at, "What" AS signal, coalesce("Amount", 1)::float8 AS value
FROM "CRM Data"."product signals"
WHERE "Account" IS NOT NULL AND "At" IS NOT NULL AND "What" IS NOT NULL AND coalesce("Amount", 0) >= 0 AND coalesce("Amount", 0) <> 'NaN'
  AND "Account"::text IN (SELECT id FROM t_customers);
CREATE INDEX ON t_signals (customer_id, signal);
ANALYZE t_signals;
CREATE TEMP TABLE t_scope AS
SELECT c.id AS customer_id, p.month, (p.month + interval '1 month')::date AS period_end
FROM t_customers c CROSS JOIN (VALUES (date '2025-11-01'), (date '2025-12-01')) AS p(month)
WHERE EXISTS (SELECT FROM t_subs s WHERE s.customer_id = c.id AND s.started_at < (p.month + interval '1 month')
                AND (s.ended_at IS NULL OR s.ended_at >= (p.month + interval '1 month')));
CREATE TEMP TABLE t_raw AS
SELECT s.customer_id, s.month, m.measure, m.weight, m.impact, m.normalization, m.lower_bound, m.upper_bound, m.higher_is_better,
       (SELECT CASE m.aggregation
                   WHEN 'count' THEN count(*)::float8
                   WHEN 'sum' THEN coalesce(sum(x.value), 0)
                   WHEN 'avg' THEN avg(x.value)
                   WHEN 'latest' THEN (array_agg(x.value ORDER BY x.at DESC, x.value))[1]
                   ELSE extract(epoch FROM s.period_end::timestamptz - max(x.at))::float8 / 86400 END
        FROM t_signals x
        WHERE x.customer_id = s.customer_id AND x.signal = coalesce(m.signal, m.measure)
          AND x.at >= coalesce(s.period_end - m.look_back, s.month)::date::timestamptz AND x.at < s.period_end::timestamptz) AS raw
FROM t_scope s CROSS JOIN health_measures m
WHERE m.measure NOT IN ('usage', 'nps', 'support', 'billing');
-- rank: p = 100 (L + (T - 1) / 2) / (n - 1) from the counts of each distinct value (L below it,
-- T equal), 50 when n = 1; bounds: clamp((x - lo) / (hi - lo), 0, 1) x 100; inverted when lower is better
CREATE TEMP TABLE t_ranks AS
SELECT month, measure, raw, t, sum(t) OVER (PARTITION BY month, measure ORDER BY raw) - t AS l,
       sum(t) OVER (PARTITION BY month, measure) AS n
FROM (SELECT month, measure, raw, count(*) AS t FROM t_raw WHERE raw IS NOT NULL GROUP BY 1, 2, 3) d;
CREATE TEMP TABLE t_health AS
SELECT r.*,
       CASE WHEN r.higher_is_better THEN p ELSE 100 - p END AS health
FROM (SELECT r.*,
             CASE WHEN r.impact IS NOT NULL OR r.raw IS NULL THEN NULL
                  WHEN r.normalization = 'bounds' THEN 100 * least(1, greatest(0, (r.raw - r.lower_bound) / (r.upper_bound - r.lower_bound)))
                  WHEN k.n = 1 THEN 50
                  ELSE 100 * (k.l + (k.t - 1) / 2.0) / (k.n - 1) END AS p
      FROM t_raw r LEFT JOIN t_ranks k ON k.month = r.month AND k.measure = r.measure AND k.raw = r.raw) r;
-- each measure's raw value and health, compared with the long form
SELECT t.measure, count(*) AS customers, count(t.raw) AS with_value,
       count(*) FILTER (WHERE v.raw_value IS DISTINCT FROM t.raw AND NOT abs(v.raw_value - t.raw) <= 1e-9) AS raw_mismatches,
       count(*) FILTER (WHERE v.health IS DISTINCT FROM t.health AND NOT abs(v.health - t.health) <= 1e-9) AS health_mismatches,
       count(*) FILTER (WHERE v.points IS DISTINCT FROM coalesce(t.raw, 0) * t.impact) AS points_mismatches,
       count(v.customer_id) = count(*) AS one_row_each
FROM t_health t
LEFT JOIN "KPI ""Views""".customer_health_measures v ON v.customer_id = t.customer_id AND v.measure = t.measure
WHERE t.month = '2025-12-01' GROUP BY t.measure ORDER BY t.measure;
-- the weighted score over built-in and signal measures (the built-in ones from the view's own
-- columns), the points score, for both months (the November score is previous_health_score)
CREATE TEMP TABLE t_scores AS
SELECT s.customer_id, s.month,
       sum(h.weight * h.health) FILTER (WHERE h.weight > 0 AND h.health IS NOT NULL) AS weighted,
       sum(h.weight) FILTER (WHERE h.weight > 0 AND h.health IS NOT NULL) AS weights,
       sum(coalesce(h.raw, 0) * h.impact) AS points
FROM t_scope s
JOIN (SELECT customer_id, month, weight, health, NULL::float8 AS raw, NULL::float8 AS impact FROM t_health WHERE impact IS NULL
      UNION ALL
      SELECT customer_id, month, NULL, NULL, raw, impact FROM t_health WHERE impact IS NOT NULL) h
  ON h.customer_id = s.customer_id AND h.month = s.month
GROUP BY s.customer_id, s.month;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE abs(v.health_score - (c.weighted + 40 * v.usage_health + 20 * v.support_health
                                                    + coalesce(10 * v.nps_health, 0) + coalesce(30 * v.billing_health, 0))
                                                   / (c.weights + 60 + CASE WHEN v.nps_health IS NULL THEN 0 ELSE 10 END
                                                      + CASE WHEN v.billing_health IS NULL THEN 0 ELSE 30 END)) > 1e-9) AS score_mismatches,
       count(*) FILTER (WHERE v.health_points IS DISTINCT FROM c.points) AS points_mismatches,
       count(*) FILTER (WHERE v.points_band IS DISTINCT FROM health_band(c.points)) AS band_mismatches,
       count(*) FILTER (WHERE v.health_points > 100) AS power_users,
       count(*) FILTER (WHERE v.previous_health_score IS NOT NULL) AS with_previous
FROM "KPI ""Views""".customer_health v JOIN t_scores c ON c.customer_id = v.customer_id AND c.month = v.month;
SELECT count(*) FILTER (WHERE (v.previous_health_score IS NOT NULL)
                        <> EXISTS (SELECT FROM t_scope s WHERE s.customer_id = v.customer_id AND s.month = '2025-11-01')) AS previous_mismatches,
       count(*) FILTER (WHERE NOT abs(v.health_trend - (v.health_score - v.previous_health_score)) <= 1e-9) AS trend_mismatches
FROM "KPI ""Views""".customer_health v;
-- The long form has one row per customer in force and measure of the model: the four
-- built-in ones (registered sources) and the seven signal measures.
SELECT count(DISTINCT customer_id) AS customers, count(*) AS rows, count(DISTINCT measure) AS measures
FROM "KPI ""Views""".customer_health_measures;
SELECT (SELECT count(*) FROM "KPI ""Views""".customer_health) AS customer_health_rows;

-- The plans scan the signal rows five times, whatever the number of customers and measures:
-- four for the latest event (all rows without the checks, those at the latest instant, those
-- of the two days before it, and all rows, which runs only when no row at the latest instant
-- passed the checks), one for the measures, matched to the windows of those naming their
-- signal (no customers x signals grid).
SELECT regress.scans('SELECT * FROM "KPI ""Views""".customer_health', '"product signals"') AS customer_health,
       regress.scans('SELECT * FROM "KPI ""Views""".customer_health_measures', '"product signals"') AS customer_health_measures;

-- Adding a measure: the plain views follow the model at once; customer_health keeps its
-- columns, the new measure is a row of customer_health_measures and counts in the score.
CREATE TEMP TABLE t_columns AS
SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
FROM information_schema.columns WHERE table_schema = 'KPI "Views"' AND table_name = 'customer_health';
CREATE TEMP TABLE t_before AS SELECT customer_id, health_score FROM "KPI ""Views""".customer_health;
INSERT INTO health_measures (measure, weight, signal, aggregation, look_back) VALUES ('logins_7d', 15, 'login', 'count', '7 days');
SELECT (SELECT columns FROM t_columns) = string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS same_columns
FROM information_schema.columns WHERE table_schema = 'KPI "Views"' AND table_name = 'customer_health';
SELECT count(*) AS rows, count(*) FILTER (WHERE raw_value = (SELECT count(*) FROM t_signals x WHERE x.customer_id = v.customer_id AND x.signal = 'login'
                                                                 AND x.at >= '2025-12-25' AND x.at < '2026-01-01')) AS raw_ok
FROM "KPI ""Views""".customer_health_measures v WHERE measure = 'logins_7d';
SELECT count(*) AS scores_changed FROM t_before b JOIN "KPI ""Views""".customer_health v USING (customer_id)
WHERE v.health_score IS DISTINCT FROM b.health_score;
-- weight 0 switches it off: shown, not counted
UPDATE health_measures SET weight = 0 WHERE measure = 'logins_7d';
SELECT count(*) AS scores_changed FROM t_before b JOIN "KPI ""Views""".customer_health v USING (customer_id)
WHERE v.health_score IS DISTINCT FROM b.health_score;
SELECT DISTINCT weight FROM "KPI ""Views""".customer_health_measures WHERE measure = 'logins_7d';
DELETE FROM health_measures WHERE measure = 'logins_7d';
-- a built-in measure as a points measure: tickets x -5 points
UPDATE health_measures SET impact = -5 WHERE measure = 'support';
SELECT count(*) FILTER (WHERE health_points IS DISTINCT FROM c.points - 5 * v.tickets) AS points_mismatches,
       count(*) FILTER (WHERE v.support_health IS NULL) AS support_health_null
FROM "KPI ""Views""".customer_health v JOIN t_scores c ON c.customer_id = v.customer_id AND c.month = v.month;
UPDATE health_measures SET impact = NULL WHERE measure = 'support';

-- Materialized, the same rows.
SET client_min_messages = warning;
SELECT count(*) AS materialized_views FROM create_kpi_views('health_mat', materialized => true);
RESET client_min_messages;
SELECT (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".customer_health EXCEPT SELECT * FROM health_mat.customer_health) d)
     + (SELECT count(*) FROM (SELECT * FROM health_mat.customer_health EXCEPT SELECT * FROM "KPI ""Views""".customer_health) d)
     + (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".customer_health_measures EXCEPT SELECT * FROM health_mat.customer_health_measures) d)
     + (SELECT count(*) FROM (SELECT * FROM health_mat.customer_health_measures EXCEPT SELECT * FROM "KPI ""Views""".customer_health_measures) d)
       AS rows_differing;

-- Signal rows without customer, time or signal, with a negative or NaN value, or of an
-- unknown customer are left out, and listed.
SELECT problem, customer_id, source_row FROM "KPI ""Views""".data_issues WHERE source = 'signals' ORDER BY problem, customer_id;

-- Model rows are checked when inserted or updated: one error per case, with its SQLSTATE.
SELECT c.label, regress.expect_error(c.statement) AS error
FROM (VALUES
    ('unknown aggregation', $$INSERT INTO csmetrics.health_measures (measure, aggregation) VALUES ('logins_median', 'median')$$),
    ('bounds not ascending', $$INSERT INTO csmetrics.health_measures (measure, signal, normalization, lower_bound, upper_bound) VALUES ('x', 'login', 'bounds', 10, 5)$$),
    ('equal bounds', $$INSERT INTO csmetrics.health_measures (measure, signal, normalization, lower_bound, upper_bound) VALUES ('x', 'login', 'bounds', 5, 5)$$),
    ('bounds missing', $$INSERT INTO csmetrics.health_measures (measure, signal, normalization, lower_bound) VALUES ('x', 'login', 'bounds', 0)$$),
    ('no bounds', $$INSERT INTO csmetrics.health_measures (measure, signal, normalization) VALUES ('x', 'login', 'bounds')$$),
    ('infinite bound', $$INSERT INTO csmetrics.health_measures (measure, signal, normalization, lower_bound, upper_bound) VALUES ('x', 'login', 'bounds', 0, 'infinity')$$),
    ('negative weight', $$INSERT INTO csmetrics.health_measures (measure, weight, signal) VALUES ('x', -1, 'login')$$),
    ('NaN weight', $$INSERT INTO csmetrics.health_measures (measure, weight, signal) VALUES ('x', 'NaN', 'login')$$),
    ('infinite weight', $$INSERT INTO csmetrics.health_measures (measure, weight, signal) VALUES ('x', 'infinity', 'login')$$),
    ('negative weight, update', $$UPDATE csmetrics.health_measures SET weight = -0.5 WHERE measure = 'usage'$$),
    ('unknown normalization', $$INSERT INTO csmetrics.health_measures (measure, signal, normalization) VALUES ('x', 'login', 'zscore')$$),
    ('infinite impact', $$INSERT INTO csmetrics.health_measures (measure, signal, impact) VALUES ('x', 'login', '-infinity')$$),
    ('zero look_back', $$INSERT INTO csmetrics.health_measures (measure, signal, look_back) VALUES ('x', 'login', '0 days')$$),
    ('negative look_back', $$INSERT INTO csmetrics.health_measures (measure, signal, look_back) VALUES ('x', 'login', '1 month -40 days')$$),
    ('built-in with a signal', $$INSERT INTO csmetrics.health_measures (measure, signal) VALUES ('usage', 'login')$$),
    ('built-in with an aggregation', $$UPDATE csmetrics.health_measures SET aggregation = 'sum' WHERE measure = 'usage'$$),
    ('built-in with a window', $$UPDATE csmetrics.health_measures SET look_back = '1 year' WHERE measure = 'nps'$$),
    ('empty name', $$INSERT INTO csmetrics.health_measures (measure, signal) VALUES ('', 'login')$$),
    ('NULL name', $$INSERT INTO csmetrics.health_measures (measure, signal) VALUES (NULL, 'login')$$),
    ('signal never seen', $$INSERT INTO csmetrics.health_measures (measure, weight) VALUES ('logouts', 10)$$),
    ('signal names are case-sensitive', $$INSERT INTO csmetrics.health_measures (measure, signal) VALUES ('x', 'Login')$$),
    ('a new signal, update', $$UPDATE csmetrics.health_measures SET signal = 'logon' WHERE measure = 'logins'$$),
    ('a known signal', $$INSERT INTO csmetrics.health_measures (measure, signal) VALUES ('x', 'login')$$)) AS c(label, statement);
DELETE FROM health_measures WHERE measure = 'x';
-- Other updates of a measure whose signal is unchanged are not checked against the data.
UPDATE health_measures SET weight = 25 WHERE measure = 'logins';
UPDATE health_measures SET weight = 20 WHERE measure = 'logins';
-- A signals source that is no longer valid cannot check: a WARNING says so.
ALTER TABLE "CRM Data"."product signals" RENAME COLUMN "What" TO "Kind";
INSERT INTO health_measures (measure, signal) VALUES ('x', 'anything');
ALTER TABLE "CRM Data"."product signals" RENAME COLUMN "Kind" TO "What";
DELETE FROM health_measures WHERE measure = 'x';
-- pg_restore loads the model with check_function_bodies off, maybe before the signals: the
-- rows are loaded as dumped (and the other checks still hold).
SET check_function_bodies = off;
INSERT INTO health_measures (measure, signal) VALUES ('x', 'not yet restored');
SELECT regress.expect_error($$INSERT INTO csmetrics.health_measures (measure, aggregation) VALUES ('y', 'median')$$);
RESET check_function_bodies;
DELETE FROM health_measures WHERE measure = 'x';
-- Without a signals source, the signal measures are left out of the views (the built-in ones
-- stay); create_kpi_views() after registering the source brings them back.
SELECT unregister_source('signals');
SELECT count(*) AS views_made FROM create_kpi_views('KPI "Views"');
SELECT measure, count(*) FROM "KPI ""Views""".customer_health_measures GROUP BY measure ORDER BY measure;
SELECT count(*) AS without_points FROM "KPI ""Views""".customer_health WHERE health_points IS NULL;

-- Back to the default model.
DELETE FROM health_measures WHERE measure NOT IN ('usage', 'nps', 'support', 'billing');
SELECT measure, weight, higher_is_better, normalization, lower_bound, upper_bound, signal, aggregation, look_back, impact
FROM health_measures ORDER BY measure;

-- Does the health score predict churn? health_score_validation(_by_segment): for each
-- validated period, the paying customers scored at its end, whether each stopped paying
-- within the next horizon_periods, the ROC AUC of the score, and churn rate and lift by health
-- band and score decile. A hand-computed example, then every figure against plain SQL on
-- the views suites' CRM.
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all

-- The worked example: seven accounts, monthly logins as the only measure (count on bounds
-- 0..10: 10 points a login), churn within the next month (horizon_periods 1), the two
-- months before that validated (look_back_periods 2). The latest event is in June 2024, so
-- March and April are validated, their outcomes read at the ends of April and May.
CREATE SCHEMA hv_src;
CREATE TABLE hv_src.accounts (id text, plan text);
CREATE TABLE hv_src.subs (account text, started date, ended date, mrr numeric);
CREATE TABLE hv_src.logins (account text, at timestamptz);
INSERT INTO hv_src.accounts VALUES ('A', 'pro'), ('B', 'pro'), ('C', 'pro'), ('D', 'basic'), ('E', 'basic'), ('F', 'basic'), ('G', 'basic');
INSERT INTO hv_src.subs VALUES
    ('A', '2024-01-01', NULL, 100),          -- pays throughout
    ('B', '2024-01-01', '2024-05-15', 100),  -- stops in May: churned, scored in April
    ('C', '2024-01-01', '2024-04-10', 100),  -- stops in April: churned, scored in March
    ('D', '2024-02-01', NULL, 0),            -- a free plan: never paying, never validated
    ('E', '2024-04-15', NULL, 50),           -- starts in April
    ('F', '2024-01-01', '2024-05-20', 50),   -- stops in May
    ('G', '2024-01-01', NULL, 50);
-- logins per account in March and in April (June: the latest event)
INSERT INTO hv_src.logins
SELECT l.account, m + (i || ' hours')::interval
FROM (VALUES ('A', date '2024-03-05', 8), ('B', '2024-03-05', 5), ('C', '2024-03-05', 2), ('G', '2024-03-05', 7), ('D', '2024-03-05', 9),
             ('A', '2024-04-05', 8), ('B', '2024-04-05', 6), ('E', '2024-04-20', 6), ('F', '2024-04-05', 3), ('G', '2024-04-05', 6),
             ('A', '2024-06-10', 1)) AS l(account, m, n),
     generate_series(1, l.n) AS i;
SELECT register_source('customers', 'hv_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('subscriptions', 'hv_src.subs', '{"customer_id": "account", "started_at": "started", "ended_at": "ended"}');
CREATE VIEW hv_src.signals AS SELECT account, at, 'login'::text AS signal FROM hv_src.logins;
SELECT register_source('signals', 'hv_src.signals', '{"customer_id": "account", "occurred_at": "at"}');
INSERT INTO health_measures (measure, weight, normalization, lower_bound, upper_bound, signal) VALUES ('logins', 1, 'bounds', 0, 10, 'login');
INSERT INTO health_validation_settings VALUES (1, 2);   -- replaces the settings row
SELECT * FROM health_validation_settings;
SET client_min_messages = warning;
SELECT count(*) AS views_made FROM create_kpi_views('hv');
RESET client_min_messages;
-- March: A 80, B 50, C 20, F 0, G 70 (D pays nothing); C stopped paying in April, the others
-- paid at the end of April: churn 1 / 5, and 3 of the 4 retained outscore C: AUC 3 / 4.
-- April: A 80, E 60, G 60 retained; B 60 and F 30 churned in May. Pairs 3 x 2 = 6: A wins
-- twice, E and G beat F and tie with B: AUC (4 + 2 x 1/2) / 6 = 0.8333.
SELECT period, level, band, horizon_periods, customers, churned, churn_rate, round(auc::numeric, 4) AS auc,
       band_customers, band_churned, band_churn_rate, round(lift::numeric, 4) AS lift, band_min_score, band_max_score
FROM hv.health_score_validation ORDER BY period, level, band;
SELECT segment, period, level, band, customers, churned, round(auc::numeric, 4) AS auc, band_customers, band_churned, lift
FROM hv.health_score_validation_by_segment WHERE level <> 'decile' ORDER BY segment, period, level, band;
-- The outcomes behind them (a helper relation, not granted to readers).
SELECT customer_id, month, horizon_periods, health_score, churned FROM hv_internal.health_outcomes ORDER BY month, customer_id;
-- A horizon of two months moves the validated months back to February and March, followed
-- to the ends of April and May: in February nobody has logged in yet (every score 0, AUC 0.5)
-- and C stops paying in April; in March B, C and F churn, all below A and G (AUC 1).
INSERT INTO health_validation_settings VALUES (2, 2);
SELECT period, customers, churned, round(auc::numeric, 4) AS auc FROM hv.health_score_validation WHERE level = 'overall' ORDER BY period;
UPDATE health_validation_settings SET horizon_periods = 1;
-- The settings are checked.
SELECT regress.expect_error($$UPDATE csmetrics.health_validation_settings SET horizon_periods = 0$$);
SELECT regress.expect_error($$UPDATE csmetrics.health_validation_settings SET look_back_periods = 1001$$);
SELECT regress.expect_error($$UPDATE csmetrics.health_validation_settings SET look_back_periods = NULL$$);
-- Without a row, the defaults (3 and 12) apply.
DELETE FROM health_validation_settings;
SELECT DISTINCT horizon_periods FROM hv.health_score_validation;
INSERT INTO health_validation_settings DEFAULT VALUES;
DELETE FROM health_measures WHERE measure = 'logins';

-- The views suites' CRM: two years of random subscriptions and events.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all
SET client_min_messages = warning;
SELECT count(*) AS materialized_views FROM create_kpi_views('health_mat', materialized => true);
RESET client_min_messages;
-- The latest event is in December 2025: the default horizon (3 months) leaves the twelve
-- months from September 2024 to August 2025, their outcomes read up to November 2025.
SELECT min(period), max(period), count(DISTINCT period) AS periods, min(horizon_periods), max(horizon_periods)
FROM "KPI ""Views""".health_score_validation;

-- Plain SQL: each customer's MRR at the end of each month from the clean subscriptions, the
-- paying customers of each validated month, and whether they paid at the end of each of the
-- next three months.
CREATE TEMP TABLE t_months AS
SELECT m::date AS month, (m + interval '1 month')::date AS period_end
FROM generate_series(date '2024-09-01', date '2025-11-01', interval '1 month') m;
CREATE TEMP TABLE t_paying AS
SELECT s.customer_id, m.month
FROM t_subs s JOIN t_months m ON s.started_at < m.period_end AND (s.ended_at IS NULL OR s.ended_at >= m.period_end)
GROUP BY s.customer_id, m.month HAVING sum(s.mrr) > 0;
CREATE TEMP TABLE t_outcomes AS
SELECT p.customer_id, p.month,
       (SELECT count(*) FROM t_paying n WHERE n.customer_id = p.customer_id AND n.month > p.month
          AND n.month <= (p.month + interval '3 months')::date) < 3 AS churned
FROM t_paying p WHERE p.month <= '2025-08-01';
-- The helper holds exactly the paying customers with a score, with the same outcomes.
SELECT count(*) AS outcomes, count(*) FILTER (WHERE o.customer_id IS NULL) AS missing,
       count(*) FILTER (WHERE t.customer_id IS NULL) AS extra,
       count(*) FILTER (WHERE o.churned IS DISTINCT FROM t.churned) AS churned_mismatches,
       count(*) FILTER (WHERE t.churned) AS churned
FROM t_outcomes t FULL JOIN "KPI ""Views""_internal".health_outcomes o ON o.customer_id::text = t.customer_id AND o.month = t.month;
-- Each month's figures from the outcomes: customers, churn, and the AUC by the rank-sum
-- formula (mid-ranks of the scores; U = sum of the retained ranks - n_r (n_r + 1) / 2).
CREATE TEMP TABLE t_scored AS
SELECT o.customer_id::text AS customer_id, o.month, o.health_score, t.churned
FROM "KPI ""Views""_internal".health_outcomes o JOIN t_outcomes t ON t.customer_id = o.customer_id::text AND t.month = o.month;
CREATE TEMP TABLE t_auc AS
SELECT month, count(*) AS customers, count(*) FILTER (WHERE churned) AS churned,
       (sum(midrank) FILTER (WHERE NOT churned) - count(*) FILTER (WHERE NOT churned) * (count(*) FILTER (WHERE NOT churned) + 1) / 2.0)
       / (count(*) FILTER (WHERE NOT churned) * count(*) FILTER (WHERE churned)) AS auc
FROM (SELECT s.*, rank() OVER (PARTITION BY month ORDER BY health_score)
                  + (count(*) OVER (PARTITION BY month, health_score) - 1) / 2.0 AS midrank
      FROM t_scored s) r
GROUP BY month;
SELECT count(*) AS months, sum(t.customers) AS customers, sum(t.churned) AS churned,
       count(*) FILTER (WHERE v.customers <> t.customers OR v.churned <> t.churned) AS count_mismatches,
       count(*) FILTER (WHERE abs(v.churn_rate - t.churned::float8 / t.customers) > 1e-12) AS rate_mismatches,
       count(*) FILTER (WHERE abs(v.auc - t.auc) > 1e-12) AS auc_mismatches,
       round(min(v.auc)::numeric, 4) AS min_auc, round(max(v.auc)::numeric, 4) AS max_auc
FROM t_auc t JOIN "KPI ""Views""".health_score_validation v ON v.period = t.month AND v.level = 'overall';
-- Bands and deciles: the customers of each, churn rate and lift; every band and decile row
-- carries its period's overall figures.
SELECT v.level, count(*) AS rows,
       count(*) FILTER (WHERE v.band_customers <> g.n OR v.band_churned <> g.c) AS count_mismatches,
       count(*) FILTER (WHERE abs(v.band_churn_rate - g.c::float8 / g.n) > 1e-12) AS rate_mismatches,
       count(*) FILTER (WHERE v.lift IS DISTINCT FROM (g.c::float8 / g.n) / nullif(t.churned::float8 / t.customers, 0)
                          AND NOT abs(v.lift - (g.c::float8 / g.n) / (t.churned::float8 / t.customers)) <= 1e-12) AS lift_mismatches,
       count(*) FILTER (WHERE v.band_min_score <> g.lo OR v.band_max_score <> g.hi) AS range_mismatches,
       count(*) FILTER (WHERE v.customers <> t.customers OR v.auc IS DISTINCT FROM o.auc) AS overall_mismatches
FROM "KPI ""Views""".health_score_validation v
JOIN (SELECT month, 'band' AS level, health_band(health_score) AS band, count(*) AS n, count(*) FILTER (WHERE churned) AS c,
             min(health_score) AS lo, max(health_score) AS hi
      FROM t_scored GROUP BY 1, 3
      UNION ALL
      SELECT month, 'decile', 'decile ' || lpad(d::text, 2, '0'), count(*), count(*) FILTER (WHERE churned), min(health_score), max(health_score)
      FROM (SELECT s.*, ntile(10) OVER (PARTITION BY month ORDER BY health_score, customer_id::int) AS d FROM t_scored s) x GROUP BY 1, 3) g
  ON g.month = v.period AND g.level = v.level AND g.band = v.band
JOIN t_auc t ON t.month = v.period
JOIN "KPI ""Views""".health_score_validation o ON o.period = v.period AND o.level = 'overall'
GROUP BY v.level ORDER BY v.level;
SELECT level, count(*) FROM "KPI ""Views""".health_score_validation GROUP BY level ORDER BY level;
-- By segment: each segment's rows from its customers alone; the segments add up to the whole.
SELECT count(*) AS segment_months,
       count(*) FILTER (WHERE s.customers <> g.n OR s.churned <> g.c) AS count_mismatches,
       count(*) FILTER (WHERE s.auc IS DISTINCT FROM g.auc AND NOT abs(s.auc - g.auc) <= 1e-12) AS auc_mismatches
FROM "KPI ""Views""".health_score_validation_by_segment s
JOIN (SELECT k.segment, x.month, count(*) AS n, count(*) FILTER (WHERE x.churned) AS c,
             roc_auc(x.health_score, x.churned) AS auc
      FROM t_scored x JOIN "KPI ""Views""_internal".customers k ON k.customer_id::text = x.customer_id GROUP BY 1, 2) g
  ON g.segment = s.segment AND g.month = s.period
WHERE s.level = 'overall';
SELECT count(*) AS months_not_adding_up
FROM (SELECT period, sum(customers) AS customers, sum(churned) AS churned FROM "KPI ""Views""".health_score_validation_by_segment
      WHERE level = 'overall' GROUP BY period) s
JOIN "KPI ""Views""".health_score_validation v ON v.period = s.period AND v.level = 'overall'
WHERE (s.customers, s.churned) IS DISTINCT FROM (v.customers, v.churned);
-- The scores of the validated months are the model's: with usage alone, each month's score is
-- the percentile rank of the customer's usage among the customers in force then.
UPDATE health_measures SET weight = 0 WHERE measure <> 'usage';
CREATE TEMP TABLE t_usage AS
SELECT c.id AS customer_id, m.month, coalesce(u.usage, 0) AS usage
FROM t_customers c CROSS JOIN t_months m
LEFT JOIN (SELECT customer_id::text AS customer_id, date_trunc('month', occurred_at)::date AS month, sum(coalesce(quantity, 1)) AS usage
           FROM "CRM Data".usage_events WHERE occurred_at IS NOT NULL AND coalesce(quantity, 0) >= 0 GROUP BY 1, 2) u
  ON u.customer_id = c.id AND u.month = m.month
WHERE m.month <= '2025-08-01'
  AND EXISTS (SELECT FROM t_subs s WHERE s.customer_id = c.id AND s.started_at < m.period_end AND (s.ended_at IS NULL OR s.ended_at >= m.period_end));
SELECT count(*) AS scored, count(*) FILTER (WHERE abs(o.health_score - r.p) > 1e-9) AS score_mismatches
FROM "KPI ""Views""_internal".health_outcomes o
JOIN (SELECT customer_id, month,
             100 * ((count(*) FILTER (WHERE u2 < usage)) + (count(*) FILTER (WHERE u2 = usage) - 1) / 2.0) / (count(*) - 1) AS p
      FROM (SELECT a.customer_id, a.month, a.usage, b.usage AS u2 FROM t_usage a JOIN t_usage b USING (month)) x
      GROUP BY customer_id, month, usage) r ON r.customer_id = o.customer_id::text AND r.month = o.month;
UPDATE health_measures SET weight = CASE measure WHEN 'nps' THEN 10 WHEN 'support' THEN 20 WHEN 'billing' THEN 30 ELSE weight END;

-- Materialized and plain give the same rows; parallel plans too.
SELECT (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".health_score_validation EXCEPT SELECT * FROM health_mat.health_score_validation) d)
     + (SELECT count(*) FROM (SELECT * FROM health_mat.health_score_validation EXCEPT SELECT * FROM "KPI ""Views""".health_score_validation) d)
     + (SELECT count(*) FROM (SELECT * FROM "KPI ""Views""".health_score_validation_by_segment
                              EXCEPT SELECT * FROM health_mat.health_score_validation_by_segment) d) AS rows_differing;
CREATE TEMP TABLE t_serial AS SELECT * FROM "KPI ""Views""".health_score_validation_by_segment;
SELECT regress.force_parallel();
SELECT count(*) AS rows_differing_in_parallel
FROM (SELECT * FROM "KPI ""Views""".health_score_validation_by_segment EXCEPT SELECT * FROM t_serial) d;
RESET ALL;
SET search_path = csmetrics, public;

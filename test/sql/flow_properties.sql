SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA flow_properties_suite;
SET search_path = flow_properties_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- 24 000 deterministic pseudo-random spans over 2019-2025, with many starts and ends exactly on month and
-- week boundaries (the boundary rules matter there), zero-length spans and open spans.
CREATE TABLE spans AS
SELECT id, segment, started_at,
       CASE WHEN r_end < 0.3 THEN NULL
            WHEN r_end < 0.35 THEN started_at
            WHEN r_end < 0.55 THEN greatest(started_at, date_trunc('month', started_at + make_interval(secs => regress.rand_int(4, id, 0, 900 * 86400))))
            WHEN r_end < 0.65 THEN greatest(started_at, date_trunc('week', started_at + make_interval(secs => regress.rand_int(4, id, 0, 400 * 86400))))
            ELSE started_at + make_interval(secs => regress.rand_int(4, id, 0, 1200 * 86400)) END AS ended_at
FROM (SELECT id, (ARRAY['smb', 'mid', 'ent', 'gov'])[1 + (id % 4)] AS segment,
             CASE WHEN r_start < 0.25 THEN date_trunc('month', t)
                  WHEN r_start < 0.35 THEN date_trunc('week', t)
                  ELSE t END AS started_at,
             r_end
      -- (whole seconds through make_interval: integral arithmetic, computed alike by every
      -- PostgreSQL version, where an interval times a fraction would round)
      FROM (SELECT g AS id, timestamptz '2019-01-01' + make_interval(secs => regress.rand_int(1, g, 0, 2373 * 86400 - 1)) AS t,
                   regress.rand(2, g) AS r_start, regress.rand(3, g) AS r_end
            FROM generate_series(1, 24000) g) raw) s;
ANALYZE spans;
SELECT count(*) AS spans, count(*) FILTER (WHERE ended_at IS NULL) AS open_spans,
       count(*) FILTER (WHERE ended_at = started_at) AS zero_length,
       count(*) FILTER (WHERE started_at = date_trunc('month', started_at)) AS month_starts
FROM spans;

-- The conditions of docs/flow.md, period by period: the naive reference.
CREATE FUNCTION naive_flows(first timestamptz, len interval, n int)
RETURNS TABLE (k int, period_start timestamptz, period_end timestamptz, s bigint, nw bigint, l bigint, ln bigint, e bigint)
LANGUAGE sql AS $$
    SELECT p.k, p.ps, p.pe,
           count(*) FILTER (WHERE started_at < ps AND (ended_at IS NULL OR ended_at >= ps)),
           count(*) FILTER (WHERE ps <= started_at AND started_at < pe),
           count(*) FILTER (WHERE started_at < ps AND ps <= ended_at AND ended_at < pe),
           count(*) FILTER (WHERE ps <= started_at AND ended_at < pe),
           count(*) FILTER (WHERE started_at < pe AND (ended_at IS NULL OR ended_at >= pe))
    FROM (SELECT k, first + k * len AS ps, first + (k + 1) * len AS pe
          FROM generate_series(0, n - 1) k) p
    CROSS JOIN spans
    GROUP BY p.k, p.ps, p.pe
$$;

-- customer_flows against the naive count, for monthly, weekly and quarterly series.
CREATE FUNCTION flows_mismatches(first timestamptz, len interval, n int) RETURNS bigint
LANGUAGE sql AS $$
    SELECT count(*)
    FROM (SELECT (ordinality - 1)::int AS k, f.*
          FROM unnest((SELECT customer_flows(started_at, ended_at, first, len, n) FROM spans))
               WITH ORDINALITY f) c
    FULL JOIN naive_flows(first, len, n) r USING (k)
    WHERE (c.period_start, c.period_end, c.customers_start, c.new_customers, c.lost_customers,
           c.lost_new_customers, c.customers_end)
          IS DISTINCT FROM (r.period_start, r.period_end, r.s, r.nw, r.l, r.ln, r.e)
$$;
SELECT flows_mismatches('2019-06-01', '1 month', 60) AS monthly,
       flows_mismatches('2019-06-03', '1 week', 200) AS weekly,
       flows_mismatches('2019-01-01', '3 months', 26) AS quarterly,
       flows_mismatches('2019-01-31', '1 month', 40) AS month_ends,
       flows_mismatches('2019-03-10 12:00', '10 days 6 hours', 100) AS odd_length;
SELECT * FROM naive_flows('2019-06-01', '1 month', 60) WHERE k IN (0, 1, 30, 59) ORDER BY k;
-- In a time zone with daylight-saving changes, boundaries stay on local midnights and still
-- match the naive count (both compute first + k * length in the session time zone).
SET TimeZone = 'Europe/Berlin';
SELECT flows_mismatches('2019-06-01', '1 month', 60) AS monthly_berlin,
       flows_mismatches('2019-06-03', '1 week', 150) AS weekly_berlin;
SELECT period_start, period_end FROM unnest((SELECT customer_flows(started_at, ended_at, '2021-03-22', '1 week', 2) FROM spans));
SET TimeZone = 'UTC';
SELECT (unnest(customer_flows(started_at, ended_at, '2019-01-01', interval '3 months', 26))).*
FROM spans LIMIT 3;

-- The one-period aggregates against the naive count and the SQL formulas.
CREATE TABLE months AS
SELECT timestamptz '2019-06-01' + k * interval '1 month' AS ps,
       timestamptz '2019-06-01' + (k + 1) * interval '1 month' AS pe
FROM generate_series(0, 59) k;
CREATE TABLE per_month AS
SELECT ps, customer_flow(started_at, ended_at, ps, pe) AS f,
       churn_rate(started_at, ended_at, ps, pe) AS churn,
       retention_rate(started_at, ended_at, ps, pe) AS retention
FROM months CROSS JOIN spans GROUP BY ps;
SELECT count(*) AS months,
       count(*) FILTER (WHERE ((f).customers_start, (f).new_customers, (f).lost_customers,
                               (f).lost_new_customers, (f).customers_end)
                              IS DISTINCT FROM (r.s, r.nw, r.l, r.ln, r.e)) AS flow_mismatches,
       count(*) FILTER (WHERE abs(churn - r.l::float8 / r.s) >= 1e-12) AS churn_mismatches,
       count(*) FILTER (WHERE abs(retention - (r.e - r.nw)::float8 / r.s) >= 1e-12) AS retention_mismatches,
       count(*) FILTER (WHERE abs(churn_rate(f) - churn) >= 1e-12
                           OR abs(churn_rate(f, true) - (r.l + r.ln)::float8 / r.s) >= 1e-12
                           OR abs(retention_rate(f) - retention) >= 1e-12) AS accessor_mismatches,
       count(*) FILTER (WHERE (f).customers_end <> (f).customers_start + (f).new_customers
                               - (f).lost_customers - (f).lost_new_customers) AS identity_violations
FROM per_month p JOIN naive_flows('2019-06-01', '1 month', 60) r ON r.period_start = p.ps;
SELECT ps, (f).customers_start, (f).lost_customers, round(churn::numeric, 6) AS churn,
       round(retention::numeric, 6) AS retention, round(annualized_churn(churn)::numeric, 6) AS annual
FROM per_month ORDER BY ps LIMIT 3;

-- date and timestamptz agree (spans cut to whole days).
SELECT count(*) AS date_vs_timestamptz_mismatches
FROM unnest((SELECT customer_flows(started_at::date, ended_at::date, date '2019-06-01', '1 month', 60) FROM spans))
     WITH ORDINALITY d
FULL JOIN unnest((SELECT customer_flows(started_at::date::timestamptz, ended_at::date::timestamptz,
                                        timestamptz '2019-06-01', '1 month', 60) FROM spans))
     WITH ORDINALITY t USING (ordinality)
WHERE row(d.*) IS DISTINCT FROM row(t.*);
SELECT count(*) AS date_one_period_mismatches
FROM months m
WHERE (SELECT customer_flow(started_at::date, ended_at::date, m.ps::date, m.pe::date) FROM spans)
      IS DISTINCT FROM
      (SELECT customer_flow(started_at::date::timestamptz, ended_at::date::timestamptz, m.ps, m.pe) FROM spans);

-- Segments: rollup of the per-segment flows equals the flow of all spans, and per-segment
-- series (GROUP BY segment) add up to the total series.
SELECT count(*) AS rollup_mismatches
FROM (SELECT ps, rollup(f) AS total
      FROM (SELECT ps, segment, customer_flow(started_at, ended_at, ps, pe) AS f
            FROM months CROSS JOIN spans GROUP BY ps, segment) seg
      GROUP BY ps) r
JOIN per_month p USING (ps)
WHERE r.total IS DISTINCT FROM p.f;
WITH seg AS (
    SELECT segment, customer_flows(started_at, ended_at, '2019-06-01', '1 month', 60) AS fs
    FROM spans GROUP BY segment
), seg_sum AS (
    SELECT ordinality AS k, sum((f).customers_start) AS s, sum((f).new_customers) AS n,
           sum((f).lost_customers) AS l, sum((f).lost_new_customers) AS ln, sum((f).customers_end) AS e
    FROM seg, unnest(fs) WITH ORDINALITY f GROUP BY ordinality
)
SELECT count(*) AS segment_series_mismatches
FROM seg_sum JOIN naive_flows('2019-06-01', '1 month', 60) r ON r.k = seg_sum.k - 1
WHERE (seg_sum.s, seg_sum.n, seg_sum.l, seg_sum.ln, seg_sum.e) IS DISTINCT FROM (r.s, r.nw, r.l, r.ln, r.e);
SELECT segment, (f).* FROM (
    SELECT segment, customer_flow(started_at, ended_at, '2022-01-01', '2022-02-01') AS f
    FROM spans GROUP BY segment) x ORDER BY segment;

-- Parallel plans (Partial Aggregate, combine functions) give identical results.
CREATE TABLE serial_results AS
SELECT segment, customer_flow(started_at, ended_at, '2022-01-01', '2022-02-01')::text AS flow,
       churn_rate(started_at, ended_at, '2022-01-01', '2022-02-01') AS churn,
       customer_flows(started_at, ended_at, '2019-06-01', '1 month', 60)::text AS flows
FROM spans GROUP BY segment;
SELECT regress.force_parallel();
SELECT regress.plan_has($$SELECT customer_flows(started_at, ended_at, '2019-06-01', '1 month', 60) FROM spans$$,
                        'Partial Aggregate') AS series_parallel,
       regress.plan_has($$SELECT segment, customer_flow(started_at, ended_at, '2022-01-01', '2022-02-01') FROM spans GROUP BY segment$$,
                        'Partial') AS flow_parallel;
SELECT count(*) AS parallel_mismatches
FROM (SELECT segment, customer_flow(started_at, ended_at, '2022-01-01', '2022-02-01')::text AS flow,
             churn_rate(started_at, ended_at, '2022-01-01', '2022-02-01') AS churn,
             customer_flows(started_at, ended_at, '2019-06-01', '1 month', 60)::text AS flows
      FROM spans GROUP BY segment) p
FULL JOIN serial_results s USING (segment)
WHERE (p.flow, p.churn, p.flows) IS DISTINCT FROM (s.flow, s.churn, s.flows);
SELECT count(*) AS parallel_total_mismatches
FROM unnest((SELECT customer_flows(started_at, ended_at, '2019-06-01', '1 month', 60) FROM spans)) WITH ORDINALITY c
JOIN naive_flows('2019-06-01', '1 month', 60) r ON r.k = c.ordinality - 1
WHERE (c.customers_start, c.new_customers, c.lost_customers, c.lost_new_customers, c.customers_end)
      IS DISTINCT FROM (r.s, r.nw, r.l, r.ln, r.e);
-- rollup of stored flows in parallel, month by month (flows of 100 small segments)
CREATE TABLE seg_flows AS
SELECT ps, id % 100 AS segment, customer_flow(started_at, ended_at, ps, pe) AS f
FROM months CROSS JOIN spans GROUP BY ps, id % 100;
ANALYZE seg_flows;
SELECT regress.plan_has($$SELECT rollup(f) AS r FROM seg_flows WHERE ps = '2022-01-01'$$, 'Partial Aggregate') AS rollup_parallel;
SELECT r IS NOT DISTINCT FROM (SELECT f FROM per_month WHERE ps = '2022-01-01') AS parallel_rollup_equals_total,
       (r).customers_start, (r).customers_end
FROM (SELECT rollup(f) AS r FROM seg_flows WHERE ps = '2022-01-01') x;
SELECT count(*) AS parallel_rollup_mismatches
FROM months m JOIN per_month p USING (ps)
WHERE (SELECT rollup(f) FROM seg_flows s WHERE s.ps = m.ps) IS DISTINCT FROM p.f;
SELECT regress.serial();

-- Window frames (moving-aggregate mode with inverse transitions) against recomputation.
CREATE TABLE w AS SELECT * FROM spans WHERE id <= 3000;
-- ROWS: the last 200 spans by id
SELECT count(*) FILTER (WHERE bad) AS rows_frame_mismatches, count(*) AS frames,
       sum((win).customers_start) AS sum_start, round(avg(win_churn)::numeric, 6) AS avg_churn
FROM (SELECT x.*,
             win IS DISTINCT FROM
                 (SELECT customer_flow(started_at, ended_at, '2022-01-01', '2022-02-01')
                  FROM w w2 WHERE w2.id BETWEEN x.id - 199 AND x.id)
             OR win_churn IS DISTINCT FROM
                 (SELECT churn_rate(started_at, ended_at, '2022-01-01', '2022-02-01')
                  FROM w w2 WHERE w2.id BETWEEN x.id - 199 AND x.id) AS bad
      FROM (SELECT id, customer_flow(started_at, ended_at, '2022-01-01', '2022-02-01')
                       OVER (ORDER BY id ROWS BETWEEN 199 PRECEDING AND CURRENT ROW) AS win,
                   churn_rate(started_at, ended_at, '2022-01-01', '2022-02-01')
                       OVER (ORDER BY id ROWS BETWEEN 199 PRECEDING AND CURRENT ROW) AS win_churn
            FROM w) x) y;
-- RANGE: spans that started 1 to 90 days before this one (a sliding frame, often empty)
SELECT count(*) FILTER (WHERE bad) AS range_frame_mismatches, count(*) AS frames,
       count(*) FILTER (WHERE win IS NULL) AS empty_frames,
       sum((win[10]).new_customers) AS sum_new_in_period_10
FROM (SELECT x.*,
             win IS DISTINCT FROM
                 (SELECT customer_flows(started_at, ended_at, '2019-01-01', '3 months', 26)
                  FROM w w2 WHERE w2.started_at BETWEEN x.started_at - interval '90 days'
                                                    AND x.started_at - interval '1 day') AS bad
      FROM (SELECT id, started_at,
                   customer_flows(started_at, ended_at, '2019-01-01', '3 months', 26)
                       OVER (ORDER BY started_at RANGE BETWEEN interval '90 days' PRECEDING
                                                          AND interval '1 day' PRECEDING) AS win
            FROM w) x) y;
-- rollup of stored segment flows over a sliding 2-row window within each month
SELECT count(*) FILTER (WHERE win IS DISTINCT FROM (SELECT rollup(v) FROM (VALUES (f), (prev)) t(v)))
           AS rollup_window_mismatches,
       count(*) AS windows, sum((win).customers_start) AS sum_start
FROM (SELECT f, lag(f) OVER o AS prev, rollup(f) OVER (o ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS win
      FROM (SELECT ps, segment, customer_flow(started_at, ended_at, ps, pe) AS f
            FROM months CROSS JOIN spans GROUP BY ps, segment) seg
      WINDOW o AS (PARTITION BY ps ORDER BY segment)) x;

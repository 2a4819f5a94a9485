-- Revenue properties: parallel plans equal serial ones, window frames equal recomputation,
-- and the transition state round-trips through its text and binary forms.
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA revenue_properties_suite;
SET search_path = revenue_properties_suite, csmetrics, public;

-- 2000 customers x 24 months, gap-free (MRR 0 when not paying), amounts with 0 to 4
-- fraction digits so the fixed-point scale changes while summing.
CREATE TABLE pmrr AS
SELECT c AS customer, (c % 4) AS segment, (date '2022-01-01' + make_interval(months => m))::date AS month,
       CASE WHEN regress.rand(1, k) < 0.15 THEN 0
            WHEN regress.rand(2, k) < 0.5 THEN (20 + c % 9 * 10)::numeric
            ELSE round((20 + c % 9 * 10) * (0.5 + regress.rand(3, k))::numeric, (c % 5)) END AS mrr
FROM generate_series(1, 2000) c, generate_series(0, 23) m, LATERAL (SELECT c * 100 + m AS k) n;
CREATE TABLE pmov AS
SELECT customer, segment, month, mrr AS curr, coalesce(lag(mrr) OVER w, 0) AS prev,
       coalesce(bool_or(mrr > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen
FROM pmrr WINDOW w AS (PARTITION BY customer ORDER BY month);
SELECT count(*) AS rows FROM pmov;
ANALYZE pmov;

-- Serial results.
CREATE TABLE serial_month AS
SELECT month, mrr_movements(prev, curr, seen) AS m FROM pmov GROUP BY month;
CREATE TABLE serial_total AS
SELECT mrr_movements(prev, curr, seen) AS m, nrr(prev, curr) AS nrr, grr(prev, curr) AS grr FROM pmov;
CREATE TABLE serial_segment AS
SELECT segment, month, mrr_movements(prev, curr, seen) AS m FROM pmov GROUP BY segment, month;

-- The same with parallel workers forced; the plans show Partial Aggregate.
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT mrr_movements(prev, curr, seen) FROM pmov', 'Partial Aggregate') AS movements_parallel,
       regress.plan_has('SELECT nrr(prev, curr), grr(prev, curr) FROM pmov', 'Partial Aggregate') AS cohort_parallel,
       regress.plan_has('SELECT rollup(m) FROM serial_segment', 'Partial Aggregate') AS rollup_parallel,
       regress.plan_has('SELECT month, mrr_movements(prev, curr, seen) FROM pmov GROUP BY month', 'Partial') AS grouped_parallel;
SELECT count(*) FILTER (WHERE p.m::text IS DISTINCT FROM s.m::text) AS total_mismatches,
       count(*) FILTER (WHERE p.nrr IS DISTINCT FROM s.nrr OR p.grr IS DISTINCT FROM s.grr) AS cohort_mismatches
FROM (SELECT mrr_movements(prev, curr, seen) AS m, nrr(prev, curr) AS nrr, grr(prev, curr) AS grr FROM pmov) p,
     serial_total s;
SELECT count(*) AS months, count(*) FILTER (WHERE p.m::text IS DISTINCT FROM s.m::text) AS mismatches
FROM (SELECT month, mrr_movements(prev, curr, seen) AS m FROM pmov GROUP BY month) p
JOIN serial_month s USING (month);
SELECT count(*) FILTER (WHERE p.m::text IS DISTINCT FROM s.m::text) AS rollup_mismatches
FROM (SELECT rollup(m) AS m FROM serial_segment) p,
     serial_total s;
SELECT regress.serial();
SELECT (m).* FROM serial_total;

-- Window frames: sliding ROWS and RANGE frames (inverse transitions, including dropping
-- the only amounts with the most fraction digits) against recomputing each frame.
CREATE TABLE seg_month AS
SELECT segment, month, prev, curr, seen,
       row_number() OVER (PARTITION BY segment ORDER BY month, customer) AS rn
FROM pmov WHERE customer <= 200;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.m::text IS DISTINCT FROM r.m::text) AS mismatches,
       count(*) FILTER (WHERE w.m IS NULL) AS empty_frames
FROM (SELECT segment, rn,
             mrr_movements(prev, curr, seen) OVER (PARTITION BY segment ORDER BY rn
                                                   ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING) AS m
      FROM seg_month) w
JOIN LATERAL (SELECT mrr_movements(prev, curr, seen) AS m FROM seg_month r
              WHERE r.segment = w.segment AND r.rn BETWEEN w.rn - 7 AND w.rn - 1) r ON true;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.m::text IS DISTINCT FROM r.m::text) AS mismatches
FROM (SELECT DISTINCT segment, month,
             mrr_movements(prev, curr, seen) OVER (PARTITION BY segment ORDER BY month
                 RANGE BETWEEN interval '2 months' PRECEDING AND CURRENT ROW) AS m
      FROM seg_month) w
JOIN LATERAL (SELECT mrr_movements(prev, curr, seen) AS m FROM seg_month r
              WHERE r.segment = w.segment AND r.month BETWEEN w.month - interval '2 months' AND w.month) r ON true;
-- A frame that drops the only 4-digit amount shows fewer digits again, like sum().
SELECT x, (mrr_movements(p, c, true) OVER w).ending_mrr, sum(c) OVER w AS sql_sum
FROM (VALUES (1, 0::numeric, 1.2345::numeric), (2, 0, 2.5), (3, 0, 3), (4, 0, 4.25)) v(x, p, c)
WINDOW w AS (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY x;
-- Frames that empty out and fill again start afresh (fraction digits as sum() shows them).
SELECT x, (mrr_movements(0, c, false) OVER w).new_mrr, sum(c) OVER w AS sql_sum
FROM (VALUES (1, 1.5::numeric), (2, 2.25), (3, 3), (4, 0.125)) v(x, c)
WINDOW w AS (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING) ORDER BY x;
-- rollup and the cohort aggregates over sliding frames.
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.m::text IS DISTINCT FROM r.m::text) AS rollup_mismatches,
       count(*) FILTER (WHERE w.nrr IS DISTINCT FROM r.nrr OR w.grr IS DISTINCT FROM r.grr) AS cohort_mismatches
FROM (SELECT month,
             rollup(m) OVER (ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS m,
             nrr(sp, ep) OVER (ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS nrr,
             grr(sp, ep) OVER (ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS grr
      FROM (SELECT month, m, (m).starting_mrr AS sp, (m).ending_mrr AS ep FROM serial_month) x) w
JOIN LATERAL (SELECT rollup(m) AS m, nrr((m).starting_mrr, (m).ending_mrr) AS nrr,
                     grr((m).starting_mrr, (m).ending_mrr) AS grr
              FROM serial_month s
              WHERE s.month BETWEEN w.month - interval '2 months' AND w.month) r ON true;

-- The transition state: text and binary forms read back exactly.
CREATE AGGREGATE regress.mrr_state(numeric, numeric, boolean) (
    SFUNC = csmetrics.mrr_movements_trans, STYPE = csmetrics.mrr_movements_state,
    COMBINEFUNC = csmetrics.mrr_movements_combine);
CREATE TABLE states AS
SELECT segment, regress.mrr_state(prev, curr, seen) AS s FROM pmov GROUP BY segment;
SELECT segment, s FROM states ORDER BY segment;
SELECT count(*) FILTER (WHERE s::text::mrr_movements_state::text <> s::text) AS text_mismatches,
       count(*) FILTER (WHERE mrr_movements_final(s::text::mrr_movements_state)::text
                        <> (SELECT mrr_movements(prev, curr, seen)::text FROM pmov p
                            WHERE p.segment = states.segment)) AS final_mismatches
FROM states;
SELECT 'v1;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state AS empty_state,
       mrr_movements_final('v1;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0') IS NULL AS empty_is_null,
       (mrr_movements_final('v1;2;2;1;2;1000,1500,500,0,0,0,0;1,2,1,0,0,0,0')).*;
CREATE TEMP TABLE states_copy (segment int, s mrr_movements_state);
DO $$
DECLARE
    -- inside the throw-away server's data directory, which goes away with it
    f text := current_setting('data_directory') || '/csm_revenue_' || pg_backend_pid() || '.bin';
BEGIN
    EXECUTE format('COPY states TO %L (FORMAT binary)', f);
    EXECUTE format('COPY states_copy FROM %L (FORMAT binary)', f);
END $$;
SELECT count(*) AS rows, count(*) FILTER (WHERE a.s::text <> b.s::text) AS binary_mismatches,
       min(length(mrr_movements_state_send(a.s))) AS send_bytes
FROM states a JOIN states_copy b USING (segment);

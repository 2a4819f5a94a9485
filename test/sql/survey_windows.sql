-- Survey aggregates as sliding window aggregates (moving-aggregate mode, with inverse
-- transitions) against a recomputation of the same frame without windows: ROWS frames,
-- RANGE frames over dates, and rollup() of stored summaries over a window.
SET search_path = csmetrics, public;

-- 4,000 answers in 8 segments over ~5 months, several per day, some NULL scores (so some
-- frames hold only NULLs, where every aggregate must say NULL).
CREATE TEMP TABLE answers_w AS
SELECT i, i % 8 AS segment, date '2024-01-01' + regress.rand_int(1, i, 0, 149)::int AS day,
       CASE WHEN regress.rand(2, i) < 0.1 THEN NULL ELSE regress.rand_int(3, i, 0, 10)::int END AS score,
       CASE WHEN regress.rand(4, i) < 0.1 THEN NULL ELSE regress.rand_int(5, i, 1, 5)::int END AS csat_score,
       CASE WHEN regress.rand(6, i) < 0.1 THEN NULL ELSE regress.rand_int(7, i, 1, 7)::int END AS ces_score
FROM generate_series(1, 4000) i;
INSERT INTO answers_w VALUES (4001, 9, '2024-01-01', NULL, NULL, NULL),
                             (4002, 9, '2024-01-02', NULL, NULL, NULL),
                             (4003, 9, '2024-01-20', 10, 5, 7);
CREATE TEMP TABLE numbered_w AS
SELECT *, row_number() OVER (PARTITION BY segment ORDER BY day, i) AS rn FROM answers_w;

-- ROWS BETWEEN 9 PRECEDING AND CURRENT ROW.
CREATE TEMP TABLE rows_w AS
SELECT segment, rn,
       nps_agg(score) OVER w AS nps, nps_summary(score::bigint) OVER w AS nps_s,
       csat_agg(csat_score) OVER w AS csat, csat_agg(csat_score, 5, 3) OVER w AS csat_3,
       csat_summary(csat_score::smallint, 5) OVER w AS csat_s,
       ces_agg(ces_score::numeric) OVER w AS ces, ces_agg(ces_score, 7) OVER w AS ces_7,
       ces_summary(ces_score) OVER w AS ces_s
FROM numbered_w
WINDOW w AS (PARTITION BY segment ORDER BY rn ROWS BETWEEN 9 PRECEDING AND CURRENT ROW);

SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.nps IS DISTINCT FROM x.nps) AS nps_agg,
       count(*) FILTER (WHERE r.nps_s IS DISTINCT FROM x.nps_s) AS nps_summary,
       count(*) FILTER (WHERE r.csat IS DISTINCT FROM x.csat) AS csat_agg,
       count(*) FILTER (WHERE r.csat_3 IS DISTINCT FROM x.csat_3) AS csat_agg_from,
       count(*) FILTER (WHERE r.csat_s IS DISTINCT FROM x.csat_s) AS csat_summary,
       count(*) FILTER (WHERE r.ces IS DISTINCT FROM x.ces) AS ces_agg,
       count(*) FILTER (WHERE r.ces_7 IS DISTINCT FROM x.ces_7) AS ces_agg_scale,
       count(*) FILTER (WHERE r.ces_s IS DISTINCT FROM x.ces_s) AS ces_summary,
       count(*) FILTER (WHERE r.nps IS NULL) AS null_frames
FROM rows_w r
CROSS JOIN LATERAL (
    SELECT nps_agg(score) AS nps, nps_summary(score) AS nps_s,
           csat_agg(csat_score) AS csat, csat_agg(csat_score, 5, 3) AS csat_3,
           csat_summary(csat_score, 5) AS csat_s,
           ces_agg(ces_score) AS ces, ces_agg(ces_score, 7) AS ces_7,
           ces_summary(ces_score) AS ces_s
    FROM numbered_w n
    WHERE n.segment = r.segment AND n.rn BETWEEN r.rn - 9 AND r.rn) x;

-- RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW: rolling 30-day KPIs over dates
-- (several rows share a day; a frame covers whole days).
CREATE TEMP TABLE range_w AS
SELECT segment, day, rn,
       nps_agg(score) OVER w AS nps, nps_summary(score) OVER w AS nps_s,
       csat_agg(csat_score::bigint) OVER w AS csat, ces_agg(ces_score) OVER w AS ces
FROM numbered_w
WINDOW w AS (PARTITION BY segment ORDER BY day RANGE BETWEEN '30 days' PRECEDING AND CURRENT ROW);

SELECT count(*) AS rows,
       count(*) FILTER (WHERE r.nps IS DISTINCT FROM x.nps) AS nps_agg,
       count(*) FILTER (WHERE r.nps_s IS DISTINCT FROM x.nps_s) AS nps_summary,
       count(*) FILTER (WHERE r.csat IS DISTINCT FROM x.csat) AS csat_agg,
       count(*) FILTER (WHERE r.ces IS DISTINCT FROM x.ces) AS ces_agg,
       count(*) FILTER (WHERE r.nps IS NULL) AS null_frames
FROM range_w r
CROSS JOIN LATERAL (
    SELECT nps_agg(score) AS nps, nps_summary(score) AS nps_s,
           csat_agg(csat_score) AS csat, ces_agg(ces_score) AS ces
    FROM numbered_w n
    WHERE n.segment = r.segment AND n.day BETWEEN r.day - 30 AND r.day) x;

-- Some actual rolling values.
SELECT segment, day, round(nps::numeric, 3) AS nps_30d, nps_s
FROM range_w WHERE segment = 3 ORDER BY rn LIMIT 5;
SELECT segment, day, nps, nps_s FROM range_w WHERE segment = 9 ORDER BY rn;

-- rollup() and nps_agg() of daily summaries over a sliding 7-day RANGE window, against
-- the raw rows of the same days; daily summaries of days without a score are NULL.
CREATE TEMP TABLE daily_w AS
SELECT segment, day, nps_summary(score) AS s FROM answers_w GROUP BY segment, day;
CREATE TEMP TABLE rolled_w AS
SELECT segment, day,
       rollup(s) OVER w AS s7, nps_agg(s) OVER w AS nps7, csat_agg(s) OVER w AS csat7,
       ces_agg(s) OVER w AS ces7
FROM daily_w
WINDOW w AS (PARTITION BY segment ORDER BY day RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW);
SELECT count(*) AS days,
       count(*) FILTER (WHERE r.s7 IS DISTINCT FROM x.s) AS rollup,
       count(*) FILTER (WHERE r.nps7 IS DISTINCT FROM x.nps) AS nps_agg,
       count(*) FILTER (WHERE r.csat7 IS DISTINCT FROM x.csat) AS csat_agg,
       count(*) FILTER (WHERE r.ces7 IS DISTINCT FROM x.ces) AS ces_agg,
       count(*) FILTER (WHERE r.s7 IS NULL) AS null_frames
FROM rolled_w r
CROSS JOIN LATERAL (
    SELECT nps_summary(score) AS s, nps_agg(score) AS nps,
           csat(nps_summary(score)) AS csat, mean_score(nps_summary(score)) AS ces
    FROM answers_w a
    WHERE a.segment = r.segment AND a.day BETWEEN r.day - 6 AND r.day) x;
-- And with a ROWS frame.
SELECT count(*) AS days,
       count(*) FILTER (WHERE r.s3 IS DISTINCT FROM x.s) AS rollup_rows_frame
FROM (SELECT segment, day, row_number() OVER (PARTITION BY segment ORDER BY day) AS rn,
             rollup(s) OVER (PARTITION BY segment ORDER BY day ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3
      FROM daily_w) r
CROSS JOIN LATERAL (
    SELECT rollup(s) AS s
    FROM (SELECT s, row_number() OVER (ORDER BY day) AS rn FROM daily_w d WHERE d.segment = r.segment) d
    WHERE d.rn BETWEEN r.rn - 2 AND r.rn) x;
SELECT segment, day, s7, nps7 FROM rolled_w WHERE segment = 9 ORDER BY day;

-- The inverse transitions are really used: a frame whose rows all left gives NULL, not an
-- empty summary (segment 9: a score on day 20, then a 3-row frame slides past it).
SELECT i, score,
       nps_summary(score) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2
FROM (VALUES (1, 10), (2, NULL), (3, NULL), (4, 5), (5, NULL), (6, NULL)) v(i, score);

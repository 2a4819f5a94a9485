-- Survey KPIs against plain SQL on 12,000 deterministic pseudo-random rows in 60 groups: every aggregate,
-- every signature and every score type equals the count(*) FILTER formula per group;
-- rolled-up daily summaries equal the aggregate of the raw rows; summaries round-trip
-- through their text and binary forms.
SET search_path = csmetrics, public;

-- smax (2..10) and sfrom (1..smax) are constant within a group g, as the arguments must be.
CREATE TEMP TABLE responses_t AS
SELECT i, g, day, smax, 1 + g % smax AS sfrom,
       CASE WHEN regress.rand(1, i) < 0.05 THEN NULL ELSE regress.rand_int(2, i, 0, 10)::int END AS nps_score,
       CASE WHEN regress.rand(3, i) < 0.05 THEN NULL ELSE regress.rand_int(4, i, 1, 5)::int END AS csat_score,
       CASE WHEN regress.rand(5, i) < 0.05 THEN NULL ELSE regress.rand_int(6, i, 1, smax)::int END AS scaled_score,
       CASE WHEN regress.rand(7, i) < 0.05 THEN NULL ELSE regress.rand_int(8, i, 1, 7)::int END AS ces_score
FROM (SELECT i, i % 60 AS g, date '2024-01-01' + (i * 7919) % 91 AS day, 2 + (i % 60) % 9 AS smax
      FROM generate_series(1, 12000) i) q;
SELECT count(*) AS rows, count(DISTINCT g) AS groups, count(nps_score) AS nps_scores,
       min(nps_score), max(nps_score), min(scaled_score), max(scaled_score)
FROM responses_t;

-- Floats "differ" beyond rounding, or one is NULL and the other not.
CREATE FUNCTION pg_temp.differ(a float8, b float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT a IS DISTINCT FROM b AND NOT coalesce(abs(a - b) < 1e-9, false)
$$;

-- The reference: plain SQL per group.
CREATE TEMP TABLE expected_t AS
SELECT g,
       100.0 * (count(*) FILTER (WHERE nps_score >= 9) - count(*) FILTER (WHERE nps_score <= 6))
           / nullif(count(nps_score), 0) AS nps,
       count(*) FILTER (WHERE csat_score >= 4)::float8 / nullif(count(csat_score), 0) AS csat,
       count(*) FILTER (WHERE scaled_score >= smax - 1)::float8 / nullif(count(scaled_score), 0) AS csat_n,
       count(*) FILTER (WHERE scaled_score >= sfrom)::float8 / nullif(count(scaled_score), 0) AS csat_n_from,
       avg(ces_score) AS ces,
       avg(scaled_score) AS ces_n,
       count(nps_score) AS responses,
       count(*) FILTER (WHERE nps_score >= 9) AS promoters,
       count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8) AS passives,
       count(*) FILTER (WHERE nps_score <= 6) AS detractors,
       avg(nps_score) AS mean_nps_score,
       -- The full histograms, written in the text form of rating_summary.
       (SELECT '(v1,0..10,{' || string_agg(c::text, ',' ORDER BY k) || '})'
        FROM (SELECT k, count(r.nps_score) c FROM generate_series(0, 10) k
              LEFT JOIN responses_t r ON r.nps_score = k AND r.g = o.g GROUP BY k) h) AS nps_text,
       (SELECT '(v1,1..5,{' || string_agg(c::text, ',' ORDER BY k) || '})'
        FROM (SELECT k, count(r.csat_score) c FROM generate_series(1, 5) k
              LEFT JOIN responses_t r ON r.csat_score = k AND r.g = o.g GROUP BY k) h) AS csat_text,
       (SELECT '(v1,1..' || max(o.smax) || ',{' || string_agg(c::text, ',' ORDER BY k) || '})'
        FROM (SELECT k, count(r.scaled_score) c FROM generate_series(1, max(o.smax)) k
              LEFT JOIN responses_t r ON r.scaled_score = k AND r.g = o.g GROUP BY k) h) AS scaled_text,
       (SELECT '(v1,1..7,{' || string_agg(c::text, ',' ORDER BY k) || '})'
        FROM (SELECT k, count(r.ces_score) c FROM generate_series(1, 7) k
              LEFT JOIN responses_t r ON r.ces_score = k AND r.g = o.g GROUP BY k) h) AS ces_text
FROM responses_t o
GROUP BY g;

-- csmetrics per group and score type.
CREATE TEMP TABLE actual_t AS
SELECT 'int2' AS type, g,
       nps_agg(nps_score::int2) AS nps, csat_agg(csat_score::int2) AS csat,
       csat_agg(scaled_score::int2, smax) AS csat_n, csat_agg(scaled_score::int2, smax, sfrom) AS csat_n_from,
       ces_agg(ces_score::int2) AS ces, ces_agg(scaled_score::int2, smax) AS ces_n,
       nps_summary(nps_score::int2) AS nps_s, csat_summary(csat_score::int2) AS csat_s,
       csat_summary(scaled_score::int2, smax) AS csat_n_s, ces_summary(ces_score::int2) AS ces_s,
       ces_summary(scaled_score::int2, smax) AS ces_n_s
FROM responses_t GROUP BY g
UNION ALL
SELECT 'int4', g,
       nps_agg(nps_score), csat_agg(csat_score),
       csat_agg(scaled_score, smax), csat_agg(scaled_score, smax, sfrom),
       ces_agg(ces_score), ces_agg(scaled_score, smax),
       nps_summary(nps_score), csat_summary(csat_score),
       csat_summary(scaled_score, smax), ces_summary(ces_score),
       ces_summary(scaled_score, smax)
FROM responses_t GROUP BY g
UNION ALL
SELECT 'int8', g,
       nps_agg(nps_score::int8), csat_agg(csat_score::int8),
       csat_agg(scaled_score::int8, smax), csat_agg(scaled_score::int8, smax, sfrom),
       ces_agg(ces_score::int8), ces_agg(scaled_score::int8, smax),
       nps_summary(nps_score::int8), csat_summary(csat_score::int8),
       csat_summary(scaled_score::int8, smax), ces_summary(ces_score::int8),
       ces_summary(scaled_score::int8, smax)
FROM responses_t GROUP BY g
UNION ALL
SELECT 'numeric', g,
       nps_agg(nps_score::numeric), csat_agg(csat_score::numeric),
       csat_agg(scaled_score::numeric, smax), csat_agg(scaled_score::numeric, smax, sfrom),
       ces_agg(ces_score::numeric), ces_agg(scaled_score::numeric, smax),
       nps_summary(nps_score::numeric), csat_summary(csat_score::numeric),
       csat_summary(scaled_score::numeric, smax), ces_summary(ces_score::numeric),
       ces_summary(scaled_score::numeric, smax)
FROM responses_t GROUP BY g;

-- Mismatches per score type: every column must be 0, over 60 groups each.
SELECT a.type, count(*) AS groups,
       count(*) FILTER (WHERE pg_temp.differ(a.nps, e.nps)) AS nps_agg,
       count(*) FILTER (WHERE pg_temp.differ(a.csat, e.csat)) AS csat_agg,
       count(*) FILTER (WHERE pg_temp.differ(a.csat_n, e.csat_n)) AS csat_agg_scale,
       count(*) FILTER (WHERE pg_temp.differ(a.csat_n_from, e.csat_n_from)) AS csat_agg_from,
       count(*) FILTER (WHERE pg_temp.differ(a.ces, e.ces)) AS ces_agg,
       count(*) FILTER (WHERE pg_temp.differ(a.ces_n, e.ces_n)) AS ces_agg_scale,
       count(*) FILTER (WHERE a.nps_s::text IS DISTINCT FROM e.nps_text) AS nps_summary,
       count(*) FILTER (WHERE a.csat_s::text IS DISTINCT FROM e.csat_text) AS csat_summary,
       count(*) FILTER (WHERE a.csat_n_s::text IS DISTINCT FROM e.scaled_text) AS csat_summary_scale,
       count(*) FILTER (WHERE a.ces_s::text IS DISTINCT FROM e.ces_text) AS ces_summary,
       count(*) FILTER (WHERE a.ces_n_s::text IS DISTINCT FROM e.scaled_text) AS ces_summary_scale
FROM actual_t a JOIN expected_t e USING (g)
GROUP BY a.type ORDER BY a.type;

-- Accessors against the same formulas (int4 summaries).
SELECT count(*) AS groups,
       count(*) FILTER (WHERE responses(nps_s) IS DISTINCT FROM e.responses) AS responses,
       count(*) FILTER (WHERE promoters(nps_s) IS DISTINCT FROM e.promoters) AS promoters,
       count(*) FILTER (WHERE passives(nps_s) IS DISTINCT FROM e.passives) AS passives,
       count(*) FILTER (WHERE detractors(nps_s) IS DISTINCT FROM e.detractors) AS detractors,
       count(*) FILTER (WHERE pg_temp.differ(nps(nps_s), e.nps)) AS nps,
       count(*) FILTER (WHERE pg_temp.differ(mean_score(nps_s), e.mean_nps_score)) AS mean_score,
       count(*) FILTER (WHERE pg_temp.differ(csat(csat_s), e.csat)) AS csat,
       count(*) FILTER (WHERE pg_temp.differ(csat(csat_n_s, sfrom), e.csat_n_from)) AS csat_from,
       count(*) FILTER (WHERE pg_temp.differ(share_at_least(csat_n_s, sfrom), e.csat_n_from)) AS share_at_least,
       count(*) FILTER (WHERE pg_temp.differ(ces(ces_s), e.ces)) AS ces,
       count(*) FILTER (WHERE pg_temp.differ(nps_stderr(nps_s), se)) AS nps_stderr,
       count(*) FILTER (WHERE pg_temp.differ(nps_ci_lower(nps_s, 0.95), greatest(-100, e.nps - 1.959963984540054 * se))) AS ci_lower,
       count(*) FILTER (WHERE pg_temp.differ(nps_ci_upper(nps_s, 0.95), least(100, e.nps + 1.959963984540054 * se))) AS ci_upper
FROM actual_t a JOIN expected_t e USING (g)
JOIN (SELECT DISTINCT g, sfrom FROM responses_t) f USING (g)
CROSS JOIN LATERAL (
    SELECT 100 * sqrt((e.promoters + e.detractors)::float8 / e.responses
                      - ((e.promoters - e.detractors)::float8 / e.responses) ^ 2)
               / sqrt(e.responses) AS se) s
WHERE a.type = 'int4';

-- score_count for every score of the scale, against count(*) per score.
SELECT count(*) AS checked,
       count(*) FILTER (WHERE score_count(a.nps_s, k) IS DISTINCT FROM (SELECT count(*) FROM responses_t r WHERE r.g = a.g AND r.nps_score = k)) AS mismatches
FROM actual_t a, generate_series(0, 10) k WHERE a.type = 'int4';

-- Some actual values, so that a constant output could not pass.
SELECT a.g, e.responses, e.promoters, e.detractors, round(a.nps::numeric, 4) AS nps,
       round(a.csat::numeric, 4) AS csat, round(a.csat_n_from::numeric, 4) AS csat_from,
       round(a.ces::numeric, 4) AS ces, a.nps_s
FROM actual_t a JOIN expected_t e USING (g)
WHERE a.type = 'int4' AND a.g IN (0, 17, 59) ORDER BY a.g;

-- Two-step: daily summaries per group and day, rolled up per group, equal the summary of
-- the raw rows; nps_agg/csat_agg/ces_agg over the daily summaries equal the one-step KPIs.
CREATE TEMP TABLE daily_t AS
SELECT g, day, nps_summary(nps_score) AS nps_s, csat_summary(csat_score) AS csat_s,
       csat_summary(scaled_score, smax) AS csat_n_s, ces_summary(ces_score) AS ces_s
FROM responses_t GROUP BY g, day;
SELECT count(*) AS daily_rows, count(DISTINCT g) AS groups FROM daily_t;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE r.nps_s IS DISTINCT FROM a.nps_s) AS nps_rollup,
       count(*) FILTER (WHERE r.csat_s IS DISTINCT FROM a.csat_s) AS csat_rollup,
       count(*) FILTER (WHERE r.csat_n_s IS DISTINCT FROM a.csat_n_s) AS csat_scale_rollup,
       count(*) FILTER (WHERE r.ces_s IS DISTINCT FROM a.ces_s) AS ces_rollup,
       count(*) FILTER (WHERE r.nps IS DISTINCT FROM a.nps) AS nps_agg_of_summaries,
       count(*) FILTER (WHERE r.csat IS DISTINCT FROM a.csat) AS csat_agg_of_summaries,
       count(*) FILTER (WHERE r.ces IS DISTINCT FROM a.ces) AS ces_agg_of_summaries
FROM (SELECT g, rollup(nps_s) AS nps_s, rollup(csat_s) AS csat_s, rollup(csat_n_s) AS csat_n_s,
             rollup(ces_s) AS ces_s, nps_agg(nps_s) AS nps, csat_agg(csat_s) AS csat,
             ces_agg(ces_s) AS ces
      FROM daily_t GROUP BY g) r
JOIN actual_t a USING (g) WHERE a.type = 'int4';
-- Across groups too: one rollup over every daily summary = one summary over every row.
SELECT (SELECT rollup(nps_s) FROM daily_t) AS rolled_up,
       (SELECT rollup(nps_s) FROM daily_t) = (SELECT nps_summary(nps_score) FROM responses_t) AS equal;

-- Text round trip of every summary above.
SELECT count(*) AS summaries,
       count(*) FILTER (WHERE s::text::rating_summary IS DISTINCT FROM s) AS text_mismatches
FROM (SELECT nps_s AS s FROM actual_t UNION ALL SELECT csat_s FROM actual_t
      UNION ALL SELECT csat_n_s FROM actual_t UNION ALL SELECT ces_s FROM actual_t
      UNION ALL SELECT ces_n_s FROM actual_t UNION ALL SELECT nps_s FROM daily_t) q;

-- Binary round trip: COPY out in binary (rating_summary_send), COPY back in
-- (rating_summary_recv), compare.
CREATE TEMP TABLE binary_out AS
SELECT row_number() OVER () AS id, s
FROM (SELECT nps_s AS s FROM actual_t UNION ALL SELECT csat_n_s FROM actual_t
      UNION ALL SELECT ces_s FROM actual_t UNION ALL SELECT nps_s FROM daily_t
      UNION ALL SELECT '(v1,1..5,{1,2,3,4,9223372036854775807},satisfied_from=2)') q;
CREATE TEMP TABLE binary_in (id bigint, s rating_summary);
DO $$
DECLARE
    path text := current_setting('data_directory') || '/csmetrics_survey_' || pg_backend_pid() || '.bin';
BEGIN
    EXECUTE format('COPY binary_out TO %L (FORMAT binary)', path);
    EXECUTE format('COPY binary_in FROM %L (FORMAT binary)', path);
END $$;
SELECT count(*) AS summaries, count(*) FILTER (WHERE i.s IS DISTINCT FROM o.s) AS binary_mismatches
FROM binary_out o FULL JOIN binary_in i USING (id);
SELECT s FROM binary_in WHERE id = (SELECT max(id) FROM binary_in);

-- Survey KPIs (docs/survey.md): the worked examples, every function on small inputs, the
-- rating_summary text form, and the SQL objects' declarations.
SET search_path = csmetrics, public;

-- Worked example: {10,9,9,8,7,6,3,10,2,9} -> promoters 5, passives 2, detractors 3,
-- n = 10, NPS = 20, SE = 27.568, 95% CI = [-34.03, 74.03].
CREATE TEMP TABLE nps_example AS
SELECT nps_summary(x) AS s, nps_agg(x) AS nps
FROM unnest('{10,9,9,8,7,6,3,10,2,9}'::int[]) x;
SELECT s, nps, responses(s), promoters(s), passives(s), detractors(s), nps(s),
       round(nps_stderr(s)::numeric, 3) AS se,
       round(nps_ci_lower(s, 0.95)::numeric, 2) AS ci_lower,
       round(nps_ci_upper(s, 0.95)::numeric, 2) AS ci_upper
FROM nps_example;

-- Worked example: CSAT {5,4,4,3,5,2,1,5} on 1..5 -> 5 of 8 satisfied, 0.625, mean 3.625.
SELECT csat_agg(x) AS csat, csat_agg(x, 5) AS csat_5, csat_agg(x, 5, 4) AS csat_5_4,
       csat(csat_summary(x)) AS via_summary, mean_score(csat_summary(x)) AS mean,
       csat_summary(x) AS summary
FROM unnest('{5,4,4,3,5,2,1,5}'::int[]) x;

-- z(L) from the inverse normal CDF: z(0.95) = 1.959964; the interval is NPS ± z·SE.
-- (A large sample, so that no bound is clamped.)
SELECT level,
       round(((nps_ci_upper(s, level) - nps(s)) / nps_stderr(s))::numeric, 6) AS z_upper,
       round(((nps(s) - nps_ci_lower(s, level)) / nps_stderr(s))::numeric, 6) AS z_lower
FROM (VALUES ('(v1,0..10,{100000,0,0,0,0,0,0,0,0,0,100000})'::rating_summary)) v(s),
     unnest('{0.000001,0.5,0.8,0.9,0.95,0.99,0.999,0.999999}'::float8[]) level;

-- The interval is clamped to [-100, 100].
SELECT nps_ci_lower(s, 0.99), nps_ci_upper(s, 0.99)
FROM (SELECT nps_summary(x) AS s FROM unnest('{10,10,10,0}'::int[]) x) q;

-- Every score type gives the same summary; NULL scores are skipped.
SELECT nps_summary(x::smallint) AS int2, nps_summary(x) AS int4, nps_summary(x::bigint) AS int8,
       nps_summary(x::numeric) AS numeric, nps_agg(x::numeric(4,1)) AS nps_numeric_4_1
FROM unnest('{10,9,NULL,8,0,NULL}'::int[]) x;

-- CSAT on other scales: 1..scale_max, satisfied from scale_max - 1 unless given.
SELECT csat_agg(x, 10) AS top_two_of_10, csat_agg(x, 10, 8) AS from_8,
       csat_summary(x, 10) AS summary, csat(csat_summary(x, 10), 8) AS csat_from_8
FROM unnest('{10,9,8,7,1,10}'::int[]) x;
-- (On a 1..2 scale the default threshold 1 counts everyone: give satisfied_from 2.)
SELECT csat_agg(x::smallint, 2) AS default_threshold, csat_agg(x, 2, 2) AS yes_share, csat_summary(x::bigint, 2) AS summary
FROM unnest('{1,2,2,2}'::int[]) x;

-- CES: mean score on 1..7 (default) or 1..scale_max; share agreeing = share_at_least(s, 5).
SELECT ces_agg(x) AS ces, ces(ces_summary(x)) AS ces_from_summary,
       share_at_least(ces_summary(x), 5) AS share_agreeing, ces_summary(x) AS summary,
       ces_agg(x, 10) AS ces_on_1_10, ces_summary(x, 10) AS summary_1_10
FROM unnest('{7,6,5,5,3,1,2}'::int[]) x;

-- Accessors on a summary.
SELECT responses(s), mean_score(s), score_count(s, 0), score_count(s, 9), score_count(s, 10),
       share_at_least(s, 0), share_at_least(s, 9), share_at_least(s, 10), csat(s), ces(s)
FROM nps_example;

-- Empty input: aggregates give NULL, like avg().
SELECT nps_agg(x), csat_agg(x), csat_agg(x, 7), csat_agg(x, 7, 5), ces_agg(x), ces_agg(x, 5),
       nps_summary(x), csat_summary(x), ces_summary(x)
FROM unnest('{NULL,NULL}'::int[]) x;
SELECT nps_agg(x) FROM unnest('{}'::int[]) x;

-- An empty summary (typed in) has 0 responses and NULL rates.
SELECT responses(s), promoters(s), mean_score(s), nps(s), nps_stderr(s), nps_ci_lower(s, 0.9),
       csat(s), ces(s), share_at_least(s, 3), score_count(s, 3)
FROM (SELECT '(v1,0..10,{0,0,0,0,0,0,0,0,0,0,0})'::rating_summary AS s) q;
SELECT rollup(s) IS NULL AS rollup_of_empty_is_null, nps_agg(s)
FROM (VALUES ('(v1,0..10,{0,0,0,0,0,0,0,0,0,0,0})'::rating_summary)) v(s);

-- Two-step: daily summaries rolled up give the same as the raw rows.
CREATE TEMP TABLE answers (day date, score int);
INSERT INTO answers VALUES
    ('2024-01-01', 10), ('2024-01-01', 9), ('2024-01-01', 3),
    ('2024-01-02', 8), ('2024-01-02', 6), ('2024-01-02', NULL),
    ('2024-01-03', 10);
CREATE TEMP TABLE daily AS SELECT day, nps_summary(score) AS s FROM answers GROUP BY day;
SELECT day, s, nps(s) FROM daily ORDER BY day;
SELECT rollup(s) AS rolled, nps(rollup(s)), nps_agg(s) AS nps_agg_of_summaries,
       (SELECT nps_agg(score) FROM answers) AS nps_of_rows,
       rollup(s) = (SELECT nps_summary(score) FROM answers) AS rollup_equals_raw
FROM daily;
SELECT csat_agg(s), ces_agg(s), rollup(s)
FROM (SELECT csat_summary(x) FROM unnest('{3,5}'::int[]) x
      UNION ALL SELECT csat_summary(5) UNION ALL SELECT NULL) v(s);
SELECT csat_agg(s) AS csat_with_stored_threshold
FROM (VALUES ('(v1,1..5,{1,0,1,0,1},satisfied_from=3)'::rating_summary),
             ('(v1,1..5,{0,0,0,0,1},satisfied_from=3)')) v(s);

-- The text form: (v1,MIN..MAX,{counts}) and ",satisfied_from=N" when not MAX - 1.
SELECT s, s::text::rating_summary = s AS round_trips
FROM (VALUES ('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,2})'::rating_summary),
             ('(v1,1..5,{0,0,0,0,9223372036854775807})'),
             ('(v1,1..2,{3,4})'),
             ('(v1,1..10,{1,2,3,4,5,6,7,8,9,10})'),
             ('(v1,1..7,{1,1,1,1,1,1,1},satisfied_from=5)'),
             ('  (v1,1..5,{1,2,3,4,5},satisfied_from=4)  ')) v(s);

-- Equality compares scale, threshold and counts.
SELECT '(v1,1..5,{1,2,3,4,5})'::rating_summary = '(v1,1..5,{1,2,3,4,5})' AS same,
       '(v1,1..5,{1,2,3,4,5})'::rating_summary = '(v1,1..5,{1,2,3,4,6})' AS other_count,
       '(v1,1..5,{1,2,3,4,5})'::rating_summary <> '(v1,1..5,{1,2,3,4,5},satisfied_from=3)' AS other_threshold,
       '(v1,1..5,{0,0,0,0,0})'::rating_summary <> '(v1,1..6,{0,0,0,0,0,0})' AS other_scale;

-- The binary form: version, scale and threshold bytes, then one int64 per score.
SELECT rating_summary_send('(v1,1..3,{1,2,258})');

-- Declarations: every aggregate is parallel safe, has a combine function, a real state type
-- and a moving-aggregate inverse over rating_summary; no transition state is internal.
-- nps_agg(score) keeps the smaller nps_agg_state, its window frames a rating_summary.
SELECT p.oid::regprocedure AS aggregate, p.proparallel,
       a.aggcombinefn::regproc AS combine, a.aggtranstype::regtype AS state,
       a.aggminvtransfn::regproc AS inverse, a.aggmtranstype::regtype AS moving_state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'csmetrics'::regnamespace
  AND (p.proname IN ('nps_agg', 'csat_agg', 'ces_agg', 'nps_summary', 'csat_summary', 'ces_summary')
       OR (p.proname = 'rollup' AND a.aggtranstype = 'csmetrics.rating_summary'::regtype))
ORDER BY p.oid::regprocedure::text;
SELECT typname, typlen, typalign, typstorage FROM pg_type WHERE typname = 'rating_summary';

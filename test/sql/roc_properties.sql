-- roc_auc and roc_summary against plain SQL on seeded rows: the Mann-Whitney rank-sum formula
-- with mid-ranks for ties, and a pair count; parallel plans forced on and off; sliding,
-- growing and RANGE window frames against a recomputation of each frame; rollups of stored
-- summaries against the raw rows; text and binary round trips; kpi_score_ntiles against
-- ntile().
CREATE SCHEMA roc_properties_suite;
SET search_path = roc_properties_suite, csmetrics, public;

-- 6,000 customer-months in 5 segments with heavy ties: scores on a half-point grid from 0 to
-- 20, churn more likely at low scores; a few NULL scores and flags.
CREATE TABLE tied AS
SELECT i, i % 5 AS segment, date '2024-01-01' + (i % 12) * interval '1 month' AS month,
       CASE WHEN i % 97 = 0 THEN NULL ELSE regress.rand_int(11, i, 0, 40) / 2.0 END::float8 AS score,
       CASE WHEN i % 89 = 0 THEN NULL
            ELSE regress.rand(12, i) < 0.55 - regress.rand_int(11, i, 0, 40) / 100.0 END AS churned
FROM generate_series(1, 6000) i;
-- 30,000 rows with mostly distinct scores (a signed, wide range) and some repeated ones:
-- more distinct scores than fit one compaction by lookups.
CREATE TABLE spread AS
SELECT i, i % 3 AS segment,
       CASE WHEN i % 7 = 0 THEN round((regress.rand(21, i) * 50)::numeric)::float8
            ELSE (regress.rand(21, i) - 0.4) * 1e6 * regress.rand(22, i) END AS score,
       regress.rand(23, i) < 0.7 - 0.4 * regress.rand(21, i) AS churned
FROM generate_series(1, 30000) i;
ANALYZE tied;
ANALYZE spread;

-- The rank-sum formula in exact numeric: AUC = (sum of the retained rows' mid-ranks
-- - R(R+1)/2) / (R C), ranks over every row of the group, tied rows sharing their mid-rank.
CREATE FUNCTION rank_sum_auc(tab regclass) RETURNS TABLE (segment int, auc numeric)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH r AS (
            SELECT t.segment, t.churned,
                   rank() OVER (PARTITION BY t.segment ORDER BY t.score)
                   + (count(*) OVER (PARTITION BY t.segment, t.score) - 1) / 2.0 AS midrank
            FROM %s t WHERE t.score IS NOT NULL AND t.churned IS NOT NULL),
        g AS (
            SELECT r.segment, sum(r.midrank) FILTER (WHERE NOT r.churned) AS rank_sum,
                   count(*) FILTER (WHERE NOT r.churned)::numeric AS n_retained,
                   count(*) FILTER (WHERE r.churned)::numeric AS n_churned
            FROM r GROUP BY r.segment)
        SELECT g.segment, (g.rank_sum - g.n_retained * (g.n_retained + 1) / 2) / (g.n_retained * g.n_churned)
        FROM g$q$, tab);
END $$;

-- Per segment: the aggregate against the formula (float8 against exact numeric).
SELECT 'tied' AS data, count(*) AS segments,
       count(*) FILTER (WHERE abs(a.auc::numeric - f.auc) < 1e-12) AS equal,
       min(a.auc) AS min_auc, max(a.auc) AS max_auc
FROM (SELECT segment, roc_auc(score, churned) AS auc FROM tied GROUP BY segment) a
JOIN rank_sum_auc('tied') f USING (segment)
UNION ALL
SELECT 'spread', count(*), count(*) FILTER (WHERE abs(a.auc::numeric - f.auc) < 1e-12),
       min(a.auc), max(a.auc)
FROM (SELECT segment, roc_auc(score, churned) AS auc FROM spread GROUP BY segment) a
JOIN rank_sum_auc('spread') f USING (segment);
SELECT round(roc_auc(score, churned)::numeric, 6) AS tied_auc FROM tied;

-- A second formula: count the pairs themselves (wins + half the ties) on the first 800 rows.
SELECT round(roc_auc(score, churned)::numeric, 12)
         = round((SELECT (count(*) FILTER (WHERE r.score > c.score) + count(*) FILTER (WHERE r.score = c.score) / 2.0)
                         / count(*)
                  FROM tied r, tied c
                  WHERE r.i <= 800 AND c.i <= 800 AND NOT r.churned AND c.churned
                    AND r.score IS NOT NULL AND c.score IS NOT NULL), 12) AS pair_count_equal
FROM tied WHERE i <= 800;

-- A summary holds every distinct score with its rows, ascending: the counts of GROUP BY score.
CREATE FUNCTION summary_rows(s roc_summary) RETURNS TABLE (ord bigint, score float8, retained bigint, churned bigint)
LANGUAGE sql AS $$
    SELECT u.ord, u.score, u.retained, u.churned
    FROM unnest(string_to_array(substring(s::text FROM 'scores=\{([^}]*)\}'), ',')::float8[],
                string_to_array(substring(s::text FROM 'retained=\{([^}]*)\}'), ',')::bigint[],
                string_to_array(substring(s::text FROM 'churned=\{([^}]*)\}'), ',')::bigint[])
         WITH ORDINALITY AS u(score, retained, churned, ord)
$$;
SELECT d.data, count(*) AS scores,
       count(*) FILTER (WHERE s.score = g.score AND s.retained = g.retained AND s.churned = g.churned) AS equal
FROM (SELECT 'tied' AS data, roc_summary(score, churned) AS s FROM tied
      UNION ALL SELECT 'spread', roc_summary(score, churned) FROM spread) d
CROSS JOIN LATERAL summary_rows(d.s) s
JOIN (SELECT 'tied' AS data, row_number() OVER (ORDER BY score) AS ord, score,
             count(*) FILTER (WHERE NOT churned) AS retained, count(*) FILTER (WHERE churned) AS churned
      FROM tied WHERE score IS NOT NULL AND churned IS NOT NULL GROUP BY score
      UNION ALL
      SELECT 'spread', row_number() OVER (ORDER BY score), score,
             count(*) FILTER (WHERE NOT churned), count(*) FILTER (WHERE churned)
      FROM spread GROUP BY score) g ON g.data = d.data AND g.ord = s.ord
GROUP BY d.data ORDER BY d.data;

-- The order of the rows changes nothing: ascending (the state stays sorted as rows arrive),
-- descending, and table order give equal summaries.
SELECT roc_summary(score, churned ORDER BY score) = roc_summary(score, churned) AS ascending,
       roc_summary(score, churned ORDER BY score DESC) = roc_summary(score, churned) AS descending,
       roc_summary(score, churned ORDER BY i % 10, score DESC) = roc_summary(score, churned) AS interleaved
FROM spread;

-- Text and binary round trips of every summary.
CREATE TABLE summaries AS
SELECT 'tied' AS data, segment, roc_summary(score, churned) AS s FROM tied GROUP BY segment
UNION ALL
SELECT 'spread', segment, roc_summary(score, churned) FROM spread GROUP BY segment;
SELECT count(*) AS summaries, count(*) FILTER (WHERE s::text::roc_summary = s) AS text_round_trips,
       count(*) FILTER (WHERE roc_summary_send(s::text::roc_summary) = roc_summary_send(s)) AS same_bytes
FROM summaries;
CREATE TABLE summaries_back (LIKE summaries);
CREATE FUNCTION copy_binary() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/roc_properties.copy';
BEGIN
    EXECUTE format('COPY summaries TO %L WITH (FORMAT binary)', path);
    EXECUTE format('COPY summaries_back FROM %L WITH (FORMAT binary)', path);
END $$;
SELECT copy_binary();
SELECT count(*) AS binary_round_trips
FROM summaries a JOIN summaries_back b USING (data, segment) WHERE a.s = b.s AND a.s::text = b.s::text;

-- Rollups of stored summaries (segment x month) equal the raw rows, by segment, by month
-- and overall, summaries and AUCs alike.
CREATE TABLE monthly AS
SELECT segment, month, roc_summary(score, churned) AS s FROM tied GROUP BY segment, month;
SELECT count(*) AS segments, count(*) FILTER (WHERE r.s = raw.s AND roc_auc(r.s) = raw.auc) AS equal
FROM (SELECT segment, rollup(s) AS s FROM monthly GROUP BY segment) r
JOIN (SELECT segment, roc_summary(score, churned) AS s, roc_auc(score, churned) AS auc
      FROM tied GROUP BY segment) raw USING (segment);
SELECT count(*) AS months, count(*) FILTER (WHERE r.s = raw.s AND roc_auc(r.s) = raw.auc) AS equal
FROM (SELECT month, rollup(s) AS s FROM monthly GROUP BY month) r
JOIN (SELECT month, roc_summary(score, churned) AS s, roc_auc(score, churned) AS auc
      FROM tied GROUP BY month) raw USING (month);
SELECT rollup(s) = (SELECT roc_summary(score, churned) FROM tied) AS overall_equal,
       roc_auc(rollup(s)) = (SELECT roc_auc(score, churned) FROM tied) AS overall_auc_equal
FROM monthly;

-- Parallel plans: serial results first, then the same queries with workers forced.
CREATE VIEW results AS
SELECT 'tied' AS data, segment, roc_auc(score, churned) AS auc, roc_summary(score, churned)::text AS s
FROM tied GROUP BY segment
UNION ALL
SELECT 'spread', segment, roc_auc(score, churned), roc_summary(score, churned)::text FROM spread GROUP BY segment
UNION ALL
SELECT 'tied', NULL, roc_auc(score, churned), roc_summary(score, churned)::text FROM tied
UNION ALL
SELECT 'spread', NULL, roc_auc(score, churned), roc_summary(score, churned)::text FROM spread;
SELECT regress.serial();
CREATE TABLE serial_res AS SELECT * FROM results;
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT roc_auc(score, churned) FROM spread', 'Partial Aggregate') AS auc_partial,
       regress.plan_has('SELECT roc_summary(score, churned) FROM spread', 'Partial Aggregate') AS summary_partial,
       regress.plan_has('SELECT segment, roc_auc(score, churned) FROM spread GROUP BY segment', 'Partial') AS grouped_partial,
       regress.plan_has('SELECT rollup(s) FROM monthly', 'Partial Aggregate') AS rollup_partial,
       regress.plan_has('SELECT * FROM results', 'Partial') AS results_partial;
SELECT count(*) AS results,
       count(*) FILTER (WHERE p.auc = r.auc AND p.s = r.s) AS identical
FROM results p
JOIN serial_res r ON r.data = p.data AND r.segment IS NOT DISTINCT FROM p.segment;
SELECT rollup(s)::text = (SELECT s FROM serial_res WHERE data = 'tied' AND segment IS NULL) AS parallel_rollup_equal
FROM monthly;
SELECT regress.serial();

-- Window frames against a recomputation of each frame. Rows numbered per segment.
CREATE TABLE numbered AS
SELECT *, row_number() OVER (PARTITION BY segment ORDER BY month, i) AS rn FROM tied;
-- ROWS BETWEEN 29 PRECEDING AND CURRENT ROW (moving-aggregate mode: rows leave the frame)
CREATE TABLE sliding AS
SELECT segment, rn, roc_auc(score, churned) OVER w AS auc, roc_summary(score, churned) OVER w AS s
FROM numbered
WINDOW w AS (PARTITION BY segment ORDER BY rn ROWS BETWEEN 29 PRECEDING AND CURRENT ROW);
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.auc IS DISTINCT FROM x.auc) AS auc_mismatches,
       count(*) FILTER (WHERE w.s::text IS DISTINCT FROM x.s::text) AS summary_mismatches,
       count(*) FILTER (WHERE w.auc IS NULL) AS null_frames
FROM sliding w
CROSS JOIN LATERAL (SELECT roc_auc(score, churned) AS auc, roc_summary(score, churned) AS s
                    FROM numbered n
                    WHERE n.segment = w.segment AND n.rn BETWEEN w.rn - 29 AND w.rn) x;
-- a growing frame (UNBOUNDED PRECEDING): the state grows and is read after every row
SELECT count(*) AS frames, count(*) FILTER (WHERE w.auc IS DISTINCT FROM x.auc) AS mismatches
FROM (SELECT segment, rn, roc_auc(score, churned) OVER (PARTITION BY segment ORDER BY rn) AS auc
      FROM numbered) w
CROSS JOIN LATERAL (SELECT roc_auc(score, churned) AS auc FROM numbered n
                    WHERE n.segment = w.segment AND n.rn <= w.rn) x
WHERE w.rn % 7 = 0;
-- RANGE over months: each frame is whole months, the current one and the two before
SELECT count(*) AS frames, count(*) FILTER (WHERE w.auc IS DISTINCT FROM x.auc) AS mismatches
FROM (SELECT DISTINCT segment, month,
             roc_auc(score, churned) OVER (PARTITION BY segment ORDER BY month
                                           RANGE BETWEEN '2 months' PRECEDING AND CURRENT ROW) AS auc
      FROM tied) w
CROSS JOIN LATERAL (SELECT roc_auc(score, churned) AS auc FROM tied n
                    WHERE n.segment = w.segment AND n.month BETWEEN w.month - interval '2 months' AND w.month) x;
-- rollup of stored summaries over a sliding frame of months (inverse: summaries leave)
SELECT count(*) AS frames, count(*) FILTER (WHERE w.s::text IS DISTINCT FROM x.s::text) AS mismatches
FROM (SELECT segment, month, rollup(s) OVER (PARTITION BY segment ORDER BY month
                                             ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s
      FROM monthly) w
CROSS JOIN LATERAL (SELECT roc_summary(score, churned) AS s FROM tied n
                    WHERE n.segment = w.segment AND n.month BETWEEN w.month - interval '2 months' AND w.month) x;
-- many distinct scores in a long sliding frame
SELECT count(*) AS frames, count(*) FILTER (WHERE w.auc IS DISTINCT FROM x.auc) AS mismatches
FROM (SELECT i, roc_auc(score, churned) OVER (ORDER BY i ROWS BETWEEN 999 PRECEDING AND CURRENT ROW) AS auc
      FROM spread WHERE i <= 5000) w
CROSS JOIN LATERAL (SELECT roc_auc(score, churned) AS auc FROM spread n WHERE n.i BETWEEN w.i - 999 AND w.i) x
WHERE w.i % 50 = 0;

-- kpi_score_ntiles, the deciles of the health validation views, against ntile() over
-- ORDER BY score, tiebreak: every ntile's roc_summary and lowest and highest score. The tied
-- rows split across ntiles by the tiebreak: an integer, a text (by reference, in its
-- collation's order: '10' before '9') and one with a NULL in each segment (last among its
-- equal scores, as ORDER BY puts it);
-- 10 buckets, 7, 1, and more buckets than rows (3,000 in a segment of about 1,200 rows).
CREATE FUNCTION ntiles_mismatches(buckets int, tiebreak text) RETURNS TABLE (ntiles bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH c AS (
            SELECT g.segment, n.ntile, n.summary, n.min_score, n.max_score
            FROM (SELECT t.segment, kpi_score_ntiles(%1$s, t.score, t.churned, %2$s) AS a FROM tied t GROUP BY t.segment) g,
                 unnest(g.a) n),
        s AS (
            SELECT x.segment, x.nt, roc_summary(x.score, x.churned) AS summary, min(x.score) AS min_score, max(x.score) AS max_score
            FROM (SELECT t.segment, t.score, t.churned, ntile(%1$s) OVER (PARTITION BY t.segment ORDER BY t.score, %2$s) AS nt
                  FROM tied t WHERE t.score IS NOT NULL AND t.churned IS NOT NULL) x
            GROUP BY x.segment, x.nt)
        SELECT count(*), count(*) FILTER (WHERE c.summary IS NULL OR s.summary IS NULL OR NOT c.summary = s.summary
                                           OR c.min_score <> s.min_score OR c.max_score <> s.max_score)
        FROM c FULL JOIN s ON s.segment = c.segment AND s.nt = c.ntile$q$, buckets, tiebreak);
END $$;
SELECT b.buckets, t.tiebreak, m.*
FROM (VALUES (10), (7), (1), (3000)) b(buckets)
CROSS JOIN (VALUES ('t.i'), ('t.i::text'), ('CASE WHEN t.i > 5 THEN t.i END')) t(tiebreak)
CROSS JOIN LATERAL ntiles_mismatches(b.buckets, t.tiebreak) m
ORDER BY 1, 2;
-- forced parallel: the same ntiles as the serial plan (no combine function: the rows reach
-- one aggregate)
SELECT regress.force_parallel();
CREATE TABLE parallel_ntiles AS
SELECT segment, kpi_score_ntiles(10, score, churned, i)::text AS a FROM tied GROUP BY segment;
SELECT regress.plan_has('SELECT segment, kpi_score_ntiles(10, score, churned, i) FROM tied GROUP BY segment', 'Gather') AS ntiles_gather;
SELECT regress.serial();
SELECT count(*) AS groups, count(*) FILTER (WHERE p.a = s.a) AS identical
FROM parallel_ntiles p
JOIN (SELECT segment, kpi_score_ntiles(10, score, churned, i)::text AS a FROM tied GROUP BY segment) s USING (segment);
-- a growing window frame (the state is sorted in place for each row, then takes more rows)
-- against the aggregate over each prefix
SELECT count(*) AS frames, count(*) FILTER (WHERE w.a IS DISTINCT FROM x.a) AS mismatches
FROM (SELECT segment, rn, kpi_score_ntiles(4, score, churned, i) OVER (PARTITION BY segment ORDER BY rn)::text AS a
      FROM numbered) w
CROSS JOIN LATERAL (SELECT kpi_score_ntiles(4, score, churned, i)::text AS a FROM numbered n
                    WHERE n.segment = w.segment AND n.rn <= w.rn) x
WHERE w.rn % 13 = 0;
-- a worked example: 5 rows in 2 ntiles (3 + 2); the tie at 2 is split by the tiebreak
SELECT n.* FROM (SELECT kpi_score_ntiles(2, s, c, id) AS a
                 FROM (VALUES (1, 1.0, false), (5, 2.0, true), (3, 2.0, false), (4, 3.5, false), (2, NULL, true),
                              (6, 4.0, true)) v(id, s, c)) t, unnest(t.a) n;
-- no rows (or only rows left out): NULL
SELECT kpi_score_ntiles(3, s, true, 1) IS NULL AS no_rows FROM (VALUES (NULL::float8)) v(s);

SET client_min_messages = warning;
RESET search_path;
DROP SCHEMA roc_properties_suite CASCADE;

-- ROC AUC of a score as a churn predictor: worked examples and hand-computed cases, the
-- summary's text form, accessors and rollups by period and segment.
CREATE SCHEMA roc_suite;
SET search_path = roc_suite, csmetrics, public;

-- The worked example: retained {80, 60, 60}, churned {60, 30}. Six pairs; 80 beats 60 and
-- 30, each retained 60 beats 30 (4 wins), each retained 60 ties the churned 60 (2 ties,
-- worth 1): AUC = 5/6.
CREATE TABLE example (customer text, score float8, churned boolean);
INSERT INTO example VALUES ('a', 80, false), ('b', 60, false), ('c', 60, false),
                           ('d', 60, true), ('e', 30, true);
SELECT roc_auc(score, churned), roc_auc(score, churned) = 5.0 / 6 AS is_five_sixths,
       round(roc_auc(score, churned)::numeric, 4) AS rounded
FROM example;
SELECT roc_summary(score, churned) FROM example;
SELECT roc_auc(s), customers(s), retained(s), churned(s)
FROM (SELECT roc_summary(score, churned) AS s FROM example) q;
-- the order of the rows does not matter
SELECT roc_auc(score, churned ORDER BY score DESC) AS descending,
       roc_auc(score, churned ORDER BY customer DESC) AS by_name
FROM example;

-- Hand-computed cases.
SELECT roc_auc(score, churned) AS perfect          -- every retained row above every churned one
FROM (VALUES (90, false), (70, false), (40, true), (10, true)) v(score, churned);
SELECT roc_auc(score, churned) AS reversed          -- the score ranks churners higher
FROM (VALUES (90, true), (70, true), (40, false), (10, false)) v(score, churned);
SELECT roc_auc(score, churned) AS all_tied          -- one score for everyone: a coin toss
FROM (VALUES (50, true), (50, false), (50, false)) v(score, churned);
-- retained {3, 1}, churned {2, 2, 0}: 3 beats all three (3 wins), 1 beats 0 (1 win): 4/6
SELECT roc_auc(score, churned) AS two_thirds
FROM (VALUES (3, false), (1, false), (2, true), (2, true), (0, true)) v(score, churned);
-- negative, fractional and tiny scores are ordered as numbers
SELECT roc_auc(score, churned) AS signed_scores
FROM (VALUES (-0.5, false), (1e-300, false), (-1e-300, true), (-2.25, true)) v(score, churned);
-- -0 and 0 are the same score: a tie
SELECT roc_auc(score, churned) AS zero_tie, roc_summary(score, churned) AS summary
FROM (VALUES ('-0'::float8, false), (0, true)) v(score, churned);

-- NULL when a class is empty or there are no rows; NULL scores and flags are skipped.
SELECT roc_auc(score, churned) AS only_retained, roc_summary(score, churned) AS summary
FROM (VALUES (10, false), (20, false)) v(score, churned);
SELECT roc_auc(score, churned) AS only_churned FROM (VALUES (10, true)) v(score, churned);
SELECT roc_auc(score, churned) AS no_rows, roc_summary(score, churned) AS no_summary
FROM example WHERE false;
SELECT roc_auc(score, churned) AS nulls_skipped, roc_summary(score, churned) AS summary
FROM (SELECT score, churned FROM example
      UNION ALL VALUES (NULL::float8, true), (100, NULL), (NULL, NULL)) v(score, churned);
SELECT roc_auc(score, churned) AS only_nulls, roc_summary(score, churned) AS no_summary
FROM (VALUES (NULL::float8, true), (1, NULL)) v(score, churned);

-- Integer and numeric scores are cast to float8.
SELECT roc_auc(score::int, churned) AS int_scores, roc_auc(score::numeric, churned) AS numeric_scores
FROM example;

-- The text form: distinct scores ascending, as the shortest decimal that reads back, then
-- the retained and churned rows of each score. It reads back to an equal value.
SELECT s, s::text::roc_summary = s AS reads_back
FROM (SELECT roc_summary(score, churned) AS s
      FROM (VALUES (0.1::float8, false), (1e-5, true), (1.5e20, false), (-7.25, true), (0.1, true)) v(score, churned)) q;
SELECT 'v1 scores={30,60,80} retained={0,2,1} churned={1,1,0}'::roc_summary = roc_summary(score, churned) AS typed_equals_computed
FROM example;
SELECT roc_auc('v1 scores={30,60,80} retained={0,2,1} churned={1,1,0}'::roc_summary) AS from_text,
       roc_auc('v1 scores={} retained={} churned={}'::roc_summary) AS empty,
       customers('v1 scores={} retained={} churned={}'::roc_summary) AS empty_customers;
-- binary form: the text form's fields, a score as the 8 bytes of a float8
SELECT roc_summary_send('v1 scores={30,60,80} retained={0,2,1} churned={1,1,0}');

-- Stored summaries roll up exactly: one summary per month and segment, merged by segment,
-- by month and overall, equal to the AUC of the raw rows.
CREATE TABLE health_history (customer int, segment text, month date, score float8, churned boolean);
INSERT INTO health_history VALUES
    (1, 'smb', '2024-01-01', 80, false), (2, 'smb', '2024-01-01', 35, true),
    (3, 'smb', '2024-01-01', 60, false), (4, 'ent', '2024-01-01', 90, false),
    (5, 'ent', '2024-01-01', 60, true),  (1, 'smb', '2024-02-01', 75, false),
    (3, 'smb', '2024-02-01', 40, true),  (4, 'ent', '2024-02-01', 95, false),
    (5, 'ent', '2024-02-01', 55, false), (6, 'ent', '2024-02-01', 60, true),
    (7, 'smb', '2024-02-01', 60, false);
CREATE TABLE monthly AS
SELECT month, segment, roc_summary(score, churned) AS s FROM health_history GROUP BY month, segment;
SELECT month, segment, s, roc_auc(s) FROM monthly ORDER BY month, segment;
SELECT segment, roc_auc(rollup(s)) AS rolled_up,
       (SELECT roc_auc(score, churned) FROM health_history h WHERE h.segment = m.segment) AS raw
FROM monthly m GROUP BY segment ORDER BY segment;
SELECT month, roc_auc(rollup(s)) AS rolled_up,
       (SELECT roc_auc(score, churned) FROM health_history h WHERE h.month = m.month) AS raw
FROM monthly m GROUP BY month ORDER BY month;
SELECT rollup(s) AS overall, rollup(s) = (SELECT roc_summary(score, churned) FROM health_history) AS equals_raw,
       roc_auc(rollup(s)) AS auc
FROM monthly;
-- a rolling two-month AUC per segment (rollup as a window aggregate)
SELECT month, segment, roc_auc(rollup(s) OVER (PARTITION BY segment ORDER BY month
                                               ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) AS rolling
FROM monthly ORDER BY segment, month;

RESET search_path;
DROP SCHEMA roc_suite CASCADE;

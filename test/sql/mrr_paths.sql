SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA mrr_paths_suite;
SET search_path = mrr_paths_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- MRR paths, the movements of every period and cohort retention on hand-checked examples.
-- A customer's MRR for a month is the sum of mrr over its subscriptions in force at the
-- month's end: started_at < month end and (ended_at IS NULL or ended_at >= month end).

-- The cohort example of the docs: A pays 100 from January, B pays 50 from January and stops
-- after February, C pays 80 from January and moves to 120 in March.
CREATE TABLE abc (customer text, started_at date, ended_at date, mrr numeric);
INSERT INTO abc VALUES ('A', '2024-01-01', NULL, 100),
                       ('B', '2024-01-10', '2024-03-01', 50),
                       ('C', '2024-01-05', '2024-03-01', 80),
                       ('C', '2024-03-01', NULL, 120);
CREATE TABLE abc_paths AS
SELECT customer, mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 4) AS path
FROM abc GROUP BY customer;
-- B's subscription ends on March 1, so it is in force at the end of February only; C's two
-- subscriptions touch on March 1 and its MRR steps from 80 to 120 in March.
SELECT customer, path FROM abc_paths ORDER BY customer;
-- Cohort January: 3 customers, starting MRR 230; two months later (March) 2 retained (logo
-- retention 2/3), MRR 220 (revenue retention 220/230), gross 100 + 80 = 180 (180/230).
SELECT r.cohort::date, r.periods_since_start, r.customers, r.retained_customers,
       round(r.logo_retention::numeric, 4) AS logo_retention, r.starting_mrr, r.mrr,
       round(r.revenue_retention::numeric, 4) AS revenue_retention,
       round(r.gross_revenue_retention::numeric, 4) AS gross_revenue_retention
FROM (SELECT cohort_summary(path) AS s FROM abc_paths) q, cohort_retention(q.s) r;
-- The movements of every month: all three new in January; in March C expands by 40 and B
-- churns 50 (the month after its last paying month).
SELECT m.period_start::date, m.period_end::date, m.starting_mrr, m.ending_mrr, m.new_mrr,
       m.expansion_mrr, m.contraction_mrr, m.churned_mrr, m.reactivation_mrr, m.customers_start,
       m.customers_end, m.new_customers, m.expansion_customers, m.contraction_customers,
       m.churned_customers, m.reactivation_customers
FROM unnest((SELECT mrr_movements(path) FROM abc_paths)) m;
-- One customer's rows, as customer_mrr_movements shows them.
SELECT p.customer, m.period_start::date, m.previous_mrr, m.mrr, m.movement
FROM abc_paths p, customer_mrr_movements(p.path) m ORDER BY p.customer, m.period_start;

-- Every case of the period rule, one customer each, over January to June 2024.
CREATE TABLE subs (customer text, started_at date, ended_at date, mrr numeric);
INSERT INTO subs VALUES
    -- ends exactly on a month start: counts in the month before, not in its own month
    ('boundary', '2024-01-15', '2024-04-01', 30),
    -- ends the day before a month start: not in force at the end of March
    ('day_before', '2024-01-15', '2024-03-31', 30),
    -- pays in January, stops in February (churn), comes back in April (reactivation)
    ('gap', '2024-01-01', '2024-02-15', 60), ('gap', '2024-04-10', NULL, 70),
    -- downgrade on the same day: 100 ends and 80 starts on March 1
    ('same_day', '2024-01-01', '2024-03-01', 100), ('same_day', '2024-03-01', NULL, 80),
    -- two products at once, the second one stops at the end of April
    ('overlap', '2024-02-01', NULL, 50), ('overlap', '2024-02-20', '2024-05-01', 30.50),
    -- a free plan first (MRR 0.00 in force), paying from April
    ('free_first', '2024-01-03', NULL, 0.00), ('free_first', '2024-04-03', NULL, 20.00),
    -- starts and ends within February: never in force at a month end, never paying
    ('in_month', '2024-02-03', '2024-02-20', 500),
    -- no time at all
    ('zero_length', '2024-03-01', '2024-03-01', 10),
    -- paying since before the series
    ('before', '2023-06-01', NULL, 25),
    -- a row without MRR is skipped
    ('null_mrr', '2024-01-01', NULL, NULL), ('null_mrr', '2024-05-01', NULL, 15);
CREATE TABLE paths AS
SELECT customer, mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 6) AS path
FROM subs GROUP BY customer;
SELECT customer, path FROM paths ORDER BY customer;
-- Every row of every customer: from its first paying month to the end of the series,
-- leaving out months without MRR before or after (gap's March).
SELECT p.customer, m.period_start::date, m.period_end::date, m.previous_mrr, m.mrr, m.movement
FROM paths p, customer_mrr_movements(p.path) m ORDER BY p.customer, m.period_start;
SELECT customer FROM paths p WHERE NOT EXISTS (SELECT FROM customer_mrr_movements(p.path)) ORDER BY 1;
-- The same rows from the grid the KPI views use (mrr_movement() over a gap-free
-- customer x month series from the first paying month): identical, display scale included.
WITH periods AS (
    SELECT k, date '2024-01-01' + k * interval '1 month' AS ps, date '2024-01-01' + (k + 1) * interval '1 month' AS pe
    FROM generate_series(0, 5) k),
customer_mrr AS (
    SELECT s.customer, p.k, sum(s.mrr) AS mrr FROM periods p JOIN subs s
      ON s.started_at < p.pe AND (s.ended_at IS NULL OR s.ended_at >= p.pe) GROUP BY s.customer, p.k),
grid AS (
    SELECT c.customer, p.k, p.ps FROM periods p
    JOIN (SELECT customer, min(k) AS first_paid FROM customer_mrr WHERE mrr > 0 GROUP BY customer) c ON p.k >= c.first_paid),
moves AS (
    SELECT g.customer, g.ps::timestamptz AS period_start, coalesce(lag(coalesce(m.mrr, 0)) OVER w, 0)::text AS previous_mrr,
           coalesce(m.mrr, 0)::text AS mrr, mrr_movement(coalesce(m.mrr, 0)) OVER w AS movement
    FROM grid g LEFT JOIN customer_mrr m USING (customer, k) WINDOW w AS (PARTITION BY g.customer ORDER BY g.k)),
ours AS (
    SELECT p.customer, m.period_start, m.previous_mrr::text, m.mrr::text, m.movement
    FROM paths p, customer_mrr_movements(p.path) m)
SELECT (SELECT count(*) FROM moves WHERE movement IS NOT NULL) AS grid_rows, (SELECT count(*) FROM ours) AS path_rows,
       (SELECT count(*) FROM (SELECT * FROM moves WHERE movement IS NOT NULL EXCEPT ALL SELECT * FROM ours) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM moves WHERE movement IS NOT NULL) d) AS extra;

-- The movements of each month and the accessors of mrr_movements on a month's row.
CREATE TABLE months AS SELECT m AS p FROM unnest((SELECT mrr_movements(path) FROM paths)) m;
SELECT (p).period_start::date, (p).starting_mrr, (p).ending_mrr, (p).new_mrr, (p).expansion_mrr,
       (p).contraction_mrr, (p).churned_mrr, (p).reactivation_mrr, (p).customers_start AS cs,
       (p).customers_end AS ce, (p).new_customers AS n, (p).expansion_customers AS e,
       (p).contraction_customers AS c, (p).churned_customers AS ch, (p).reactivation_customers AS r
FROM months ORDER BY 1;
SELECT (p).period_start::date, net_new_mrr(p), round(nrr(p)::numeric, 4) AS nrr, round(grr(p)::numeric, 4) AS grr,
       round(quick_ratio(p)::numeric, 4) AS quick_ratio, round(arpa(p), 2) AS arpa, negative_churn(p)
FROM months ORDER BY 1;
-- They read the period's row as they read the mrr_movements composite of the same fields.
SELECT count(*) AS accessor_mismatches
FROM months, LATERAL (SELECT ROW((p).starting_mrr, (p).ending_mrr, (p).new_mrr, (p).expansion_mrr,
                                 (p).contraction_mrr, (p).churned_mrr, (p).reactivation_mrr,
                                 (p).customers_start, (p).customers_end, (p).new_customers,
                                 (p).expansion_customers, (p).contraction_customers,
                                 (p).churned_customers, (p).reactivation_customers)::mrr_movements AS c) x
WHERE (net_new_mrr(p), nrr(p), grr(p), quick_ratio(p), arpa(p), negative_churn(p))
      IS DISTINCT FROM (net_new_mrr(x.c), nrr(x.c), grr(x.c), quick_ratio(x.c), arpa(x.c), negative_churn(x.c));

-- Display scale: each month shows the most fraction digits among its customers' MRR, as
-- sum() and the mrr_movements aggregate do. Here 7.5 (one digit) pays in February only.
CREATE TABLE digits AS
SELECT mrr_path(s, e, m, date '2024-01-01', '1 month', 4) AS path
FROM (VALUES (1, date '2024-01-01', NULL::date, 10::numeric), (2, '2024-02-01', '2024-03-01', 7.5)) v(c, s, e, m)
GROUP BY c;
SELECT m.period_start::date, m.starting_mrr, m.ending_mrr, m.new_mrr, m.churned_mrr
FROM unnest((SELECT mrr_movements(path) FROM digits)) m;

-- Summaries: per segment, then rolled up to the total, equal the movements of all paths;
-- mrr_movements(summary) unfolds a stored summary.
CREATE TABLE seg AS
SELECT length(customer) % 3 AS segment, mrr_movements_series(path) AS s, cohort_summary(path) AS c
FROM paths GROUP BY 1;
SELECT (SELECT mrr_movements(rollup(s)) FROM seg)::text = (SELECT mrr_movements(path) FROM paths)::text AS series_rollup_is_total,
       (SELECT rollup(c) FROM seg)::text = (SELECT cohort_summary(path) FROM paths)::text AS cohort_rollup_is_total,
       (SELECT mrr_movements(mrr_movements_series(path)) FROM paths)::text = (SELECT mrr_movements(path) FROM paths)::text AS summary_unfolds;
SELECT segment, (mrr_movements(s))[3].ending_mrr AS march_mrr FROM seg ORDER BY segment;

-- rollup(mrr_path) adds paths of one series: a parent account's path from its children's.
CREATE TABLE accounts (parent text, account text, started_at date, ended_at date, mrr numeric);
INSERT INTO accounts VALUES ('P', 'a1', '2024-01-01', '2024-03-01', 40), ('P', 'a2', '2024-02-01', NULL, 15.5),
                            ('P', 'a2', '2024-03-01', NULL, 24.5), ('Q', 'q1', '2024-02-10', NULL, 9);
SELECT parent, rollup(path) AS parent_path,
       rollup(path)::text = (SELECT mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 4)::text
                             FROM accounts a WHERE a.parent = c.parent) AS equals_path_of_all_rows
FROM (SELECT parent, account, mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 4) AS path
      FROM accounts GROUP BY parent, account) c
GROUP BY parent ORDER BY parent;

-- date and timestamptz rows give the same path over the same calendar; period bounds are
-- reported as timestamptz (a date series: its local midnight).
SELECT (SELECT mrr_movements(p) FROM (SELECT mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 6) AS p FROM subs GROUP BY customer) x)::text
     = (SELECT mrr_movements(p) FROM (SELECT mrr_path(started_at::timestamptz, ended_at::timestamptz, mrr, timestamptz '2024-01-01', '1 month', 6) AS p FROM subs GROUP BY customer) x)::text
       AS date_equals_timestamptz;
SET TimeZone = 'America/New_York';
SELECT m.period_start, m.period_end, m.ending_mrr
FROM unnest((SELECT mrr_movements(p) FROM (SELECT mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 6) AS p FROM subs GROUP BY customer) x)) m
LIMIT 2;
-- A timestamptz series follows the session's calendar: in New York the months start at local
-- midnight, so a subscription started 2024-02-01 03:00 UTC (January 31, 22:00 local) is in
-- force at the end of January there.
SELECT mrr_path(s, NULL, 10, timestamptz '2024-01-01 00:00', '1 month', 2)
FROM (VALUES (timestamptz '2024-02-01 03:00+00')) v(s);
RESET TimeZone;
SET TimeZone = 'UTC';
SELECT mrr_path(s, NULL, 10, timestamptz '2024-01-01 00:00', '1 month', 2)
FROM (VALUES (timestamptz '2024-02-01 03:00+00')) v(s);

-- NULL when there is nothing to aggregate, as avg() is; a customer whose rows never count in
-- a period has a path without points, and stays out of movements and cohorts.
SELECT mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 6) IS NULL AS no_rows
FROM subs WHERE false;
SELECT mrr_path(started_at, ended_at, NULL, date '2024-01-01', '1 month', 6) IS NULL AS only_null_mrr
FROM subs;
SELECT mrr_movements(path) IS NULL AS no_paths, mrr_movements_series(path) IS NULL AS no_series,
       cohort_summary(path) IS NULL AS no_cohorts
FROM paths WHERE false;
SELECT path FROM paths WHERE customer = 'in_month';
SELECT (m.ending_mrr, m.customers_end) AS only_never_paying
FROM unnest((SELECT mrr_movements(path) FROM paths WHERE customer = 'in_month')) m LIMIT 1;
SELECT count(*) AS cohorts_of_never_paying
FROM cohort_retention((SELECT cohort_summary(path) FROM paths WHERE customer = 'in_month'));

-- As a window aggregate: each customer's path so far, by start date.
SELECT customer, started_at, mrr_path(started_at, ended_at, mrr, date '2024-01-01', '1 month', 6)
                                 OVER (PARTITION BY customer ORDER BY started_at, mrr) AS path_so_far
FROM subs WHERE customer IN ('gap', 'same_day') ORDER BY customer, started_at;

-- The support functions are ordinary functions: called directly they return a new value and
-- leave their arguments as they were (here values read from a table).
SELECT mrr_path_combine(path, path) AS twice_c FROM abc_paths WHERE customer = 'C';
SELECT mrr_path_trans(path, date '2024-02-01', NULL, 5.5, date '2024-01-01', '1 month', 4) AS c_and_more,
       path AS c_unchanged
FROM abc_paths WHERE customer = 'C';
SELECT (mrr_movements_series_final(mrr_movements_series_combine(s, s)))[1].new_mrr AS twice_new_mrr,
       (mrr_movements(s))[1].new_mrr AS new_mrr_unchanged
FROM (SELECT mrr_movements_series(path) AS s FROM abc_paths) x;
SELECT (SELECT max(customers) FROM cohort_retention(cohort_summary_final(cohort_summary_trans(c, path)))) AS four_customers,
       (SELECT max(customers) FROM cohort_retention(c)) AS three_customers_unchanged
FROM (SELECT cohort_summary(path) AS c FROM abc_paths) x, abc_paths WHERE customer = 'A';

-- The comment of mrr_path spells its text form (<series> stands for the fields up to hash=):
-- every field of a value is named there.
SELECT array_agg(f.m[1]) FILTER (WHERE strpos(obj_description('mrr_path'::regtype, 'pg_type'), f.m[1] || '=') = 0)
       AS fields_the_comment_misses
FROM abc_paths, regexp_matches(path::text, ' (\w+)=', 'g') AS f(m)
WHERE customer = 'A' AND f.m[1] NOT IN ('kind', 'first', 'length', 'periods', 'hash');

-- Text forms read back exactly; the binary forms are checked by the properties suite.
SELECT count(*) FILTER (WHERE path::text::mrr_path::text <> path::text) AS path_text_mismatches FROM paths;
SELECT s::text::mrr_movements_series::text = s::text AS series_text_roundtrip,
       c::text::cohort_summary::text = c::text AS cohort_text_roundtrip
FROM seg WHERE segment = 0;
SELECT c FROM seg WHERE segment = 0;

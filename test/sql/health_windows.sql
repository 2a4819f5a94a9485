-- The per-customer functions of the health views: kpi_days_late and kpi_latest_in_windows
-- (one customer's rows as arrays, measured in every window at once), kpi_in_force_periods
-- (the periods at whose end a customer has a subscription in force) and the aggregate
-- kpi_sums_in_windows (a customer's usage or tickets summed in every period at once). Worked
-- examples, then each against the plain SQL the health views used before (a join of every
-- row with every window or period it counts in) on thousands of pseudo-random rows, then
-- every error.
SET search_path = csmetrics, public;
CREATE SCHEMA health_windows_suite;
SET search_path = health_windows_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- Three windows, each the year before a month end. Invoice 1 (due 2025-01-10) is paid on
-- 2025-02-15, after the end of the first window: 22 days late in it (to the window's end),
-- 36 in the others. Invoice 2 was paid early (0). Invoice 3 is unpaid: late to each window's end.
SELECT kpi_days_late(
    ARRAY['2025-01-10', '2025-02-03', '2025-03-01']::date[],
    ARRAY['2025-01-10 00:00+00', '2025-02-03 12:00+00', '2025-03-01 00:00+00']::timestamptz[],
    ARRAY['2025-02-15 00:00+00', '2025-02-01 00:00+00', NULL]::timestamptz[],
    ARRAY['2024-02-01', '2024-03-01', '2024-04-01']::date[],
    ARRAY['2025-02-01', '2025-03-01', '2025-04-01']::date[],
    ARRAY['2025-02-01 00:00+00', '2025-03-01 00:00+00', '2025-04-01 00:00+00']::timestamptz[]) AS days_late;
-- by hand: window 1 holds invoice 1 only (22 days); window 2 invoices 1 and 2 ((36 + 0) / 2);
-- window 3 all three ((36 + 0 + 31) / 3)
SELECT (date '2025-02-01' - date '2025-01-10') AS w1, (date '2025-02-15' - date '2025-01-10') / 2.0 AS w2,
       round(((date '2025-02-15' - date '2025-01-10') + (date '2025-04-01' - date '2025-03-01')) / 3.0, 6) AS w3;

-- A window without an invoice is NULL; no invoice at all gives NULLs; fractions of a second count.
SELECT kpi_days_late('{2025-06-01}', '{2025-06-01 00:00+00}', '{2025-06-01 00:00:00.5+00}',
                     '{2024-01-01,2025-01-01}', '{2025-01-01,2026-01-01}',
                     '{2025-01-01 00:00+00,2026-01-01 00:00+00}') AS one_window,
       kpi_days_late('{}', '{}', '{}', '{2025-01-01}', '{2025-02-01}', '{2025-02-01 00:00+00}') AS no_invoice,
       kpi_days_late('{2025-01-05}', '{2025-01-05 00:00+00}', '{NULL}', '{}', '{}', '{}') AS no_window;

-- The latest answer per window; two answers at the same latest instant give the lower score,
-- whatever their order; a NULL score counts as the highest.
SELECT kpi_latest_in_windows(
    ARRAY['2024-05-01', '2025-01-20', '2025-01-20', '2025-03-02']::date[],
    ARRAY['2024-05-01 10:00+00', '2025-01-20 09:00+00', '2025-01-20 09:00+00', '2025-03-02 08:00+00']::timestamptz[],
    ARRAY[6, 9, 7, 10]::float8[],
    ARRAY['2024-02-01', '2024-03-01', '2025-02-01', '2025-06-01']::date[],
    ARRAY['2025-02-01', '2025-03-01', '2025-04-01', '2025-07-01']::date[]) AS latest,
       kpi_latest_in_windows('{2025-01-01,2025-01-01}', '{2025-01-01 00:00+00,2025-01-01 00:00+00}', '{NULL,3}',
                             '{2024-06-01}', '{2025-06-01}') AS null_score_loses,
       kpi_latest_in_windows('{2025-01-01}', '{2025-01-01 00:00+00}', '{NULL}', '{2024-06-01}', '{2025-06-01}') AS only_null;

-- 3 000 customers with 0 to 30 invoices each over 2023-2025: due at any second, some on a day's
-- first instant, paid before, on or after due (late ones to the microsecond), at a window end
-- exactly, or never; and 0 to 12
-- answers each, many sharing an instant. Twelve monthly windows of a year each.
CREATE TABLE invoices AS
SELECT c, i, due_at::date AS due_on, due_at,
       CASE WHEN r < 0.15 THEN NULL
            WHEN r < 0.25 THEN date_trunc('month', due_at + interval '1 month')
            WHEN r < 0.35 THEN due_at
            WHEN r < 0.55 THEN due_at - make_interval(secs => regress.rand_int(13, c * 100 + i, 1, 20 * 86400))
            ELSE due_at + make_interval(secs => regress.rand_int(14, c * 100 + i, 1, 90 * 86400))
                 + regress.rand_int(16, c * 100 + i, 0, 999999) * interval '1 microsecond' END AS paid_at
FROM (SELECT c, i, regress.rand(12, c * 100 + i) AS r,
             CASE WHEN regress.rand(15, c * 100 + i) < 0.3
                  THEN date_trunc('day', t) ELSE t END AS due_at
      FROM (SELECT c, i, timestamptz '2023-01-01' + make_interval(secs => regress.rand_int(11, c * 100 + i, 0, 1000 * 86400)) AS t
            FROM generate_series(1, 3000) c
            CROSS JOIN LATERAL generate_series(1, regress.rand_int(10, c, 0, 30)::int) i) x) y;
CREATE TABLE answers AS
SELECT c, i, at::date AS day, at, regress.rand_int(22, c * 100 + i, 0, 10)::float8 AS score
FROM (SELECT c, i,
             timestamptz '2023-06-01' + make_interval(secs => 3600 * regress.rand_int(21, c * 100 + (i + 1) / 2, 0, 24 * 800)) AS at
      FROM generate_series(1, 3000) c
      CROSS JOIN LATERAL generate_series(1, regress.rand_int(20, c, 0, 12)::int) i) x;
CREATE TABLE windows AS
SELECT k, (m + interval '1 month' - interval '1 year')::date AS window_start, (m + interval '1 month')::date AS window_end,
       (m + interval '1 month') AS window_end_at
FROM generate_series(1, 12) k, LATERAL (SELECT timestamptz '2024-06-01' + (k - 1) * interval '1 month' AS m) x;
SELECT (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM invoices WHERE paid_at IS NULL) AS unpaid,
       (SELECT count(*) FROM invoices WHERE paid_at = date_trunc('month', due_at + interval '1 month')) AS paid_at_a_month_end,
       (SELECT count(*) FROM answers) AS answers,
       (SELECT count(*) FROM (SELECT c, at FROM answers GROUP BY c, at HAVING count(*) > 1) t) AS shared_instants;

-- Days late: the functions' value per customer and window against the SQL average, exactly.
-- (Seconds rounded to six decimals are what extract gives from 14 on; before 14 it gives a
-- float8, exact here to the microsecond since no delay reaches a billion seconds.)
CREATE VIEW late_by_function AS
SELECT x.c, w.k, x.late[w.k] AS days_late
FROM (SELECT c, kpi_days_late(array_agg(due_on), array_agg(due_at), array_agg(paid_at),
                              (SELECT array_agg(window_start ORDER BY k) FROM windows),
                              (SELECT array_agg(window_end ORDER BY k) FROM windows),
                              (SELECT array_agg(window_end_at ORDER BY k) FROM windows)) AS late
      FROM invoices GROUP BY c) x
CROSS JOIN windows w;
CREATE TABLE late_c AS SELECT * FROM late_by_function;
CREATE TABLE late_sql AS
SELECT i.c, w.k,
       (avg(greatest(0, round(extract(epoch FROM least(coalesce(i.paid_at, w.window_end_at), w.window_end_at) - i.due_at)::numeric, 6))) / 86400)::float8 AS days_late
FROM invoices i JOIN windows w ON i.due_on >= w.window_start AND i.due_on < w.window_end
GROUP BY i.c, w.k;
SELECT count(*) FILTER (WHERE s.days_late IS NOT NULL) AS compared,
       count(*) FILTER (WHERE c.days_late IS DISTINCT FROM s.days_late) AS mismatches,
       count(*) FILTER (WHERE s.days_late = 0) AS zero,
       count(*) FILTER (WHERE s.days_late <> round(s.days_late::numeric, 3)::float8) AS fractional
FROM late_c c LEFT JOIN late_sql s USING (c, k);

-- The latest answer: against DISTINCT ON over the same join.
CREATE VIEW latest_by_function AS
SELECT x.c, w.k, x.latest[w.k] AS score
FROM (SELECT c, kpi_latest_in_windows(array_agg(day), array_agg(at), array_agg(score),
                                      (SELECT array_agg(window_start ORDER BY k) FROM windows),
                                      (SELECT array_agg(window_end ORDER BY k) FROM windows)) AS latest
      FROM answers GROUP BY c) x
CROSS JOIN windows w;
CREATE TABLE latest_c AS SELECT * FROM latest_by_function;
CREATE TABLE latest_sql AS
SELECT DISTINCT ON (a.c, w.k) a.c, w.k, a.score
FROM answers a JOIN windows w ON a.day >= w.window_start AND a.day < w.window_end
ORDER BY a.c, w.k, a.at DESC, a.score;
SELECT count(*) FILTER (WHERE s.score IS NOT NULL) AS compared,
       count(*) FILTER (WHERE c.score IS DISTINCT FROM s.score) AS mismatches
FROM latest_c c LEFT JOIN latest_sql s USING (c, k);
-- the rows' order does not matter: the same arrays reversed give the same values
SELECT count(*) AS reversed_mismatches
FROM (SELECT c, kpi_latest_in_windows(array_agg(day ORDER BY i DESC), array_agg(at ORDER BY i DESC), array_agg(score ORDER BY i DESC),
                                      (SELECT array_agg(window_start ORDER BY k) FROM windows),
                                      (SELECT array_agg(window_end ORDER BY k) FROM windows)) AS latest,
             kpi_latest_in_windows(array_agg(day ORDER BY i), array_agg(at ORDER BY i), array_agg(score ORDER BY i),
                                   (SELECT array_agg(window_start ORDER BY k) FROM windows),
                                   (SELECT array_agg(window_end ORDER BY k) FROM windows)) AS forward
      FROM answers GROUP BY c) x
WHERE latest IS DISTINCT FROM forward;

-- A parallel plan (the workers scan the rows, the functions run above the Gather) gives the
-- same values as the serial plans stored above.
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT * FROM late_by_function', 'Gather') AS late_gather,
       regress.plan_has('SELECT * FROM latest_by_function', 'Gather') AS latest_gather;
SELECT (SELECT count(*) FROM late_by_function p FULL JOIN late_c c USING (c, k) WHERE p.days_late IS DISTINCT FROM c.days_late) AS late_mismatches,
       (SELECT count(*) FROM latest_by_function p FULL JOIN latest_c c USING (c, k) WHERE p.score IS DISTINCT FROM c.score) AS latest_mismatches;
SELECT regress.serial();

-- Windows that change from one call to the next (each customer's years moved by 0 to 4 days,
-- arrays of the same size): each call measures its own windows, not those of the call before.
CREATE TABLE shifted AS
SELECT c, k, window_start + c % 5 AS window_start, window_end + c % 5 AS window_end,
       window_end_at + (c % 5) * interval '1 day' AS window_end_at
FROM (SELECT DISTINCT c FROM invoices UNION SELECT DISTINCT c FROM answers) cs CROSS JOIN windows;
SELECT count(*) FILTER (WHERE s.days_late IS NOT NULL) AS compared, count(*) FILTER (WHERE f.days_late IS DISTINCT FROM s.days_late) AS mismatches
FROM (SELECT x.c, w.k, x.late[w.k] AS days_late
      FROM (SELECT i.c, kpi_days_late(array_agg(i.due_on), array_agg(i.due_at), array_agg(i.paid_at),
                                      (SELECT array_agg(h.window_start ORDER BY h.k) FROM shifted h WHERE h.c = i.c),
                                      (SELECT array_agg(h.window_end ORDER BY h.k) FROM shifted h WHERE h.c = i.c),
                                      (SELECT array_agg(h.window_end_at ORDER BY h.k) FROM shifted h WHERE h.c = i.c)) AS late
            FROM invoices i GROUP BY i.c ORDER BY i.c) x
      CROSS JOIN windows w) f
LEFT JOIN (SELECT i.c, h.k,
                  (avg(greatest(0, round(extract(epoch FROM least(coalesce(i.paid_at, h.window_end_at), h.window_end_at) - i.due_at)::numeric, 6))) / 86400)::float8 AS days_late
           FROM invoices i JOIN shifted h ON h.c = i.c AND i.due_on >= h.window_start AND i.due_on < h.window_end
           GROUP BY i.c, h.k) s USING (c, k);
SELECT count(*) FILTER (WHERE s.score IS NOT NULL) AS compared, count(*) FILTER (WHERE f.score IS DISTINCT FROM s.score) AS mismatches
FROM (SELECT x.c, w.k, x.latest[w.k] AS score
      FROM (SELECT a.c, kpi_latest_in_windows(array_agg(a.day), array_agg(a.at), array_agg(a.score),
                                              (SELECT array_agg(h.window_start ORDER BY h.k) FROM shifted h WHERE h.c = a.c),
                                              (SELECT array_agg(h.window_end ORDER BY h.k) FROM shifted h WHERE h.c = a.c)) AS latest
            FROM answers a GROUP BY a.c ORDER BY a.c) x
      CROSS JOIN windows w) f
LEFT JOIN (SELECT DISTINCT ON (a.c, h.k) a.c, h.k, a.score
           FROM answers a JOIN shifted h ON h.c = a.c AND a.day >= h.window_start AND a.day < h.window_end
           ORDER BY a.c, h.k, a.at DESC, a.score) s USING (c, k);

-- Delays of every size, from a microsecond to thirty years (below a billion seconds, which
-- 13's float8 epoch still gives to the microsecond), with one to 400 invoices a customer:
-- the two divisions keep numeric's scales and rounding whatever the size of the mean.
CREATE TABLE late_sizes AS
SELECT c, i, due_at::date AS due_on, due_at,
       due_at + regress.rand_int(32, c * 1000 + i, 0, power(10::numeric, 3 + 4 * (c % 4) - c % 3)::bigint - 1) * interval '1 microsecond' AS paid_at
FROM (SELECT c, i, timestamptz '2024-01-01' + regress.rand_int(31, c * 1000 + i, 0, 300 * 86400) * interval '1 second' AS due_at
      FROM generate_series(1, 2000) c
      CROSS JOIN LATERAL generate_series(1, CASE WHEN c % 7 = 0 THEN 400 ELSE 1 + c % 13 END) i) x;
SELECT count(*) AS compared, count(*) FILTER (WHERE f.days_late IS DISTINCT FROM s.days_late) AS mismatches,
       min(s.days_late) FILTER (WHERE s.days_late > 0) < 1e-9 AS means_below_1e_9_days, max(s.days_late) > 1000 AS means_above_1000_days,
       count(*) FILTER (WHERE s.days_late = 0) AS zero
FROM (SELECT c, (kpi_days_late(array_agg(due_on), array_agg(due_at), array_agg(paid_at),
                               '{2023-01-01}', '{2100-01-01}', '{2100-01-01 00:00+00}'))[1] AS days_late
      FROM late_sizes GROUP BY c) f
JOIN (SELECT c, (avg(round(extract(epoch FROM paid_at - due_at)::numeric, 6)) / 86400)::float8 AS days_late
      FROM late_sizes GROUP BY c) s USING (c);

-- The periods in force: a subscription counts at a period end when it started before it and
-- has not ended before it (ending on the period end itself still counts).
SELECT kpi_in_force_periods('{2025-01-15,2025-03-01}', '{2025-03-01,NULL}',
                            '{2025-01-01,2025-02-01,2025-03-01,2025-04-01}') AS gap_then_open,
       kpi_in_force_periods('{2025-01-01}', '{2025-01-31}', '{2025-01-01,2025-02-01}') AS ends_before,
       kpi_in_force_periods('{}', '{}', '{2025-01-01}') AS no_subscription,
       kpi_in_force_periods('{NULL,2024-01-01}', '{NULL,NULL}', '{2025-01-01}') AS null_start_left_out;

-- 3 000 customers with 0 to 6 subscriptions each: starts and ends anywhere, on a period end
-- exactly, open, or ending the day they start. Fifteen monthly period ends.
CREATE TABLE subscriptions AS
SELECT c, i, started_on,
       CASE WHEN r < 0.3 THEN NULL WHEN r < 0.4 THEN started_on
            WHEN r < 0.55 THEN date_trunc('month', started_on + regress.rand_int(32, c * 10 + i, 0, 400)::int)::date
            ELSE started_on + regress.rand_int(33, c * 10 + i, 0, 500)::int END AS ended_on
FROM (SELECT c, i, regress.rand(31, c * 10 + i) AS r,
             CASE WHEN regress.rand(34, c * 10 + i) < 0.3
                  THEN date_trunc('month', date '2024-01-01' + regress.rand_int(30, c * 10 + i, 0, 700)::int)::date
                  ELSE date '2024-01-01' + regress.rand_int(30, c * 10 + i, 0, 700)::int END AS started_on
      FROM generate_series(1, 3000) c
      CROSS JOIN LATERAL generate_series(1, regress.rand_int(35, c, 0, 6)::int) i) x;
CREATE TABLE period_ends AS
SELECT k, (date '2024-06-01' + k * interval '1 month')::date AS period_end FROM generate_series(1, 15) k;
SELECT count(*) AS subscriptions, count(*) FILTER (WHERE ended_on IS NULL) AS open,
       count(*) FILTER (WHERE ended_on IN (SELECT period_end FROM period_ends)) AS ending_on_a_period_end
FROM subscriptions;
SELECT count(*) FILTER (WHERE s.c IS NOT NULL) AS in_force, count(*) FILTER (WHERE f.c IS NULL OR s.c IS NULL) AS mismatches
FROM (SELECT x.c, u.k
      FROM (SELECT c, kpi_in_force_periods(array_agg(started_on), array_agg(ended_on),
                                           (SELECT array_agg(period_end ORDER BY k) FROM period_ends)) AS ks
            FROM subscriptions GROUP BY c) x
      CROSS JOIN LATERAL unnest(x.ks) AS u(k)) f
FULL JOIN (SELECT DISTINCT s.c, p.k
           FROM subscriptions s JOIN period_ends p ON s.started_on < p.period_end AND (s.ended_on IS NULL OR s.ended_on >= p.period_end)) s
       USING (c, k);
-- and with each customer's period ends moved by 0 to 6 days
SELECT count(*) FILTER (WHERE s.c IS NOT NULL) AS in_force, count(*) FILTER (WHERE f.c IS NULL OR s.c IS NULL) AS mismatches
FROM (SELECT x.c, u.k
      FROM (SELECT c, kpi_in_force_periods(array_agg(started_on), array_agg(ended_on),
                                           (SELECT array_agg(period_end + subscriptions.c % 7 ORDER BY k) FROM period_ends)) AS ks
            FROM subscriptions GROUP BY c ORDER BY c) x
      CROSS JOIN LATERAL unnest(x.ks) AS u(k)) f
FULL JOIN (SELECT DISTINCT s.c, p.k
           FROM subscriptions s JOIN period_ends p
                ON s.started_on < p.period_end + s.c % 7 AND (s.ended_on IS NULL OR s.ended_on >= p.period_end + s.c % 7)) s
       USING (c, k);

-- kpi_sums_in_windows, the aggregate that sums usage and tickets per period: a worked example
-- (overlapping windows, fractions, a window without a row gives NULL, rows with a NULL day or
-- value left out), then per customer and window against sum(value)::float8 over the join of
-- every row with every window it falls in: exact amounts with 0 to 4 decimals, some whole
-- numbers with trailing zeros, some negative, some too long for a double to hold exactly;
-- the year windows above (overlapping) and 14 months (disjoint, with a gap).
SELECT kpi_sums_in_windows(d, v, '{2025-01-01,2025-01-15,2025-03-01}', '{2025-02-01,2025-02-15,2025-04-01}') AS sums
FROM (VALUES ('2025-01-10'::date, 1.25), ('2025-01-20', 2), ('2025-02-10', 0.5), (NULL, 7), ('2025-01-20', NULL)) v(d, v);
CREATE TABLE amounts AS
SELECT c, i, date '2023-06-01' + regress.rand_int(31, c * 100 + i, 0, 800)::int AS day,
       CASE WHEN regress.rand(32, c * 100 + i) < 0.1 THEN -regress.rand_int(33, c * 100 + i, 1, 99)::numeric
            WHEN regress.rand(32, c * 100 + i) < 0.2 THEN regress.rand_int(33, c * 100 + i, 1, 99)::numeric * 10000
            WHEN regress.rand(32, c * 100 + i) < 0.25 THEN 123456789012345678.9 + i
            ELSE round(regress.rand_int(33, c * 100 + i, 0, 10000000)::numeric / 10::numeric ^ regress.rand_int(34, c * 100 + i, 0, 4)::int, 4) END AS value
FROM generate_series(1, 3000) c
CROSS JOIN LATERAL generate_series(1, regress.rand_int(30, c, 0, 20)::int) i;
CREATE TABLE months AS
SELECT k, m::date AS window_start, (m + interval '1 month')::date AS window_end
FROM generate_series(1, 14) k, LATERAL (SELECT timestamptz '2023-09-01' + (k - 1 + (k > 10)::int * 3) * interval '1 month' AS m) x;
CREATE FUNCTION sums_mismatches(windows regclass) RETURNS TABLE (compared bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT count(*) FILTER (WHERE s.total IS NOT NULL), count(*) FILTER (WHERE f.total IS DISTINCT FROM s.total)
        FROM (SELECT x.c, w.k, x.sums[w.k] AS total
              FROM (SELECT a.c, kpi_sums_in_windows(a.day, a.value, (SELECT array_agg(window_start ORDER BY k) FROM %1$s),
                                                    (SELECT array_agg(window_end ORDER BY k) FROM %1$s)) AS sums
                    FROM amounts a GROUP BY a.c) x
              CROSS JOIN %1$s w) f
        FULL JOIN (SELECT a.c, w.k, sum(a.value)::float8 AS total
                   FROM amounts a JOIN %1$s w ON a.day >= w.window_start AND a.day < w.window_end
                   GROUP BY a.c, w.k) s USING (c, k)$q$, windows);
END $$;
SELECT (SELECT count(*) FROM amounts) AS amounts, w.windows, m.*
FROM (VALUES ('windows'), ('months')) w(windows), LATERAL sums_mismatches(w.windows::regclass) m;
-- a parallel plan gives the same sums; so does every prefix of a growing window frame
CREATE TABLE sums_serial AS
SELECT c, kpi_sums_in_windows(day, value, (SELECT array_agg(window_start ORDER BY k) FROM months),
                              (SELECT array_agg(window_end ORDER BY k) FROM months)) AS sums
FROM amounts GROUP BY c;
SELECT regress.force_parallel();
CREATE TABLE sums_parallel AS
SELECT c, kpi_sums_in_windows(day, value, (SELECT array_agg(window_start ORDER BY k) FROM months),
                              (SELECT array_agg(window_end ORDER BY k) FROM months)) AS sums
FROM amounts GROUP BY c;
SELECT regress.plan_has($$SELECT c, kpi_sums_in_windows(day, value, '{2024-01-01}', '{2024-02-01}') FROM amounts GROUP BY c$$, 'Gather') AS sums_gather;
SELECT regress.serial();
SELECT count(*) AS customers, count(*) FILTER (WHERE p.sums IS NOT DISTINCT FROM s.sums) AS identical
FROM sums_serial s FULL JOIN sums_parallel p USING (c);
SELECT count(*) AS frames, count(*) FILTER (WHERE w.sums IS DISTINCT FROM x.sums) AS mismatches
FROM (SELECT c, i, kpi_sums_in_windows(day, value, '{2023-06-01,2024-06-01}', '{2024-06-01,2025-09-01}') OVER (PARTITION BY c ORDER BY i) AS sums
      FROM amounts WHERE c <= 300) w
CROSS JOIN LATERAL (SELECT kpi_sums_in_windows(day, value, '{2023-06-01,2024-06-01}', '{2024-06-01,2025-09-01}') AS sums
                    FROM amounts a WHERE a.c = w.c AND a.i <= w.i) x;

-- A sum comes out as the cast of the exact sum to float8 (the double nearest to it): one value
-- per group, of up to 30 digits at scales up to 30, and values that lie on a midpoint between
-- two doubles (2^53 + 1 and 2^60 + 128 round to even).
CREATE TABLE conversions AS
SELECT i, CASE WHEN i % 3 = 0 THEN -1 ELSE 1 END
          * trunc((regress.rand_int(41, i, 0, 999999999999999)::numeric * 1000000000000000
                   + regress.rand_int(42, i, 0, 999999999999999)) / power(10::numeric, regress.rand_int(43, i, 0, 29)))
          * power(10::numeric, -regress.rand_int(44, i, 0, 30)::int) AS value
FROM generate_series(1, 30000) i
UNION ALL VALUES (-1, 9007199254740993), (-2, 1152921504606847104), (-3, -1152921504606847105), (-4, 0.1);
SELECT count(*) AS compared, count(*) FILTER (WHERE x.sum IS DISTINCT FROM x.value::float8) AS mismatches
FROM (SELECT i, value, (kpi_sums_in_windows(date '2025-01-01', value, '{2025-01-01}', '{2025-02-01}'))[1] AS sum
      FROM conversions GROUP BY i, value) x;

-- Errors: the rows' arrays and the windows' arrays pair up; windows and period ends are
-- one-dimensional, finite and not NULL, windows not empty; an invoice's instants are finite.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{}', '{NULL}', '{2024-01-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{}', '{2024-01-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{{2025-01-01}}', '{2025-01-01}', '{NULL}', '{2024-01-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{NULL}', '{2024-01-01,2024-02-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{NULL}', '{2024-01-01}', '{2025-02-01}', '{}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{NULL}', '{NULL}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{NULL}', '{2024-01-01}', '{infinity}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{NULL}', '{2024-01-01}', '{2025-02-01}', '{-infinity}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{NULL}', '{2025-02-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{infinity}', '{NULL}', '{2024-01-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_days_late('{2025-01-01}', '{2025-01-01}', '{-infinity}', '{2024-01-01}', '{2025-02-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_latest_in_windows('{2025-01-01}', '{2025-01-01,2025-01-02}', '{1}', '{2024-01-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_latest_in_windows('{2025-01-01}', '{2025-01-01}', '{1,2}', '{2024-01-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_latest_in_windows('{2025-01-01}', '{2025-01-01}', '{1}', '{2024-01-01}', '{{2025-02-01}}')$$),
    ($$SELECT csmetrics.kpi_latest_in_windows('{2025-01-01}', '{2025-01-01}', '{1}', '{2024-01-01}', '{NULL}')$$),
    ($$SELECT csmetrics.kpi_latest_in_windows('{2025-01-01}', '{2025-01-01}', '{1}', '{2025-03-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_in_force_periods('{2025-01-01}', '{}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_in_force_periods('{2025-01-01}', '{NULL}', '{{2025-02-01}}')$$),
    ($$SELECT csmetrics.kpi_in_force_periods('{2025-01-01}', '{NULL}', '{2025-02-01,NULL}')$$),
    ($$SELECT csmetrics.kpi_in_force_periods('{2025-01-01}', '{NULL}', '{infinity}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', 1, NULL, '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', 1, '{2025-01-01}', '{2025-01-01}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', 1, '{2025-01-01}', '{2025-02-01,2025-03-01}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', 1, '{NULL}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows(d, 1, s, '{2025-02-01}') FROM (VALUES ('2025-01-01'::date, '{2025-01-01}'::date[]), ('2025-01-02', '{2025-01-02}')) v(d, s)$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', 'NaN', '{2025-01-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', 1234567890123456789012345678901234567890, '{2025-01-01}', '{2025-02-01}')$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', v, '{2025-01-01}', '{2025-02-01}') FROM (VALUES (1e38), (1e38)) x(v)$$),
    ($$SELECT csmetrics.kpi_sums_in_windows('2025-01-01', v, '{2025-01-01}', '{2025-02-01}') FROM (VALUES (1e30), (1e-20)) x(v)$$)
) AS cases(statement);

RESET search_path;
DROP SCHEMA health_windows_suite CASCADE;

SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA flow_suite;
SET search_path = flow_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- The worked example of docs/flow.md, built from concrete spans for March 2024:
-- 121 customers stay all month, 9 leave during it, 23 join; plus spans that must not count.
CREATE TABLE spans AS
SELECT timestamptz '2023-01-01' + g * interval '1 day' AS started_at,
       NULL::timestamptz AS ended_at, 'stay' AS kind
FROM generate_series(1, 121) g
UNION ALL
SELECT timestamptz '2023-06-01', timestamptz '2024-03-01' + g * interval '2 days', 'lost'
FROM generate_series(0, 8) g
UNION ALL
SELECT timestamptz '2024-03-01' + g * interval '1 day', NULL, 'new'
FROM generate_series(0, 22) g
UNION ALL
SELECT timestamptz '2022-01-01', timestamptz '2024-02-29 23:59:59', 'gone before'
UNION ALL
SELECT timestamptz '2024-04-01', NULL, 'starts after'
UNION ALL
SELECT NULL, NULL, 'NULL start is skipped';

SELECT (customer_flow(started_at, ended_at, '2024-03-01', '2024-04-01')).* FROM spans;
SELECT round(retention_rate(started_at, ended_at, '2024-03-01', '2024-04-01')::numeric, 6) AS retention,
       round(churn_rate(started_at, ended_at, '2024-03-01', '2024-04-01')::numeric, 6) AS churn
FROM spans;
-- the accessors on the composite agree
SELECT round(retention_rate(f)::numeric, 6) AS retention, round(churn_rate(f)::numeric, 6) AS churn,
       round(churn_rate(f, true)::numeric, 6) AS churn_with_new
FROM (SELECT customer_flow(started_at, ended_at, '2024-03-01', '2024-04-01') AS f FROM spans) s;
-- the same spans as dates give the same flow
SELECT (customer_flow(started_at::date, ended_at::date, date '2024-03-01', date '2024-04-01')).*
FROM spans;

-- Boundary rules, one span at a time in [2024-03-01, 2024-04-01):
-- a span ending exactly at period_start is at start AND lost in that period;
-- a span starting exactly at period_start is new; one starting at period_end is not.
SELECT label, (customer_flow(s, e, '2024-03-01', '2024-04-01')).*
FROM (VALUES
    ('ends at ps',          timestamptz '2024-01-01', timestamptz '2024-03-01'),
    ('ends just before ps', '2024-01-01', '2024-02-29 23:59:59.999999'),
    ('ends at pe',          '2024-01-01', '2024-04-01'),
    ('ends just before pe', '2024-01-01', '2024-03-31 23:59:59.999999'),
    ('starts at ps, open',  '2024-03-01', NULL),
    ('starts at pe, open',  '2024-04-01', NULL),
    ('starts at ps, ends at pe', '2024-03-01', '2024-04-01'),
    ('starts at ps, ends inside', '2024-03-01', '2024-03-15'),
    ('zero length at ps',   '2024-03-01', '2024-03-01'),
    ('zero length inside',  '2024-03-10', '2024-03-10'),
    ('zero length at pe',   '2024-04-01', '2024-04-01'),
    ('open since before',   '2020-01-01', NULL)
) v(label, s, e)
GROUP BY label ORDER BY label;

-- Empty input and zero denominators give NULL.
SELECT customer_flow(started_at, ended_at, '2024-03-01', '2024-04-01') IS NULL AS empty_flow,
       churn_rate(started_at, ended_at, '2024-03-01', '2024-04-01') IS NULL AS empty_churn
FROM spans WHERE false;
SELECT (customer_flow(s, NULL, '2024-03-01', '2024-04-01')).*,
       churn_rate(s, NULL, '2024-03-01', '2024-04-01') AS churn,
       retention_rate(s, NULL, '2024-03-01', '2024-04-01') AS retention
FROM (VALUES (timestamptz '2024-03-05')) v(s);

-- annualized_churn: 5 % a month is 45.96 % a year.
SELECT round(annualized_churn(0.05)::numeric, 4) AS five_percent,
       annualized_churn(0) AS zero, annualized_churn(1) AS one;

-- rollup over segments equals the flow of the whole.
SELECT (rollup(f)).* FROM (
    SELECT kind, customer_flow(started_at, ended_at, '2024-03-01', '2024-04-01') AS f
    FROM spans GROUP BY kind) seg;

-- customer_flows: one row per period with named columns; the identity holds row by row.
SELECT (unnest(customer_flows(started_at, ended_at, '2024-01-01', interval '1 month', 5))).*
FROM spans;

-- Calendar arithmetic: period k starts at first + k * length (no drift), month ends clamp
-- like timestamptz + interval: Jan 31, Feb 29, Mar 31, Apr 30, May 31.
SELECT period_start, period_end, customers_start, new_customers, customers_end
FROM (SELECT unnest(customer_flows(s, NULL, '2024-01-31', interval '1 month', 5)) AS f
      FROM (VALUES (timestamptz '2024-03-31'), ('2024-03-30')) v(s)) x,
     LATERAL (SELECT (f).*) y;
-- quarters of dates, reported as timestamptz at midnight in the session time zone
SET TimeZone = 'America/New_York';
SELECT (unnest(customer_flows(s, e, date '2024-01-01', interval '3 months', 4))).*
FROM (VALUES (date '2023-12-31', date '2024-04-01'), ('2024-04-01', NULL), ('2024-05-01', '2024-05-01')) v(s, e);
-- a timestamptz series crossing a DST change keeps local midnights
SELECT period_start, period_end FROM unnest((
    SELECT customer_flows(s, NULL, '2024-03-01', interval '1 week', 3)
    FROM (VALUES (timestamptz '2024-03-02')) v(s)));
SET TimeZone = 'UTC';

-- The longest series allowed: 10 000 daily periods.
SELECT cardinality(fs) AS periods, (fs[1]).customers_start AS first_start, (fs[10000]).period_end AS last_end,
       (fs[10000]).customers_end AS last_end_count
FROM (SELECT customer_flows(started_at, ended_at, '2000-01-01', '1 day', 10000) AS fs FROM spans) x;

-- Extreme but valid instants: a series spanning nearly the whole timestamp range (the
-- period lookup must not overflow), and the last date that fits a timestamp.
SELECT k, period_start, new_customers, customers_end
FROM unnest((SELECT customer_flows(s, NULL, timestamptz '4713-01-01 00:00 BC', '1000 years', 298)
             FROM (VALUES (timestamptz '293287-12-31'), ('4713-01-01 00:00 BC'), ('150000-06-01')) v(s)))
     WITH ORDINALITY u(period_start, period_end, customers_start, new_customers, lost_customers, lost_new_customers, customers_end, k)
WHERE k IN (1, 2, 152, 153, 298) ORDER BY k;
SELECT (customer_flow(date '294276-12-30', NULL, date '294276-12-01', date '294276-12-31')).new_customers;

-- The states are real SQL types: their text and binary forms read back exactly.
CREATE AGGREGATE flow_state(timestamptz, timestamptz, timestamptz, timestamptz) (
    SFUNC = customer_flow_trans, STYPE = customer_flow_state, COMBINEFUNC = customer_flow_combine);
CREATE AGGREGATE flows_state(date, date, date, interval, int) (
    SFUNC = customer_flows_trans, STYPE = customer_flows_state, COMBINEFUNC = customer_flows_combine);
CREATE TABLE states AS
SELECT flow_state(started_at, ended_at, '2024-03-01', '2024-04-01') AS one,
       flows_state(started_at::date, ended_at::date, '2024-01-01', '1 month', 3) AS series
FROM spans;
SELECT one::text, series::text FROM states;
SELECT one::text::customer_flow_state::text = one::text AS one_text_round_trip,
       series::text::customer_flows_state::text = series::text AS series_text_round_trip,
       (customer_flow_final(one::text::customer_flow_state)).customers_end AS end_from_text,
       (customer_flows_final(series::text::customer_flows_state))[3].customers_end AS end_from_series_text
FROM states;
DO $$
DECLARE f text := current_setting('data_directory') || '/csmetrics_flow_states_' || pg_backend_pid() || '.bin';
BEGIN
    EXECUTE format('COPY states TO %L (FORMAT binary)', f);
    CREATE TEMP TABLE states_back (LIKE states);
    -- read the file back and remove it in one step
    EXECUTE format('COPY states_back FROM PROGRAM %L (FORMAT binary)', 'cat ' || f || ' && rm -f ' || f);
END $$;
SELECT b.one::text = s.one::text AS one_binary_round_trip,
       b.series::text = s.series::text AS series_binary_round_trip
FROM states s, states_back b;
SELECT (unnest(customer_flows_final('v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000,5097600000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state))).*;

-- Sliding frames whose first rows have no span (NULL started_at) or no flow: the moving
-- transitions must still return a state (PostgreSQL forbids NULL there); the frame of
-- row 1 holds nothing and gives NULL, row 2 counts one new customer.
SELECT i,
       customer_flow(s, e, date '2024-01-01', date '2024-02-01') OVER w AS flow_date,
       customer_flow(s::timestamptz, e::timestamptz, timestamptz '2024-01-01', timestamptz '2024-02-01') OVER w AS flow_tstz,
       churn_rate(s, e, date '2024-01-01', date '2024-02-01') OVER w AS churn,
       retention_rate(s, e, date '2024-01-01', date '2024-02-01') OVER w AS retention,
       (customer_flows(s, e, date '2024-01-01', '1 month', 2) OVER w)[2] AS second_of_series
FROM (VALUES (1, NULL::date, NULL::date), (2, date '2024-01-10', date '2024-03-01'),
             (3, NULL, NULL)) t(i, s, e)
WINDOW w AS (ORDER BY i ROWS 1 PRECEDING)
ORDER BY i;
SELECT i, rollup(f) OVER (ORDER BY i ROWS 1 PRECEDING) AS rolled
FROM (VALUES (1, NULL::customer_flow),
             (2, (SELECT customer_flow(date '2024-01-10', NULL::date, date '2024-01-01', date '2024-02-01'))),
             (3, NULL), (4, NULL)) t(i, f)
ORDER BY i;
-- the state of a rollup that has seen no flow yet reads back from its text form
CREATE AGGREGATE regress.flow_rollup_state(customer_flow) (
    SFUNC = csmetrics.customer_flow_rollup_trans, STYPE = csmetrics.customer_flow_state);
SELECT st AS state_without_period, st::text::customer_flow_state::text = st::text AS reads_back
FROM (SELECT regress.flow_rollup_state(f) AS st
      FROM (VALUES (NULL::customer_flow), (NULL)) t(f)) x;
DROP AGGREGATE regress.flow_rollup_state(customer_flow);

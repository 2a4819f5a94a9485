SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA flow_errors_suite;
SET search_path = flow_errors_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- Every error path of the customer flow family, with its SQLSTATE, message and detail.
CREATE TABLE spans (started_at timestamptz, ended_at timestamptz, ps timestamptz, pe timestamptz);
INSERT INTO spans VALUES ('2024-01-05', '2024-03-10', '2024-03-01', '2024-04-01'),
                         ('2024-02-05', NULL, '2024-03-01', '2024-04-01');

-- Spans
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('end_before_start', $$SELECT customer_flow(s, e, '2024-03-01', '2024-04-01') FROM (VALUES (timestamptz '2024-03-10', timestamptz '2024-03-09')) v(s, e)$$),
    ('end_before_start_date', $$SELECT customer_flow(s, e, date '2024-03-01', date '2024-04-01') FROM (VALUES (date '2024-03-10', date '2024-03-09')) v(s, e)$$),
    ('series_end_before_start', $$SELECT customer_flows(s, e, '2024-01-01', '1 month', 3) FROM (VALUES (timestamptz '2024-03-10', timestamptz '2024-03-09')) v(s, e)$$),
    ('infinite_start', $$SELECT customer_flow(timestamptz 'infinity', NULL, '2024-03-01', '2024-04-01')$$),
    ('infinite_end', $$SELECT customer_flow('2024-01-01', timestamptz 'infinity', '2024-03-01', '2024-04-01')$$),
    ('infinite_date', $$SELECT churn_rate(date '-infinity', NULL, date '2024-03-01', date '2024-04-01')$$),
    ('date_beyond_timestamp', $$SELECT customer_flows(date '5000000-01-01', NULL, date '2024-01-01', '1 month', 3)$$),
    ('last_date_beyond_timestamp', $$SELECT customer_flow(date '2000-01-01', date '5874897-12-31', date '2024-01-01', date '2024-02-01')$$),
    ('period_date_beyond_timestamp', $$SELECT customer_flow(date '2000-01-01', NULL, date '2024-01-01', date '294277-01-01')$$)
) AS cases(name, statement);

-- Periods of the one-period aggregates
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('empty_period', $$SELECT customer_flow(started_at, ended_at, '2024-04-01', '2024-04-01') FROM spans$$),
    ('negative_period', $$SELECT retention_rate(started_at, ended_at, '2024-04-01', '2024-03-01') FROM spans$$),
    ('infinite_period', $$SELECT customer_flow(started_at, ended_at, 'infinity', '2024-04-01') FROM spans$$),
    ('null_period_start', $$SELECT customer_flow(started_at, ended_at, NULL, '2024-04-01') FROM spans$$),
    ('null_period_end', $$SELECT customer_flow(started_at, ended_at, '2024-03-01', NULL) FROM spans$$),
    ('period_varies', $$SELECT churn_rate(started_at, ended_at, ps + (started_at > '2024-02-01')::int * interval '1 day', pe) FROM spans$$),
    ('period_varies_date', $$SELECT customer_flow(s, NULL, date '2024-03-01', p) FROM (VALUES (date '2024-01-01', date '2024-04-01'), ('2024-01-02', '2024-05-01')) v(s, p)$$)
) AS cases(name, statement);

-- Series parameters of customer_flows
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('zero_periods', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', 0) FROM spans$$),
    ('negative_periods', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', -3) FROM spans$$),
    ('too_many_periods', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 day', 10001) FROM spans$$),
    ('zero_length', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '0 days', 12) FROM spans$$),
    ('negative_length', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '-1 month', 12) FROM spans$$),
    ('backwards_length', $$SELECT customer_flows(started_at, ended_at, '2024-01-31', '1 month -30 days', 12) FROM spans$$),
    ('series_out_of_range', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1000 years', 10000) FROM spans$$),
    ('infinite_first_start', $$SELECT customer_flows(started_at, ended_at, 'infinity', '1 month', 12) FROM spans$$),
    ('null_first_start', $$SELECT customer_flows(started_at, ended_at, NULL, '1 month', 12) FROM spans$$),
    ('null_length', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', NULL, 12) FROM spans$$),
    ('null_periods', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', NULL) FROM spans$$),
    ('series_varies', $$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', (12 + (started_at > '2024-02-01')::int)) FROM spans$$)
) AS cases(name, statement);

-- rollup and accessors on customer_flow values
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('rollup_different_periods', $$SELECT rollup(f) FROM (SELECT customer_flow(started_at, ended_at, ps + k * interval '1 month', pe + k * interval '1 month') AS f FROM spans, generate_series(0, 1) k GROUP BY k) x$$),
    ('rollup_lost_above_start', $$SELECT rollup(row('2024-03-01', '2024-04-01', 10, 2, 11, 0, 1)::customer_flow)$$),
    ('identity_broken', $$SELECT churn_rate(row('2024-03-01', '2024-04-01', 10, 2, 1, 0, 12)::customer_flow)$$),
    ('lost_new_above_new', $$SELECT retention_rate(row('2024-03-01', '2024-04-01', 10, 2, 1, 3, 8)::customer_flow)$$),
    ('negative_count', $$SELECT churn_rate(row('2024-03-01', '2024-04-01', -1, 2, 0, 0, 1)::customer_flow, true)$$),
    ('null_field', $$SELECT churn_rate(row('2024-03-01', '2024-04-01', NULL, 2, 0, 0, 1)::customer_flow)$$),
    ('flow_period_reversed', $$SELECT churn_rate(row('2024-04-01', '2024-03-01', 1, 0, 0, 0, 1)::customer_flow)$$),
    ('flow_period_infinite', $$SELECT churn_rate(row('-infinity', '2024-03-01', 1, 0, 0, 0, 1)::customer_flow)$$)
) AS cases(name, statement);

-- annualized_churn
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('rate_above_one', $$SELECT annualized_churn(1.5)$$),
    ('rate_below_zero', $$SELECT annualized_churn(-0.01)$$),
    ('rate_nan', $$SELECT annualized_churn('NaN')$$)
) AS cases(name, statement);

-- Malformed or hand-edited state text is rejected (22P02), never trusted.
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('state_version', $$SELECT 'v2 timestamptz [0,10) inputs=1 start=1 new=0 lost=0 lost_new=0'::customer_flow_state$$),
    ('state_kind', $$SELECT 'v1 weeks [0,10) inputs=1 start=1 new=0 lost=0 lost_new=0'::customer_flow_state$$),
    ('state_empty_period', $$SELECT 'v1 timestamptz [10,10) inputs=1 start=1 new=0 lost=0 lost_new=0'::customer_flow_state$$),
    ('state_lost_above_start', $$SELECT 'v1 timestamptz [0,10) inputs=1 start=1 new=0 lost=2 lost_new=0'::customer_flow_state$$),
    ('state_trailing_text', $$SELECT 'v1 timestamptz [0,10) inputs=1 start=1 new=0 lost=0 lost_new=0 extra'::customer_flow_state$$),
    ('state_number_overflow', $$SELECT 'v1 timestamptz [0,10) inputs=1 start=99999999999999999999 new=0 lost=0 lost_new=0'::customer_flow_state$$),
    ('state_number_missing', $$SELECT 'v1 timestamptz [0,10) inputs=1 start=- new=0 lost=0 lost_new=0'::customer_flow_state$$),
    -- the most negative int64 reads as a number, then fails the count check
    ('state_count_negative', $$SELECT 'v1 timestamptz [0,10) inputs=1 start=-9223372036854775808 new=0 lost=0 lost_new=0'::customer_flow_state$$),
    ('state_truncated', $$SELECT 'v1 timestamptz [0,10) inputs=1 start=1 new=0 lost=0'::customer_flow_state$$),
    ('state_empty_text', $$SELECT ''::customer_flow_state$$),
    ('series_too_few_bounds', $$SELECT 'v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state$$),
    ('series_bounds_not_ascending', $$SELECT 'v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000,2678400000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state$$),
    ('series_lost_above_start', $$SELECT 'v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000,5097600000000} new={1,0} lost={1,5} lost_new={0,0}'::customer_flows_state$$),
    ('series_more_than_inputs', $$SELECT 'v1 date periods=2 length=(1,0,0) inputs=1 start=1 bounds={0,2678400000000,5097600000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state$$),
    ('series_zero_periods', $$SELECT 'v1 date periods=0 length=(1,0,0) inputs=0 start=0 bounds={0} new={} lost={} lost_new={}'::customer_flows_state$$),
    ('series_too_many_periods', $$SELECT 'v1 date periods=20000 length=(1,0,0) inputs=0 start=0'::customer_flows_state$$),
    ('series_interval_months', $$SELECT 'v1 date periods=1 length=(99999999999,0,0) inputs=0 start=0 bounds={0,1} new={0} lost={0} lost_new={0}'::customer_flows_state$$)
) AS cases(name, statement);

-- A state of date instants cannot take timestamptz input (only a hand-made aggregate can try).
CREATE AGGREGATE mixed_flow(timestamptz, timestamptz, timestamptz, timestamptz) (
    SFUNC = customer_flow_trans, STYPE = customer_flow_state,
    INITCOND = 'v1 date [0,86400000000) inputs=0 start=0 new=0 lost=0 lost_new=0');
CREATE AGGREGATE mixed_flows(timestamptz, timestamptz, timestamptz, interval, int) (
    SFUNC = customer_flows_trans, STYPE = customer_flows_state,
    INITCOND = 'v1 date periods=1 length=(0,1,0) inputs=0 start=0 bounds={0,86400000000} new={0} lost={0} lost_new={0}');
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('state_kind_mismatch', $$SELECT mixed_flow(started_at, ended_at, ps, pe) FROM spans$$),
    ('series_state_kind_mismatch', $$SELECT mixed_flows(started_at, ended_at, '2000-01-01', '1 day', 1) FROM spans$$)
) AS cases(name, statement);

-- NULL started_at is skipped (not an error); a group of only such rows gives NULL.
SELECT customer_flow(NULL::timestamptz, NULL, '2024-03-01', '2024-04-01') IS NULL AS only_null_starts,
       customer_flows(NULL::date, NULL, '2024-01-01', '1 month', 2) IS NULL AS only_null_starts_series;

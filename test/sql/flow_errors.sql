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
SELECT regress.expect_error($$SELECT customer_flow(s, e, '2024-03-01', '2024-04-01') FROM (VALUES (timestamptz '2024-03-10', timestamptz '2024-03-09')) v(s, e)$$) AS end_before_start;
SELECT regress.expect_error($$SELECT customer_flow(s, e, date '2024-03-01', date '2024-04-01') FROM (VALUES (date '2024-03-10', date '2024-03-09')) v(s, e)$$) AS end_before_start_date;
SELECT regress.expect_error($$SELECT customer_flows(s, e, '2024-01-01', '1 month', 3) FROM (VALUES (timestamptz '2024-03-10', timestamptz '2024-03-09')) v(s, e)$$) AS series_end_before_start;
SELECT regress.expect_error($$SELECT customer_flow(timestamptz 'infinity', NULL, '2024-03-01', '2024-04-01')$$) AS infinite_start;
SELECT regress.expect_error($$SELECT customer_flow('2024-01-01', timestamptz 'infinity', '2024-03-01', '2024-04-01')$$) AS infinite_end;
SELECT regress.expect_error($$SELECT churn_rate(date '-infinity', NULL, date '2024-03-01', date '2024-04-01')$$) AS infinite_date;
SELECT regress.expect_error($$SELECT customer_flows(date '5000000-01-01', NULL, date '2024-01-01', '1 month', 3)$$) AS date_beyond_timestamp;
SELECT regress.expect_error($$SELECT customer_flow(date '2000-01-01', date '5874897-12-31', date '2024-01-01', date '2024-02-01')$$) AS last_date_beyond_timestamp;
SELECT regress.expect_error($$SELECT customer_flow(date '2000-01-01', NULL, date '2024-01-01', date '294277-01-01')$$) AS period_date_beyond_timestamp;

-- Periods of the one-period aggregates
SELECT regress.expect_error($$SELECT customer_flow(started_at, ended_at, '2024-04-01', '2024-04-01') FROM spans$$) AS empty_period;
SELECT regress.expect_error($$SELECT retention_rate(started_at, ended_at, '2024-04-01', '2024-03-01') FROM spans$$) AS negative_period;
SELECT regress.expect_error($$SELECT customer_flow(started_at, ended_at, 'infinity', '2024-04-01') FROM spans$$) AS infinite_period;
SELECT regress.expect_error($$SELECT customer_flow(started_at, ended_at, NULL, '2024-04-01') FROM spans$$) AS null_period_start;
SELECT regress.expect_error($$SELECT customer_flow(started_at, ended_at, '2024-03-01', NULL) FROM spans$$) AS null_period_end;
SELECT regress.expect_error($$SELECT churn_rate(started_at, ended_at, ps + (started_at > '2024-02-01')::int * interval '1 day', pe) FROM spans$$) AS period_varies;
SELECT regress.expect_error($$SELECT customer_flow(s, NULL, date '2024-03-01', p) FROM (VALUES (date '2024-01-01', date '2024-04-01'), ('2024-01-02', '2024-05-01')) v(s, p)$$) AS period_varies_date;

-- Series parameters of customer_flows
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', 0) FROM spans$$) AS zero_periods;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', -3) FROM spans$$) AS negative_periods;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 day', 10001) FROM spans$$) AS too_many_periods;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '0 days', 12) FROM spans$$) AS zero_length;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '-1 month', 12) FROM spans$$) AS negative_length;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-31', '1 month -30 days', 12) FROM spans$$) AS backwards_length;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1000 years', 10000) FROM spans$$) AS series_out_of_range;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, 'infinity', '1 month', 12) FROM spans$$) AS infinite_first_start;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, NULL, '1 month', 12) FROM spans$$) AS null_first_start;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', NULL, 12) FROM spans$$) AS null_length;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', NULL) FROM spans$$) AS null_periods;
SELECT regress.expect_error($$SELECT customer_flows(started_at, ended_at, '2024-01-01', '1 month', (12 + (started_at > '2024-02-01')::int)) FROM spans$$) AS series_varies;

-- rollup and accessors on customer_flow values
SELECT regress.expect_error($$SELECT rollup(f) FROM (SELECT customer_flow(started_at, ended_at, ps + k * interval '1 month', pe + k * interval '1 month') AS f FROM spans, generate_series(0, 1) k GROUP BY k) x$$) AS rollup_different_periods;
SELECT regress.expect_error($$SELECT rollup(row('2024-03-01', '2024-04-01', 10, 2, 11, 0, 1)::customer_flow)$$) AS rollup_lost_above_start;
SELECT regress.expect_error($$SELECT churn_rate(row('2024-03-01', '2024-04-01', 10, 2, 1, 0, 12)::customer_flow)$$) AS identity_broken;
SELECT regress.expect_error($$SELECT retention_rate(row('2024-03-01', '2024-04-01', 10, 2, 1, 3, 8)::customer_flow)$$) AS lost_new_above_new;
SELECT regress.expect_error($$SELECT churn_rate(row('2024-03-01', '2024-04-01', -1, 2, 0, 0, 1)::customer_flow, true)$$) AS negative_count;
SELECT regress.expect_error($$SELECT churn_rate(row('2024-03-01', '2024-04-01', NULL, 2, 0, 0, 1)::customer_flow)$$) AS null_field;
SELECT regress.expect_error($$SELECT churn_rate(row('2024-04-01', '2024-03-01', 1, 0, 0, 0, 1)::customer_flow)$$) AS flow_period_reversed;
SELECT regress.expect_error($$SELECT churn_rate(row('-infinity', '2024-03-01', 1, 0, 0, 0, 1)::customer_flow)$$) AS flow_period_infinite;

-- annualized_churn
SELECT regress.expect_error($$SELECT annualized_churn(1.5)$$) AS rate_above_one;
SELECT regress.expect_error($$SELECT annualized_churn(-0.01)$$) AS rate_below_zero;
SELECT regress.expect_error($$SELECT annualized_churn('NaN')$$) AS rate_nan;

-- Malformed or hand-edited state text is rejected (22P02), never trusted.
SELECT regress.expect_error($$SELECT 'v2 timestamptz [0,10) inputs=1 start=1 new=0 lost=0 lost_new=0'::customer_flow_state$$) AS state_version;
SELECT regress.expect_error($$SELECT 'v1 weeks [0,10) inputs=1 start=1 new=0 lost=0 lost_new=0'::customer_flow_state$$) AS state_kind;
SELECT regress.expect_error($$SELECT 'v1 timestamptz [10,10) inputs=1 start=1 new=0 lost=0 lost_new=0'::customer_flow_state$$) AS state_empty_period;
SELECT regress.expect_error($$SELECT 'v1 timestamptz [0,10) inputs=1 start=1 new=0 lost=2 lost_new=0'::customer_flow_state$$) AS state_lost_above_start;
SELECT regress.expect_error($$SELECT 'v1 timestamptz [0,10) inputs=1 start=1 new=0 lost=0 lost_new=0 extra'::customer_flow_state$$) AS state_trailing_text;
SELECT regress.expect_error($$SELECT 'v1 timestamptz [0,10) inputs=1 start=99999999999999999999 new=0 lost=0 lost_new=0'::customer_flow_state$$) AS state_number_overflow;
SELECT regress.expect_error($$SELECT 'v1 timestamptz [0,10) inputs=1 start=- new=0 lost=0 lost_new=0'::customer_flow_state$$) AS state_number_missing;
-- the most negative int64 reads as a number, then fails the count check
SELECT regress.expect_error($$SELECT 'v1 timestamptz [0,10) inputs=1 start=-9223372036854775808 new=0 lost=0 lost_new=0'::customer_flow_state$$) AS state_count_negative;
SELECT regress.expect_error($$SELECT 'v1 timestamptz [0,10) inputs=1 start=1 new=0 lost=0'::customer_flow_state$$) AS state_truncated;
SELECT regress.expect_error($$SELECT ''::customer_flow_state$$) AS state_empty_text;
SELECT regress.expect_error($$SELECT 'v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state$$) AS series_too_few_bounds;
SELECT regress.expect_error($$SELECT 'v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000,2678400000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state$$) AS series_bounds_not_ascending;
SELECT regress.expect_error($$SELECT 'v1 date periods=2 length=(1,0,0) inputs=3 start=1 bounds={0,2678400000000,5097600000000} new={1,0} lost={1,5} lost_new={0,0}'::customer_flows_state$$) AS series_lost_above_start;
SELECT regress.expect_error($$SELECT 'v1 date periods=2 length=(1,0,0) inputs=1 start=1 bounds={0,2678400000000,5097600000000} new={1,0} lost={1,0} lost_new={0,0}'::customer_flows_state$$) AS series_more_than_inputs;
SELECT regress.expect_error($$SELECT 'v1 date periods=0 length=(1,0,0) inputs=0 start=0 bounds={0} new={} lost={} lost_new={}'::customer_flows_state$$) AS series_zero_periods;
SELECT regress.expect_error($$SELECT 'v1 date periods=20000 length=(1,0,0) inputs=0 start=0'::customer_flows_state$$) AS series_too_many_periods;
SELECT regress.expect_error($$SELECT 'v1 date periods=1 length=(99999999999,0,0) inputs=0 start=0 bounds={0,1} new={0} lost={0} lost_new={0}'::customer_flows_state$$) AS series_interval_months;

-- A state of date instants cannot take timestamptz input (only a hand-made aggregate can try).
CREATE AGGREGATE mixed_flow(timestamptz, timestamptz, timestamptz, timestamptz) (
    SFUNC = customer_flow_trans, STYPE = customer_flow_state,
    INITCOND = 'v1 date [0,86400000000) inputs=0 start=0 new=0 lost=0 lost_new=0');
CREATE AGGREGATE mixed_flows(timestamptz, timestamptz, timestamptz, interval, int) (
    SFUNC = customer_flows_trans, STYPE = customer_flows_state,
    INITCOND = 'v1 date periods=1 length=(0,1,0) inputs=0 start=0 bounds={0,86400000000} new={0} lost={0} lost_new={0}');
SELECT regress.expect_error($$SELECT mixed_flow(started_at, ended_at, ps, pe) FROM spans$$) AS state_kind_mismatch;
SELECT regress.expect_error($$SELECT mixed_flows(started_at, ended_at, '2000-01-01', '1 day', 1) FROM spans$$) AS series_state_kind_mismatch;

-- Transition functions outside an aggregate are refused.
SELECT regress.expect_error($$SELECT customer_flow_trans(NULL::customer_flow_state, now(), NULL, now(), now())$$) AS not_in_aggregate;
SELECT regress.expect_error($$SELECT customer_flows_combine(NULL, NULL)$$) AS combine_not_in_aggregate;

-- NULL started_at is skipped (not an error); a group of only such rows gives NULL.
SELECT customer_flow(NULL::timestamptz, NULL, '2024-03-01', '2024-04-01') IS NULL AS only_null_starts,
       customer_flows(NULL::date, NULL, '2024-01-01', '1 month', 2) IS NULL AS only_null_starts_series;

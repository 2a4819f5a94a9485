-- The rule for transition, inverse and combine functions (src/csmetrics.h), family by family:
-- called directly they work like any function, return a new state and leave their arguments
-- as they were; a NULL state holds nothing; an inverse cannot take out what was not added
-- (SQLSTATE 22000); inside an aggregate they give what the aggregate gives.
SET search_path = csmetrics, public;
CREATE SCHEMA transition_rule_suite;
SET search_path = transition_rule_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- One stored value of every state type. Arguments read from a table point into the table's
-- own tuples, so a function that wrote into its argument would show it in the columns read
-- after it (the "after" columns below) and in the table itself.
CREATE TABLE states (
    survey  rating_summary,
    flow    customer_flow_state,
    flow_tz customer_flow_state,
    flows   customer_flows_state,
    mrr     mrr_movements_state,
    surv    survival_summary,
    ltv     survival_ltv_state,
    health  float8[]
);
INSERT INTO states VALUES (
    '(v1,0..10,{1,0,0,0,0,0,0,0,0,0,0})',
    'v1 date [757382400000000,760060800000000) inputs=1 start=1 new=0 lost=0 lost_new=0',
    'v1 timestamptz [757382400000000,760060800000000) inputs=1 start=1 new=0 lost=0 lost_new=0',
    'v1 date periods=2 length=(1,0,0) inputs=1 start=1 bounds={757382400000000,760060800000000,762566400000000} new={0,0} lost={0,0} lost_new={0,0}',
    'v1;0;0;1;1;10,10,0,0,0,0,0;1,1,0,0,0,0,0',
    '1;3:1/0',
    '1;h=-;a=10;3:1/0',
    '{1,50,0}');
CREATE TABLE states_before AS SELECT * FROM states;

-- 1. Direct calls add to a copy and leave the argument alone.
SELECT survey::text AS before, nps_trans(survey, 10)::text AS added, survey::text AS after FROM states;
SELECT flow::text AS before,
       customer_flow_trans(flow, date '2024-01-10', NULL, date '2024-01-01', date '2024-02-01')::text AS added,
       flow::text AS after
FROM states;
SELECT flows::text AS before,
       customer_flows_trans(flows, date '2024-02-10', NULL, date '2024-01-01', interval '1 month', 2)::text AS added,
       flows::text AS after
FROM states;
SELECT mrr::text AS before, mrr_movements_trans(mrr, 10, 15, true)::text AS added,
       mrr_cohort_trans(mrr, 10, 0)::text AS cohort_added, mrr::text AS after
FROM states;
SELECT surv::text AS before, survival_summary_transfn(surv, 5, false)::text AS added,
       survival_summary_mtransfn(surv, 1, true)::text AS moving_added, surv::text AS after
FROM states;
SELECT ltv::text AS before, survival_ltv_transfn(ltv, 2.5, 5, true)::text AS added, ltv::text AS after
FROM states;
SELECT health::text AS before,
       health_score_agg_transfn(health, '{70}', '{1}')::text AS added,
       health::text AS after
FROM states;

-- ... and so do inverse transitions and rollups.
SELECT nps_inv(survey, 0)::text AS survey_removed,
       customer_flow_inv(flow, date '2023-12-01', NULL, date '2024-01-01', date '2024-02-01')::text AS flow_removed,
       customer_flows_inv(flows, date '2023-12-01', NULL, date '2024-01-01', interval '1 month', 2)::text AS flows_removed,
       mrr_movements_inv(mrr, 10, 10, true)::text AS mrr_removed,
       survival_summary_invfn(surv, 3, true)::text AS surv_removed
FROM states;
SELECT customer_flow_rollup_trans(flow_tz, (SELECT customer_flow(timestamptz '2023-06-01', NULL, '2024-01-01', '2024-02-01')))::text AS flow_rolled_up,
       customer_flow_rollup_inv(flow_tz, (SELECT customer_flow(timestamptz '2023-06-01', NULL, '2024-01-01', '2024-02-01')))::text AS flow_rolled_back,
       mrr_movements_rollup_trans(mrr, (SELECT mrr_movements(0, 5, false)))::text AS mrr_rolled_up,
       survival_summary_rollup_mtransfn(surv, '1;0:0/2')::text AS surv_rolled_up,
       survival_summary_rollup_invfn(surv, '1;3:1/0')::text AS surv_rolled_back
FROM states;

-- 2. Combine functions called directly modify neither argument.
SELECT rating_summary_merge(survey, survey)::text AS survey_twice,
       customer_flow_combine(flow, flow)::text AS flow_twice,
       customer_flows_combine(flows, flows)::text AS flows_twice,
       mrr_movements_combine(mrr, mrr)::text AS mrr_twice,
       survival_summary_combine(surv, surv)::text AS surv_twice,
       survival_ltv_combine(ltv, ltv)::text AS ltv_twice
FROM states;
-- Nothing above changed a stored value.
SELECT (SELECT string_agg(s::text, ' | ') FROM states s) = (SELECT string_agg(b::text, ' | ') FROM states_before b) AS table_unchanged;

-- 3. A NULL state holds nothing: the first input makes a state, a NULL input leaves it NULL
-- (the flow states, whose period comes from the arguments, exist from the first row on).
SELECT nps_trans(NULL, 9)::text AS survey_first,
       nps_trans(NULL, NULL::int)::text AS survey_null_input,
       customer_flow_trans(NULL, date '2024-01-10', NULL, date '2024-01-01', date '2024-02-01')::text AS flow_first,
       mrr_movements_trans(NULL, 0, 20, false)::text AS mrr_first,
       mrr_movements_trans(NULL, NULL, 20, false)::text AS mrr_null_input,
       survival_summary_transfn(NULL, 2, true)::text AS surv_first,
       survival_summary_transfn(NULL, NULL, true)::text AS surv_null_input,
       survival_ltv_transfn(NULL, 9.90, 2, true, 12)::text AS ltv_first,
       health_score_agg_transfn(NULL, '{80,60}', '{1,1}')::text AS health_first;
SELECT customer_flows_trans(NULL, date '2024-01-10', NULL, date '2024-01-01', interval '1 month', 2)::text AS flows_first;
SELECT customer_flow_rollup_trans(NULL, NULL)::text AS flow_rollup_null,
       survival_summary_mtransfn(NULL, NULL, NULL)::text AS surv_moving_null,
       survival_summary_invfn(NULL, NULL, NULL)::text AS surv_inverse_null;

-- 4. Inverse transitions cannot take out what the state does not hold (22000).
SELECT regress.expect_error($$SELECT nps_inv(survey, 5) FROM states$$) AS survey;
SELECT regress.expect_error($$SELECT customer_flow_inv(flow, date '2024-01-10', NULL, date '2024-01-01', date '2024-02-01') FROM states$$) AS flow;
SELECT regress.expect_error($$SELECT customer_flows_inv(flows, date '2024-01-10', NULL, date '2024-01-01', interval '1 month', 2) FROM states$$) AS flows;
SELECT regress.expect_error($$SELECT customer_flow_rollup_inv(flow_tz, (SELECT customer_flow(timestamptz '2024-01-03', '2024-01-05', '2024-01-01', '2024-02-01'))) FROM states$$) AS flow_rollup;
SELECT regress.expect_error($$SELECT mrr_movements_inv(mrr, 10, 0, true) FROM states$$) AS mrr_churn;
SELECT regress.expect_error($$SELECT mrr_movements_inv(mrr, 0, 20, false) FROM states$$) AS mrr_amount;
SELECT regress.expect_error($$SELECT mrr_movements_inv(mrr, 10.0, 10.0, true) FROM states$$) AS mrr_digits;
SELECT regress.expect_error($$SELECT mrr_cohort_inv(NULL, 10, 10)$$) AS mrr_cohort_empty;
SELECT regress.expect_error($$SELECT mrr_movements_rollup_inv(mrr, (SELECT mrr_movements(0, 5, false))) FROM states$$) AS mrr_rollup;
SELECT regress.expect_error($$SELECT survival_summary_invfn(surv, 4, true) FROM states$$) AS surv_tenure;
SELECT regress.expect_error($$SELECT survival_summary_invfn(surv, 3, false) FROM states$$) AS surv_censored;
SELECT regress.expect_error($$SELECT survival_summary_invfn(NULL, 3, true)$$) AS surv_empty;
SELECT regress.expect_error($$SELECT survival_summary_rollup_invfn(surv, '1;7:1/0') FROM states$$) AS surv_rollup;

-- 5. Inside aggregates the same functions update their state in place and give the
-- aggregates' results: a hand-made aggregate over the transition function equals the
-- shipped one, row by row in a window frame as well.
CREATE AGGREGATE my_survival(int, bool) (SFUNC = survival_summary_transfn, STYPE = survival_summary);
CREATE AGGREGATE my_mrr(numeric, numeric, bool) (SFUNC = mrr_movements_trans, STYPE = mrr_movements_state);
SELECT my_survival(t, c)::text = survival_summary(t, c)::text AS survival_same,
       mrr_movements_final(my_mrr(p, m, true))::text = mrr_movements(p, m, true)::text AS mrr_same
FROM (SELECT i % 13 AS t, i % 3 = 0 AS c, (i % 5)::numeric AS p, (i % 7)::numeric AS m
      FROM generate_series(1, 500) i) d;
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS window_mismatches
FROM (SELECT nps_agg(i % 11) OVER w AS a,
             nps(rollup(nps_trans(NULL, i % 11)) OVER w) AS b
      FROM generate_series(1, 300) i
      WINDOW w AS (ORDER BY i ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)) f;

-- roc_summary, every point of the rule. A stored transition state keeps the rows appended
-- since its last compaction unsorted, with spare room after them, and reading it sorts them:
-- the raw bytes of the table's page (pageinspect) show that nothing did so in place.
CREATE EXTENSION pageinspect SCHEMA transition_rule_suite;
CREATE AGGREGATE my_roc(float8, bool) (SFUNC = roc_summary_trans, STYPE = roc_summary);
CREATE TABLE roc_states (summary roc_summary, raw roc_summary);
INSERT INTO roc_states
SELECT 'v1 scores={30,60} retained={1,0} churned={0,1}', my_roc(s, c)
FROM (VALUES (60::float8, true), (30, false), (45, true), (30, true)) v(s, c);
CREATE TABLE roc_page_before AS SELECT t_data FROM heap_page_items(get_raw_page('roc_states', 0));
SELECT raw::text AS raw_state, pg_column_size(raw) > pg_column_size(roc_summary_final(raw)) AS has_spare_room
FROM roc_states;
-- 1. direct calls work on a copy
SELECT summary::text AS before, roc_summary_trans(summary, 45, true)::text AS added,
       roc_summary_mtrans(summary, 60, false)::text AS moving_added,
       roc_summary_inv(summary, 30, false)::text AS removed, summary::text AS after
FROM roc_states;
SELECT roc_summary_rollup_mtrans(summary, 'v1 scores={10} retained={1} churned={0}')::text AS rolled_up,
       roc_summary_rollup_inv(summary, 'v1 scores={60} retained={0} churned={1}')::text AS rolled_back,
       roc_summary_trans(raw, 50, false)::text AS raw_added, roc_summary_inv(raw, 45, true)::text AS raw_removed
FROM roc_states;
-- ... and so do combine, final, accessors and output, on a compacted value and on a raw state
SELECT roc_summary_combine(summary, raw)::text AS combined, roc_summary_combine(raw, raw)::text AS raw_twice,
       roc_summary_final(raw)::text AS final, roc_auc(raw) AS auc, customers(raw), roc_summary_send(raw)
FROM roc_states;
SELECT (SELECT t_data FROM heap_page_items(get_raw_page('roc_states', 0))) = (SELECT t_data FROM roc_page_before) AS page_unchanged;
-- 3. a NULL state holds nothing
SELECT roc_summary_trans(NULL, 50, true)::text AS first, roc_summary_trans(NULL, NULL, true)::text AS null_input,
       roc_summary_combine(NULL, NULL)::text AS combine_nulls,
       roc_summary_mtrans(NULL, NULL, NULL)::text AS moving_null, roc_summary_inv(NULL, NULL, NULL)::text AS inverse_null,
       roc_summary_rollup_mtrans(NULL, NULL)::text AS rollup_moving_null;
-- 4. inverses cannot take out what is not there
SELECT regress.expect_error($$SELECT roc_summary_inv(summary, 45, true) FROM roc_states$$) AS roc;
SELECT regress.expect_error($$SELECT roc_summary_rollup_inv(summary, 'v1 scores={30} retained={2} churned={0}') FROM roc_states$$) AS roc_rollup;
-- 5. inside aggregates: the hand-made aggregate gives the shipped one's summary, and a
-- window over rollups of one-row states gives the sliding window's AUC
SELECT roc_summary_final(my_roc(s, c)) = roc_summary(s, c) AS roc_same
FROM (SELECT (i % 37)::float8 / 3 AS s, i % 4 = 0 AS c FROM generate_series(1, 5000) i) d;
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS roc_window_mismatches
FROM (SELECT roc_auc(i % 17, i % 3 = 0) OVER w AS a,
             roc_auc(rollup(roc_summary_trans(NULL, i % 17, i % 3 = 0)) OVER w) AS b
      FROM generate_series(1, 300) i
      WINDOW w AS (ORDER BY i ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)) f;

RESET search_path;
DROP SCHEMA transition_rule_suite CASCADE;

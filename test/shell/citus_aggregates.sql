-- Every csmetrics aggregate over the distributed CRM tables (schema crm) against the same
-- rows in plain tables (schema local_crm), run on the coordinator after citus_data.sql.
-- Each aggregate runs twice:
--   * grouped by customer: Citus must push the whole aggregate down to the 32 shards
--     (nothing but the result comes back to the coordinator);
--   * grouped by period: the workers compute partial states (worker_partial_agg), Citus
--     ships them to the coordinator in their text form and combines them there
--     (coord_combine_agg), so any state whose text form did not read back exactly would
--     give another number.
-- Results are compared as text, row by row; float results too (extra_float_digits keeps
-- every digit).
SET timezone = 'UTC';
SET search_path = public, csmetrics;
SET client_min_messages = warning;

CREATE SCHEMA citus_check;

-- One row per aggregate: its signature, the rows it reads (relative to the schema), the
-- expression, and the keys of the two groupings.
CREATE TABLE citus_check.cases (
    agg          regprocedure PRIMARY KEY,
    source       text NOT NULL,
    expr         text NOT NULL,
    customer_key text NOT NULL DEFAULT 'customer_id',
    period_key   text NOT NULL,
    float_sums   boolean NOT NULL DEFAULT false,
    -- false for an aggregate without a combine function: Citus brings the rows of a group
    -- that spans shards to the coordinator and aggregates them there
    partial      boolean NOT NULL DEFAULT true
);

-- Survey aggregates: every score type with every form (scale and threshold arguments).
INSERT INTO citus_check.cases (agg, source, expr, period_key)
SELECT format('%s(%s%s)', f.name, t.sqltype, f.arg_types)::regprocedure,
       format('survey_responses WHERE survey = %L AND score BETWEEN %s AND %s', f.survey, f.lo, f.hi),
       format('%s(score::%s%s)', f.name, t.sqltype, f.args),
       'date_trunc(''month'', responded_at)'
FROM (VALUES ('nps_agg', 'nps', 0, 10, '', ''), ('nps_summary', 'nps', 0, 10, '', ''),
             ('csat_agg', 'csat', 1, 5, '', ''), ('csat_agg', 'csat', 1, 5, ', 7', ', int'),
             ('csat_agg', 'csat', 1, 5, ', 7, 3', ', int, int'),
             ('csat_summary', 'csat', 1, 5, '', ''), ('csat_summary', 'csat', 1, 5, ', 7', ', int'),
             ('ces_agg', 'ces', 1, 7, '', ''), ('ces_agg', 'ces', 1, 7, ', 9', ', int'),
             ('ces_summary', 'ces', 1, 7, '', ''), ('ces_summary', 'ces', 1, 7, ', 9', ', int'))
         AS f(name, survey, lo, hi, args, arg_types),
     unnest(ARRAY['smallint', 'integer', 'bigint', 'numeric']) AS t(sqltype);

-- Customer flows over subscription rows, as timestamptz and as dates: the first quarter of
-- 2024 (customer_flows: every month of 2023 and 2024), grouped by the quarter the rows
-- started in, so that each group gathers rows of many shards.
INSERT INTO citus_check.cases (agg, source, expr, period_key)
SELECT format('%s(%s, %s, %s, %s)', f.name, t, t, t, format(f.rest_types, t))::regprocedure,
       'subscriptions WHERE ended_at IS NULL OR ended_at >= started_at',
       format('%s(started_at::%s, ended_at::%s, %L::%s, %s)', f.name, t, t, f.first_period, t, format(f.rest, t)),
       'date_trunc(''quarter'', started_at)'
FROM (VALUES ('customer_flow', '2024-01-01', '''2024-04-01''::%s', '%s'), ('churn_rate', '2024-01-01', '''2024-04-01''::%s', '%s'),
             ('retention_rate', '2024-01-01', '''2024-04-01''::%s', '%s'), ('customer_flows', '2023-01-01', '''1 month'', 24', 'interval, int'))
         AS f(name, first_period, rest, rest_types),
     unnest(ARRAY['timestamptz', 'date']) AS t;

INSERT INTO citus_check.cases (agg, source, expr, customer_key, period_key) VALUES
    -- stored survey summaries
    ('rollup(rating_summary)', 'survey_summaries', 'rollup(nps)', DEFAULT, 'date_trunc(''quarter'', month)'),
    ('nps_agg(rating_summary)', 'survey_summaries', 'nps_agg(nps)', DEFAULT, 'date_trunc(''quarter'', month)'),
    ('csat_agg(rating_summary)', 'survey_summaries', 'csat_agg(csat)', DEFAULT, 'date_trunc(''quarter'', month)'),
    ('ces_agg(rating_summary)', 'survey_summaries', 'ces_agg(ces)', DEFAULT, 'date_trunc(''quarter'', month)'),
    -- stored flows roll up within one period only, so the customer grouping keeps the month
    ('rollup(customer_flow)', 'flow_summaries', 'rollup(flow)', 'customer_id, month', 'month'),
    -- revenue
    ('mrr_movements(numeric, numeric, boolean)', 'customer_months', 'mrr_movements(prev_mrr, mrr, seen_before)', DEFAULT, 'month'),
    ('rollup(mrr_movements)', 'mrr_summaries', 'rollup(movements)', DEFAULT, 'quarter'),
    ('nrr(numeric, numeric)', 'customer_months', 'nrr(prev_mrr, mrr)', DEFAULT, 'month'),
    ('grr(numeric, numeric)', 'customer_months', 'grr(prev_mrr, mrr)', DEFAULT, 'month'),
    -- survival
    ('survival_summary(integer, boolean)', 'customer_months', 'survival_summary(tenure, churned)', DEFAULT, 'month'),
    ('rollup(survival_summary)', 'survival_summaries', 'rollup(survival)', DEFAULT, 'cohort'),
    ('ltv(numeric, integer, boolean)', 'customer_months', 'ltv(mrr, tenure, churned)', DEFAULT, 'month'),
    ('ltv(numeric, integer, boolean, integer)', 'customer_months', 'ltv(mrr, tenure, churned, 24)', DEFAULT, 'month');
-- MRR paths from subscription rows, as timestamptz and as dates, grouped by the quarter the
-- rows started in; then the aggregates over stored paths and the rollups of their summaries.
INSERT INTO citus_check.cases (agg, source, expr, period_key)
SELECT format('mrr_path(%s, %s, numeric, %s, interval, int)', t, t, t)::regprocedure,
       'subscriptions WHERE (ended_at IS NULL OR ended_at >= started_at) AND mrr >= 0',
       format('mrr_path(started_at::%s, ended_at::%s, mrr, ''2023-01-01''::%s, ''1 month'', 24)', t, t, t),
       'date_trunc(''quarter'', started_at)'
FROM unnest(ARRAY['timestamptz', 'date']) AS t;
INSERT INTO citus_check.cases (agg, source, expr, customer_key, period_key) VALUES
    ('rollup(mrr_path)', 'mrr_paths', 'rollup(path)', DEFAULT, 'quarter'),
    ('mrr_movements(mrr_path)', 'mrr_paths', 'mrr_movements(path)', DEFAULT, 'quarter'),
    ('mrr_movements_series(mrr_path)', 'mrr_paths', 'mrr_movements_series(path)', DEFAULT, 'quarter'),
    ('cohort_summary(mrr_path)', 'mrr_paths', 'cohort_summary(path)', DEFAULT, 'quarter'),
    ('rollup(mrr_movements_series)', 'mrr_path_summaries', 'rollup(series)', DEFAULT, 'quarter'),
    ('rollup(cohort_summary)', 'mrr_path_summaries', 'rollup(cohorts)', DEFAULT, 'quarter');
-- ROC AUC of a float score: summaries of distinct float scores, exact in their text form
INSERT INTO citus_check.cases (agg, source, expr, customer_key, period_key) VALUES
    ('roc_auc(float8, boolean)', 'customer_months', 'roc_auc(measures[1], churned)', DEFAULT, 'month'),
    ('roc_summary(float8, boolean)', 'customer_months', 'roc_summary(measures[1], churned)', DEFAULT, 'month'),
    ('rollup(roc_summary)', 'roc_summaries', 'rollup(roc)', DEFAULT, 'quarter');
-- health: a float8[] state, sums of floats whose text form needs every digit
INSERT INTO citus_check.cases VALUES
    ('health_score_agg(float8[], float8[])', 'customer_months', 'health_score_agg(measures, weights)', 'customer_id', 'month', true);

-- The flows the views compute from subscriptions on a single server (an internal state,
-- nothing to combine): under Citus the views count spans with customer_flows instead, but
-- the aggregate still gives the same flows over distributed rows.
INSERT INTO citus_check.cases (agg, source, expr, period_key, partial) VALUES
    ('kpi_subscription_flows(anyelement, timestamptz, timestamptz, date, date, text, date)',
     'subscriptions WHERE ended_at IS NULL OR ended_at >= started_at',
     'kpi_subscription_flows(customer_id, started_at, ended_at, started_at::date, ended_at::date, ''month'', ''2025-01-01'')',
     'date_trunc(''quarter'', started_at)', false);

-- The other internal aggregates of the views, whose states have no text form: the lifetimes
-- and flows of ltv, the per-window sums of the health measures, the score ntiles of the
-- health validation, the set of known customer ids (no combine function: Citus brings a
-- group's rows to the coordinator) and the median (a combine function and a binary form,
-- which Citus ships from version 14 on; before, it brings the rows). Each sorts or hashes its
-- rows itself, so rows brought from the shards in any order give the same value.
INSERT INTO citus_check.cases (agg, source, expr, period_key, partial) VALUES
    ('kpi_subscription_lifetimes(anyelement, timestamptz, timestamptz, date, date, text, numeric, text, date)',
     'subscriptions WHERE ended_at IS NULL OR ended_at >= started_at',
     'kpi_subscription_lifetimes(customer_id, started_at::timestamptz, ended_at::timestamptz, started_at, ended_at, '
     || 'CASE mod(customer_id, 3) WHEN 0 THEN ''smb'' ELSE ''enterprise'' END, mrr, ''UTC'', ''2025-01-01'')',
     'date_trunc(''quarter'', started_at)', false),
    ('kpi_sums_in_windows(date, numeric, date[], date[])', 'usage_events',
     'kpi_sums_in_windows((occurred_at AT TIME ZONE ''UTC'')::date, quantity::numeric, '
     || 'ARRAY[date ''2023-07-01'', date ''2024-01-01'', date ''2024-04-01''], ARRAY[date ''2024-01-01'', date ''2024-04-01'', date ''2025-01-01''])',
     'date_trunc(''quarter'', occurred_at)', false),
    ('kpi_score_ntiles(int, float8, boolean, anyelement)', 'customer_months',
     'kpi_score_ntiles(4, measures[1], churned, customer_id * 1000 + (month - date ''2023-01-01''))', 'month', false),
    ('kpi_id_set_agg(bigint)', 'subscriptions', 'kpi_id_set_agg(customer_id)', 'date_trunc(''quarter'', started_at)', false),
    ('kpi_median(float8)', 'tickets WHERE resolved_at >= opened_at',
     'kpi_median(extract(epoch FROM resolved_at - opened_at)::float8 / 3600)', 'date_trunc(''month'', opened_at)', false);

-- The test covers every aggregate of the extension: a new one must be added above.
SELECT 'aggregate without a case: ' || p.oid::regprocedure::text AS missing
FROM pg_proc p
WHERE p.prokind = 'a' AND p.pronamespace = 'csmetrics'::regnamespace
  AND p.oid NOT IN (SELECT c.agg FROM citus_check.cases c);

-- What a query returns, one line per row: its columns joined by " = ".
CREATE FUNCTION citus_check.lines(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    result text := '';
BEGIN
    FOR r IN EXECUTE query LOOP
        result := result || (SELECT string_agg(coalesce(f.value, 'NULL'), ' = ' ORDER BY f.key) FROM jsonb_each_text(to_jsonb(r)) f) || E'\n';
    END LOOP;
    RETURN result;
END $$;

-- Runs one case in one grouping over both schemas and returns what is wrong (NULL when
-- nothing): different results, too few groups with a value to mean anything, or a plan that
-- does not distribute the work as the grouping should:
--   customer  GROUP BY the customer: the whole aggregate runs in the shards;
--   states    GROUP BY the customer as text, which Citus cannot see is the distribution
--             column: partial states, but each group comes from one shard, so the coordinator
--             combines one state with the empty one and any digit lost on the way shows;
--   period    GROUP BY a period: partial states of many shards combined on the coordinator.
CREATE FUNCTION citus_check.check_case(agg regprocedure, grouping_kind text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    c record := (SELECT x FROM citus_check.cases x WHERE x.agg = check_case.agg);
    key text := CASE grouping_kind WHEN 'period' THEN c.period_key ELSE c.customer_key END;
    query text := format('SELECT (%s)::text AS k, (%s)::text AS v FROM %%s.%s GROUP BY %s ORDER BY 1',
                         key, c.expr, c.source, CASE grouping_kind WHEN 'customer' THEN key ELSE '1' END);
    distributed text := citus_check.lines(format(query, 'crm'));
    local text := citus_check.lines(format(query, 'local_crm'));
    plan text := citus_check.lines('EXPLAIN (VERBOSE, COSTS OFF) ' || format(query, 'crm'));
    valued int := (SELECT count(*) FROM unnest(string_to_array(rtrim(local, E'\n'), E'\n')) l WHERE l NOT LIKE '% = NULL');
    label text := format('%s by %s', c.agg, grouping_kind);
    differences text;
BEGIN
    -- Float sums of many shards depend on the order they are added in, which is the order
    -- the shards answer: equal to 12 significant digits, not to the last bit.
    SELECT string_agg(format('  distributed %s | local %s', d, l), E'\n') INTO differences
    FROM (SELECT d, l FROM unnest(string_to_array(distributed, E'\n'), string_to_array(local, E'\n')) AS u(d, l)
          WHERE d IS DISTINCT FROM l
            AND NOT (c.float_sums AND grouping_kind = 'period' AND split_part(d, ' = ', 1) = split_part(l, ' = ', 1)
                     AND abs(split_part(d, ' = ', 2)::float8 - split_part(l, ' = ', 2)::float8)
                         <= 1e-12 * abs(split_part(l, ' = ', 2)::float8))
          LIMIT 5) x;
    IF differences IS NOT NULL THEN
        RETURN format(E'%s: distributed and local results differ\n%s', label, differences);
    END IF;
    IF valued < 2 THEN
        RETURN format('%s: only %s groups with a value', label, valued);
    END IF;
    IF plan NOT LIKE '%Task Count: 32%' THEN
        RETURN format(E'%s: not a 32-shard plan\n%s', label, plan);
    END IF;
    -- (above the Citus scan of the customer grouping, the coordinator only sorts)
    IF grouping_kind = 'customer' AND (split_part(plan, 'Custom Scan (Citus Adaptive)', 1) LIKE '%Aggregate%'
                                       OR plan LIKE '%worker_partial_agg%') THEN
        RETURN format(E'%s: not computed wholly on the workers\n%s', label, plan);
    END IF;
    IF grouping_kind <> 'customer' AND c.partial AND (plan NOT LIKE '%worker_partial_agg(%' OR plan NOT LIKE '%coord_combine_agg(%') THEN
        RETURN format(E'%s: not partial states combined on the coordinator\n%s', label, plan);
    END IF;
    RETURN NULL;
END $$;

-- Every case in every grouping: one line per problem, then a summary.
CREATE TEMP TABLE outcome AS
SELECT c.agg, g.grouping_kind, citus_check.check_case(c.agg, g.grouping_kind) AS problem
FROM citus_check.cases c, unnest(ARRAY['customer', 'states', 'period']) AS g(grouping_kind);
SELECT problem FROM outcome WHERE problem IS NOT NULL ORDER BY agg::text, grouping_kind;
SELECT format('%s aggregates, %s state types, %s checks: %s passed, %s failed',
              count(DISTINCT agg), count(DISTINCT a.aggtranstype), count(*),
              count(*) FILTER (WHERE problem IS NULL), count(*) FILTER (WHERE problem IS NOT NULL)) AS summary
FROM outcome o JOIN pg_aggregate a ON a.aggfnoid = o.agg;

DO $$
BEGIN
    IF EXISTS (SELECT FROM outcome WHERE problem IS NOT NULL)
       OR EXISTS (SELECT FROM pg_proc p WHERE p.prokind = 'a' AND p.pronamespace = 'csmetrics'::regnamespace
                  AND p.oid NOT IN (SELECT c.agg FROM citus_check.cases c)) THEN
        RAISE EXCEPTION 'some aggregates give other results over distributed tables, or are not checked (listed above)';
    END IF;
END $$;

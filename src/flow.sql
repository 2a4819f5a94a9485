-- Customer flow: churn, retention and whole period series from customer spans
-- (docs/flow.md). C code: src/flow.c and src/flow_series.c. Tests: test/sql/flow*.sql.

-- customers_start .. customers_end of one period [period_start, period_end).
CREATE TYPE @extschema@.customer_flow AS (
    period_start       timestamptz,
    period_end         timestamptz,
    customers_start    bigint,
    new_customers      bigint,
    lost_customers     bigint,
    lost_new_customers bigint,
    customers_end      bigint
);
COMMENT ON TYPE @extschema@.customer_flow IS 'customer flow of one period [period_start, period_end): customers at start, new, lost, lost new (joined and left within the period), at end; end = start + new - lost - lost new';

-- Transition state of the one-period aggregates: 64 bytes, updated in place.
CREATE TYPE @extschema@.customer_flow_state;

CREATE FUNCTION @extschema@.customer_flow_state_in(pg_catalog.cstring)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_in(pg_catalog.cstring) IS 'text input of customer_flow_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flow_state_out(@extschema@.customer_flow_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'customer_flow_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_out(@extschema@.customer_flow_state) IS 'text output of customer_flow_state; reads back exactly';

CREATE FUNCTION @extschema@.customer_flow_state_recv(pg_catalog.internal)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_recv(pg_catalog.internal) IS 'binary input of customer_flow_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flow_state_send(@extschema@.customer_flow_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'customer_flow_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_send(@extschema@.customer_flow_state) IS 'binary output of customer_flow_state';

CREATE TYPE @extschema@.customer_flow_state (
    INPUT = @extschema@.customer_flow_state_in,
    OUTPUT = @extschema@.customer_flow_state_out,
    RECEIVE = @extschema@.customer_flow_state_recv,
    SEND = @extschema@.customer_flow_state_send,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.customer_flow_state IS 'transition state of customer_flow, churn_rate, retention_rate and rollup(customer_flow): one period and its counts';

-- Transition state of customer_flows(): boundaries and per-period counts of a whole series.
CREATE TYPE @extschema@.customer_flows_state;

CREATE FUNCTION @extschema@.customer_flows_state_in(pg_catalog.cstring)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_in(pg_catalog.cstring) IS 'text input of customer_flows_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flows_state_out(@extschema@.customer_flows_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'customer_flows_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_out(@extschema@.customer_flows_state) IS 'text output of customer_flows_state; reads back exactly';

CREATE FUNCTION @extschema@.customer_flows_state_recv(pg_catalog.internal)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_recv(pg_catalog.internal) IS 'binary input of customer_flows_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flows_state_send(@extschema@.customer_flows_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'customer_flows_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_send(@extschema@.customer_flows_state) IS 'binary output of customer_flows_state';

CREATE TYPE @extschema@.customer_flows_state (
    INPUT = @extschema@.customer_flows_state_in,
    OUTPUT = @extschema@.customer_flows_state_out,
    RECEIVE = @extschema@.customer_flows_state_recv,
    SEND = @extschema@.customer_flows_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.customer_flows_state IS 'transition state of customer_flows: period boundaries and per-period counts of a series';

-- Transition, inverse, combine and final functions of the one-period aggregates.
CREATE FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'transition of customer_flow over timestamptz spans';

CREATE FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'inverse transition of customer_flow over timestamptz spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'transition of customer_flow over date spans';

CREATE FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_inv_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'inverse transition of customer_flow over date spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flow_combine(@extschema@.customer_flow_state, @extschema@.customer_flow_state)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_combine(@extschema@.customer_flow_state, @extschema@.customer_flow_state) IS 'combine function of the one-period customer flow aggregates';

-- STABLE: a period given as dates is reported as midnight in the session time zone.
CREATE FUNCTION @extschema@.customer_flow_final(@extschema@.customer_flow_state)
RETURNS @extschema@.customer_flow
AS 'MODULE_PATHNAME', 'customer_flow_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_final(@extschema@.customer_flow_state) IS 'final function of customer_flow and rollup(customer_flow)';

CREATE FUNCTION @extschema@.churn_rate_final(@extschema@.customer_flow_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_churn_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_rate_final(@extschema@.customer_flow_state) IS 'final function of churn_rate: lost / customers at start';

CREATE FUNCTION @extschema@.retention_rate_final(@extschema@.customer_flow_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_retention_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_rate_final(@extschema@.customer_flow_state) IS 'final function of retention_rate: (end - new) / customers at start';

-- The one-period aggregates, customer_flow, churn_rate and retention_rate, for timestamptz
-- and for date spans, generated from one matrix: they share the state, transition, inverse
-- and combine functions and differ in their final function and comment.
DO $matrix$
DECLARE
    a record;
    args text;
BEGIN
    FOR a IN
        SELECT * FROM (VALUES
            ('customer_flow', 'timestamptz', 'customer_flow_final',
             'customer flow of one period from customer spans [started_at, ended_at); ended_at NULL = still a customer'),
            ('customer_flow', 'date', 'customer_flow_final',
             'customer flow of one period from customer spans given as dates'),
            ('churn_rate', 'timestamptz', 'churn_rate_final',
             'churn rate of one period: lost customers / customers at start (newcomers lost in the period excluded)'),
            ('churn_rate', 'date', 'churn_rate_final',
             'churn rate of one period from date spans: lost customers / customers at start'),
            ('retention_rate', 'timestamptz', 'retention_rate_final',
             'retention rate of one period: (customers at end - new) / customers at start'),
            ('retention_rate', 'date', 'retention_rate_final',
             'retention rate of one period from date spans: (customers at end - new) / customers at start')
        ) AS m(name, instant, final, comment)
    LOOP
        args := pg_catalog.format('started_at pg_catalog.%1$s, ended_at pg_catalog.%1$s, '
                                  'period_start pg_catalog.%1$s, period_end pg_catalog.%1$s', a.instant);
        EXECUTE pg_catalog.format(
            'CREATE AGGREGATE @extschema@.%1$s(%2$s) ('
            'SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state, '
            'FINALFUNC = @extschema@.%3$s, COMBINEFUNC = @extschema@.customer_flow_combine, '
            'MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv, '
            'MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.%3$s, PARALLEL = SAFE)',
            a.name, args, a.final);
        EXECUTE pg_catalog.format(
            'COMMENT ON AGGREGATE @extschema@.%1$s(pg_catalog.%2$s, pg_catalog.%2$s, pg_catalog.%2$s, pg_catalog.%2$s) IS %3$L',
            a.name, a.instant, a.comment);
    END LOOP;
END
$matrix$;

-- rollup(customer_flow): sums segments of the same period.
CREATE FUNCTION @extschema@.customer_flow_rollup_trans(@extschema@.customer_flow_state, @extschema@.customer_flow)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_rollup_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_rollup_trans(@extschema@.customer_flow_state, @extschema@.customer_flow) IS 'transition of rollup(customer_flow)';

CREATE FUNCTION @extschema@.customer_flow_rollup_inv(@extschema@.customer_flow_state, @extschema@.customer_flow)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_rollup_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_rollup_inv(@extschema@.customer_flow_state, @extschema@.customer_flow) IS 'inverse transition of rollup(customer_flow) (moving aggregate)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.customer_flow) (
    SFUNC = @extschema@.customer_flow_rollup_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.customer_flow_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_rollup_trans, MINVFUNC = @extschema@.customer_flow_rollup_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.customer_flow_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.customer_flow) IS 'sum of customer flows of the same period (e.g. segments); flows of different periods are an error';

-- Accessors on customer_flow and the annualised churn.
CREATE FUNCTION @extschema@.churn_rate(flow @extschema@.customer_flow)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_churn_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_rate(@extschema@.customer_flow) IS 'churn rate of a flow: lost_customers / customers_start; NULL when customers_start = 0';

CREATE FUNCTION @extschema@.churn_rate(flow @extschema@.customer_flow, include_new pg_catalog.bool)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_churn_rate_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_rate(@extschema@.customer_flow, pg_catalog.bool) IS 'churn rate of a flow; with include_new, (lost_customers + lost_new_customers) / customers_start';

CREATE FUNCTION @extschema@.retention_rate(flow @extschema@.customer_flow)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_retention_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_rate(@extschema@.customer_flow) IS 'retention rate of a flow: (customers_end - new_customers) / customers_start; NULL when customers_start = 0';

CREATE FUNCTION @extschema@.annualized_churn(monthly_rate pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'annualized_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.annualized_churn(pg_catalog.float8) IS 'annual churn from a monthly churn fraction m: 1 - (1 - m)^12';

-- customer_flows(): every period of a series in one pass.
-- STABLE: period boundaries follow timestamptz + interval in the session time zone.
CREATE FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'transition of customer_flows over timestamptz spans';

CREATE FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_inv' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'inverse transition of customer_flows over timestamptz spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'transition of customer_flows over date spans';

CREATE FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_inv_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'inverse transition of customer_flows over date spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flows_combine(@extschema@.customer_flows_state, @extschema@.customer_flows_state)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_combine(@extschema@.customer_flows_state, @extschema@.customer_flows_state) IS 'combine function of customer_flows';

CREATE FUNCTION @extschema@.customer_flows_final(@extschema@.customer_flows_state)
RETURNS @extschema@.customer_flow[]
AS 'MODULE_PATHNAME', 'customer_flows_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_final(@extschema@.customer_flows_state) IS 'final function of customer_flows: one customer_flow per period';

CREATE AGGREGATE @extschema@.customer_flows(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, first_period_start pg_catalog.timestamptz, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.customer_flows_trans, STYPE = @extschema@.customer_flows_state,
    FINALFUNC = @extschema@.customer_flows_final, COMBINEFUNC = @extschema@.customer_flows_combine,
    MSFUNC = @extschema@.customer_flows_trans, MINVFUNC = @extschema@.customer_flows_inv,
    MSTYPE = @extschema@.customer_flows_state, MFINALFUNC = @extschema@.customer_flows_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.customer_flows(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'customer flow of every period of a series (period k starts at first_period_start + k * period_length) in one pass over the spans';

CREATE AGGREGATE @extschema@.customer_flows(started_at pg_catalog.date, ended_at pg_catalog.date, first_period_start pg_catalog.date, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.customer_flows_trans, STYPE = @extschema@.customer_flows_state,
    FINALFUNC = @extschema@.customer_flows_final, COMBINEFUNC = @extschema@.customer_flows_combine,
    MSFUNC = @extschema@.customer_flows_trans, MINVFUNC = @extschema@.customer_flows_inv,
    MSTYPE = @extschema@.customer_flows_state, MFINALFUNC = @extschema@.customer_flows_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.customer_flows(pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'customer flow of every period of a date series in one pass over the spans';

-- kpi_subscription_flows(): what the flow views compute on a single server. The flows of a
-- whole series straight from subscriptions, which it merges into customer spans itself: the
-- series runs from the period of the first start to that of the last start or end, never
-- past the period of today. Internal state (every subscription, sorted in the final
-- function), so no combine function.
CREATE FUNCTION @extschema@.kpi_subscription_flows_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.date)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_subscription_flows_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_flows_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: transition of kpi_subscription_flows (keeps each subscription)';

CREATE FUNCTION @extschema@.kpi_subscription_flows_final(pg_catalog.internal)
RETURNS @extschema@.customer_flow[]
AS 'MODULE_PATHNAME', 'kpi_subscription_flows_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_flows_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_subscription_flows (merges the subscriptions into spans, counts every period)';

CREATE AGGREGATE @extschema@.kpi_subscription_flows(customer_id anyelement, started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, started_on pg_catalog.date, ended_on pg_catalog.date, grain pg_catalog.text, today pg_catalog.date) (
    SFUNC = @extschema@.kpi_subscription_flows_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_subscription_flows_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_subscription_flows(anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: customer flow of every period (of a day, week, month or quarter grain) from subscriptions merged into spans where they overlap or touch; started_on and ended_on are the local dates of started_at and ended_at';

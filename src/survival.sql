-- survival: Kaplan–Meier customer lifetime and the survival form of LTV (docs/survival.md).
-- C in src/survival.c; tests in sql/survival*.sql.

-- survival_summary: churned and still-active customers per whole-period tenure 0..1200.
CREATE TYPE @extschema@.survival_summary;

CREATE FUNCTION @extschema@.survival_summary_in(pg_catalog.cstring)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_in(pg_catalog.cstring) IS
'text input of survival_summary: version;tenure:churned/censored,... (validated, canonical form only)';

CREATE FUNCTION @extschema@.survival_summary_out(@extschema@.survival_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'survival_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_out(@extschema@.survival_summary) IS
'text output of survival_summary';

CREATE FUNCTION @extschema@.survival_summary_recv(pg_catalog.internal)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_recv(pg_catalog.internal) IS
'binary input of survival_summary (validated)';

CREATE FUNCTION @extschema@.survival_summary_send(@extschema@.survival_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'survival_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_send(@extschema@.survival_summary) IS
'binary output of survival_summary';

CREATE TYPE @extschema@.survival_summary (
    INPUT = @extschema@.survival_summary_in,
    OUTPUT = @extschema@.survival_summary_out,
    RECEIVE = @extschema@.survival_summary_recv,
    SEND = @extschema@.survival_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.survival_summary IS
'storable Kaplan–Meier summary: churned and still-active customers per whole-period tenure 0..1200';

CREATE FUNCTION @extschema@.survival_summary_eq(@extschema@.survival_summary,
                                                @extschema@.survival_summary)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'survival_summary_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_eq(@extschema@.survival_summary,
                                                   @extschema@.survival_summary) IS
'true when two survival summaries hold the same counts at every tenure';

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.survival_summary,
    RIGHTARG = @extschema@.survival_summary,
    FUNCTION = @extschema@.survival_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=)
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.survival_summary, @extschema@.survival_summary) IS
'equal counts at every tenure';

-- survival_ltv_state: the state of ltv(arpa, tenure, churned [, horizon]).
CREATE TYPE @extschema@.survival_ltv_state;

CREATE FUNCTION @extschema@.survival_ltv_state_in(pg_catalog.cstring)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_in(pg_catalog.cstring) IS
'text input of survival_ltv_state: version;h=horizon;a=sum of arpa;tenure:churned/censored,...';

CREATE FUNCTION @extschema@.survival_ltv_state_out(@extschema@.survival_ltv_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'survival_ltv_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_out(@extschema@.survival_ltv_state) IS
'text output of survival_ltv_state';

CREATE FUNCTION @extschema@.survival_ltv_state_recv(pg_catalog.internal)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_recv(pg_catalog.internal) IS
'binary input of survival_ltv_state (validated)';

CREATE FUNCTION @extschema@.survival_ltv_state_send(@extschema@.survival_ltv_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'survival_ltv_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_send(@extschema@.survival_ltv_state) IS
'binary output of survival_ltv_state';

CREATE TYPE @extschema@.survival_ltv_state (
    INPUT = @extschema@.survival_ltv_state_in,
    OUTPUT = @extschema@.survival_ltv_state_out,
    RECEIVE = @extschema@.survival_ltv_state_recv,
    SEND = @extschema@.survival_ltv_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.survival_ltv_state IS
'transition state of the Kaplan–Meier ltv aggregate: the survival counts, the exact sum of arpa and the horizon';

-- Aggregate support functions (not STRICT: they skip NULL rows and create the state).
-- SSPACE 1024: a state is a 48-byte header plus 16 bytes per tenure up to the largest one
-- seen, about 1 kB for five years of monthly tenures; it tells hash aggregation what a group costs.
CREATE FUNCTION @extschema@.survival_summary_transfn(@extschema@.survival_summary,
                                                     pg_catalog.int4, pg_catalog.bool)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_transfn(@extschema@.survival_summary,
                                                        pg_catalog.int4, pg_catalog.bool) IS
'transition function of survival_summary(tenure, churned)';

CREATE FUNCTION @extschema@.survival_summary_mtransfn(@extschema@.survival_summary,
                                                      pg_catalog.int4, pg_catalog.bool)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_mtransfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_mtransfn(@extschema@.survival_summary,
                                                         pg_catalog.int4, pg_catalog.bool) IS
'moving-aggregate transition function of survival_summary(tenure, churned)';

CREATE FUNCTION @extschema@.survival_summary_invfn(@extschema@.survival_summary,
                                                   pg_catalog.int4, pg_catalog.bool)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_invfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_invfn(@extschema@.survival_summary,
                                                      pg_catalog.int4, pg_catalog.bool) IS
'inverse transition function of survival_summary(tenure, churned) (sliding windows)';

CREATE FUNCTION @extschema@.survival_summary_combine(@extschema@.survival_summary,
                                                     @extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_combine(@extschema@.survival_summary,
                                                        @extschema@.survival_summary) IS
'combine function of survival_summary aggregates and transition function of rollup(survival_summary)';

CREATE FUNCTION @extschema@.survival_summary_rollup_mtransfn(@extschema@.survival_summary,
                                                             @extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_rollup_mtransfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_rollup_mtransfn(@extschema@.survival_summary,
                                                                @extschema@.survival_summary) IS
'moving-aggregate transition function of rollup(survival_summary)';

CREATE FUNCTION @extschema@.survival_summary_rollup_invfn(@extschema@.survival_summary,
                                                          @extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_rollup_invfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_rollup_invfn(@extschema@.survival_summary,
                                                             @extschema@.survival_summary) IS
'inverse transition function of rollup(survival_summary) (sliding windows)';

CREATE FUNCTION @extschema@.survival_summary_final(@extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_final(@extschema@.survival_summary) IS
'final function of survival_summary aggregates: the compact summary, NULL when no customer was counted';

CREATE AGGREGATE @extschema@.survival_summary(tenure pg_catalog.int4, churned pg_catalog.bool) (
    SFUNC = @extschema@.survival_summary_transfn,
    STYPE = @extschema@.survival_summary,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_summary_final,
    COMBINEFUNC = @extschema@.survival_summary_combine,
    MSFUNC = @extschema@.survival_summary_mtransfn,
    MINVFUNC = @extschema@.survival_summary_invfn,
    MSTYPE = @extschema@.survival_summary,
    MSSPACE = 1024,
    MFINALFUNC = @extschema@.survival_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.survival_summary(pg_catalog.int4, pg_catalog.bool) IS
'Kaplan–Meier summary of customer tenures (whole periods 0..1200); churned = false means still active (censored)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.survival_summary) (
    SFUNC = @extschema@.survival_summary_combine,
    STYPE = @extschema@.survival_summary,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_summary_final,
    COMBINEFUNC = @extschema@.survival_summary_combine,
    MSFUNC = @extschema@.survival_summary_rollup_mtransfn,
    MINVFUNC = @extschema@.survival_summary_rollup_invfn,
    MSTYPE = @extschema@.survival_summary,
    MSSPACE = 1024,
    MFINALFUNC = @extschema@.survival_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.survival_summary) IS
'exact merge of survival summaries (sums the counts of every tenure)';

-- Accessors.
CREATE FUNCTION @extschema@.survival_at(s @extschema@.survival_summary, k pg_catalog.int4)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'survival_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_at(@extschema@.survival_summary, pg_catalog.int4) IS
'Kaplan–Meier survival Ŝ(k) = Π_{j≤k} (1 − d_j/n_j); past the largest tenure the last value';

CREATE FUNCTION @extschema@.median_lifetime(s @extschema@.survival_summary)
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'survival_median_lifetime' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.median_lifetime(@extschema@.survival_summary) IS
'median customer lifetime: the smallest whole period k with Ŝ(k) ≤ 0.5, NULL when survival never falls to one half';

CREATE FUNCTION @extschema@.expected_lifetime(s @extschema@.survival_summary)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'survival_expected_lifetime' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_lifetime(@extschema@.survival_summary) IS
'restricted mean lifetime RMST(τ) = Σ_{k=0}^{τ−1} Ŝ(k) in periods, τ = largest observed tenure + 1';

CREATE FUNCTION @extschema@.expected_lifetime(s @extschema@.survival_summary,
                                              horizon pg_catalog.int4)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'survival_expected_lifetime_horizon'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_lifetime(@extschema@.survival_summary, pg_catalog.int4) IS
'restricted mean lifetime RMST(horizon) = Σ_{k=0}^{horizon−1} Ŝ(k) in periods; horizon 1..1201';

CREATE FUNCTION @extschema@.survival_curve(s @extschema@.survival_summary)
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'survival_curve' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_curve(@extschema@.survival_summary) IS
'Kaplan–Meier curve Ŝ(0), ..., Ŝ(largest tenure) (element i + 1 is Ŝ(i))';

CREATE FUNCTION @extschema@.customers(s @extschema@.survival_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'survival_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customers(@extschema@.survival_summary) IS
'number of customers in a survival summary (churned and still active)';

CREATE FUNCTION @extschema@.churned(s @extschema@.survival_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'survival_churned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churned(@extschema@.survival_summary) IS
'number of churned customers in a survival summary';

-- ltv(arpa, tenure, churned [, horizon]): average arpa × restricted mean lifetime.
CREATE FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                 pg_catalog.numeric, pg_catalog.int4,
                                                 pg_catalog.bool)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                    pg_catalog.numeric, pg_catalog.int4,
                                                    pg_catalog.bool) IS
'transition function of ltv(arpa, tenure, churned)';

CREATE FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                 pg_catalog.numeric, pg_catalog.int4,
                                                 pg_catalog.bool, pg_catalog.int4)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                    pg_catalog.numeric, pg_catalog.int4,
                                                    pg_catalog.bool, pg_catalog.int4) IS
'transition function of ltv(arpa, tenure, churned, horizon)';

CREATE FUNCTION @extschema@.survival_ltv_combine(@extschema@.survival_ltv_state,
                                                 @extschema@.survival_ltv_state)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_combine(@extschema@.survival_ltv_state,
                                                    @extschema@.survival_ltv_state) IS
'combine function of the Kaplan–Meier ltv aggregate';

CREATE FUNCTION @extschema@.survival_ltv_final(@extschema@.survival_ltv_state)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'survival_ltv_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_final(@extschema@.survival_ltv_state) IS
'final function of the Kaplan–Meier ltv aggregate: avg(arpa) × RMST';

CREATE AGGREGATE @extschema@.ltv(arpa pg_catalog.numeric, tenure pg_catalog.int4,
                                 churned pg_catalog.bool) (
    SFUNC = @extschema@.survival_ltv_transfn,
    STYPE = @extschema@.survival_ltv_state,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_ltv_final,
    COMBINEFUNC = @extschema@.survival_ltv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ltv(pg_catalog.numeric, pg_catalog.int4, pg_catalog.bool) IS
'Kaplan–Meier lifetime value: average arpa × restricted mean lifetime up to the largest tenure + 1';

CREATE AGGREGATE @extschema@.ltv(arpa pg_catalog.numeric, tenure pg_catalog.int4,
                                 churned pg_catalog.bool, horizon pg_catalog.int4) (
    SFUNC = @extschema@.survival_ltv_transfn,
    STYPE = @extschema@.survival_ltv_state,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_ltv_final,
    COMBINEFUNC = @extschema@.survival_ltv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ltv(pg_catalog.numeric, pg_catalog.int4, pg_catalog.bool,
                                     pg_catalog.int4) IS
'Kaplan–Meier lifetime value: average arpa × restricted mean lifetime RMST(horizon); horizon 1..1201, the same on every row';

-- kpi_subscription_lifetimes(): what the ltv view computes on a single server, in one pass
-- over the subscriptions (src/flow_series.c). It merges them into spans as
-- kpi_subscription_flows() does, over the months from the first start to the last change
-- (never past the month of today), and gives, for all customers ('(all)') and for each
-- segment: the flows of the last 12 months, the customers with a subscription in force at the end
-- of the latest month and the sum of what they pay there, and the Kaplan-Meier counts of the
-- spans' tenures (whole months of wall time in the given time zone, to the end or, while a
-- span lasts, to the end of the latest month). A NULL segment counts in '(all)' only.
-- Internal state, so no combine function.
CREATE TYPE @extschema@.kpi_segment_lifetime AS (
    segment text,
    latest_month date,
    recent_flows @extschema@.customer_flow[],
    customers_in_force bigint,
    paying_customers bigint,
    mrr numeric,
    survival @extschema@.survival_summary
);
COMMENT ON TYPE @extschema@.kpi_segment_lifetime IS 'csmetrics internal: what kpi_subscription_lifetimes() gives for one segment: the latest month, the flows of the last 12 months, the customers in force at the end of the latest month (and those paying, with their MRR), the Kaplan-Meier counts of the tenures';

CREATE FUNCTION @extschema@.kpi_subscription_lifetimes_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.date)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_subscription_lifetimes_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_lifetimes_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: transition of kpi_subscription_lifetimes (keeps each subscription)';

CREATE FUNCTION @extschema@.kpi_subscription_lifetimes_final(pg_catalog.internal)
RETURNS @extschema@.kpi_segment_lifetime[]
AS 'MODULE_PATHNAME', 'kpi_subscription_lifetimes_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_lifetimes_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_subscription_lifetimes (merges the subscriptions into spans, counts flows, tenures and MRR per segment)';

CREATE AGGREGATE @extschema@.kpi_subscription_lifetimes(customer_id anyelement, started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, started_on pg_catalog.date, ended_on pg_catalog.date, segment pg_catalog.text, mrr pg_catalog.numeric, zone pg_catalog.text, today pg_catalog.date) (
    SFUNC = @extschema@.kpi_subscription_lifetimes_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_subscription_lifetimes_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_subscription_lifetimes(anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: per segment and for all customers, the monthly flows, the customers in force at the end of the latest month with their MRR, and the Kaplan-Meier counts of the spans'' tenures, from subscriptions merged into spans where they overlap or touch';

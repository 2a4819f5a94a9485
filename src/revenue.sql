-- revenue: MRR movements, NRR, GRR, quick ratio, ARPA, LTV and CLV (docs/revenue.md; C in
-- revenue.c and mrr_movements.c).

-- Movement classifier --------------------------------------------------------------------

CREATE FUNCTION @extschema@.mrr_movement(prev pg_catalog.numeric, curr pg_catalog.numeric,
                                         seen_before pg_catalog.bool)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_classify'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'MRR movement class of one customer-month: new, reactivation, expansion, contraction, churn or unchanged; NULL when prev = curr = 0';

CREATE FUNCTION @extschema@.mrr_movement(mrr pg_catalog.numeric)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_window'
LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric) IS
'window function, OVER (PARTITION BY customer ORDER BY month) on a gap-free month series: movement class of each row, tracking the previous MRR and seen_before itself; NULL mrr counts as 0';

CREATE FUNCTION @extschema@.mrr_movement(mrr pg_catalog.numeric, month pg_catalog.date)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_window_month'
LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric, pg_catalog.date) IS
'window function, OVER (PARTITION BY customer ORDER BY month): movement class of each row where missing calendar months count as MRR 0 (a row after a gap has prev = 0)';

CREATE FUNCTION @extschema@.mrr_movement(mrr pg_catalog.numeric, month pg_catalog.timestamptz)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_window_month_tz'
LANGUAGE C STABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric, pg_catalog.timestamptz) IS
'window function, OVER (PARTITION BY customer ORDER BY month): as mrr_movement(mrr, date) with the calendar month of each timestamptz in the session time zone';

-- Transition state of every movement aggregate ---------------------------------------------

CREATE TYPE @extschema@.mrr_movements_state;

CREATE FUNCTION @extschema@.mrr_movements_state_in(pg_catalog.cstring)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_in(pg_catalog.cstring) IS
'text input of mrr_movements_state (validated)';

CREATE FUNCTION @extschema@.mrr_movements_state_out(@extschema@.mrr_movements_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'mrr_movements_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_out(@extschema@.mrr_movements_state) IS
'text output of mrr_movements_state';

CREATE FUNCTION @extschema@.mrr_movements_state_recv(pg_catalog.internal)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_recv(pg_catalog.internal) IS
'binary input of mrr_movements_state (validated)';

CREATE FUNCTION @extschema@.mrr_movements_state_send(@extschema@.mrr_movements_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'mrr_movements_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_send(@extschema@.mrr_movements_state) IS
'binary output of mrr_movements_state';

CREATE TYPE @extschema@.mrr_movements_state (
    INPUT = @extschema@.mrr_movements_state_in,
    OUTPUT = @extschema@.mrr_movements_state_out,
    RECEIVE = @extschema@.mrr_movements_state_recv,
    SEND = @extschema@.mrr_movements_state_send,
    INTERNALLENGTH = 192,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.mrr_movements_state IS
'transition state of mrr_movements, rollup(mrr_movements), nrr and grr: exact fixed-point MRR sums (at most 8 fraction digits) and customer counts; versioned text form v1;scale;dscale;dscale_rows;rows;amounts;counts';

-- The movement summary ---------------------------------------------------------------------

CREATE TYPE @extschema@.mrr_movements AS (
    starting_mrr pg_catalog.numeric,
    ending_mrr pg_catalog.numeric,
    new_mrr pg_catalog.numeric,
    expansion_mrr pg_catalog.numeric,
    contraction_mrr pg_catalog.numeric,
    churned_mrr pg_catalog.numeric,
    reactivation_mrr pg_catalog.numeric,
    customers_start pg_catalog.int8,
    customers_end pg_catalog.int8,
    new_customers pg_catalog.int8,
    expansion_customers pg_catalog.int8,
    contraction_customers pg_catalog.int8,
    churned_customers pg_catalog.int8,
    reactivation_customers pg_catalog.int8
);
COMMENT ON TYPE @extschema@.mrr_movements IS
'MRR movements of a period: starting and ending MRR, new, expansion, contraction, churned and reactivation MRR, and the matching customer counts';

CREATE FUNCTION @extschema@.mrr_movements_trans(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                                pg_catalog.numeric, pg_catalog.bool)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_trans(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'transition function of mrr_movements(prev, curr, seen_before)';

CREATE FUNCTION @extschema@.mrr_movements_inv(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                              pg_catalog.numeric, pg_catalog.bool)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_inv(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'inverse transition function of mrr_movements(prev, curr, seen_before) for sliding window frames';

CREATE FUNCTION @extschema@.mrr_movements_combine(@extschema@.mrr_movements_state,
                                                  @extschema@.mrr_movements_state)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_combine(@extschema@.mrr_movements_state, @extschema@.mrr_movements_state) IS
'combine function of the MRR movement aggregates (exact)';

CREATE FUNCTION @extschema@.mrr_movements_final(@extschema@.mrr_movements_state)
RETURNS @extschema@.mrr_movements
AS 'MODULE_PATHNAME', 'mrr_movements_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_final(@extschema@.mrr_movements_state) IS
'final function of mrr_movements and rollup(mrr_movements): the composite, NULL without rows';

CREATE AGGREGATE @extschema@.mrr_movements(prev pg_catalog.numeric, curr pg_catalog.numeric,
                                           seen_before pg_catalog.bool) (
    SFUNC = @extschema@.mrr_movements_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_movements_final,
    MSFUNC = @extschema@.mrr_movements_trans,
    MINVFUNC = @extschema@.mrr_movements_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_movements_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'MRR movements over customer-months (prev, curr, seen_before): exact sums and customer counts per class';

CREATE FUNCTION @extschema@.mrr_movements_rollup_trans(@extschema@.mrr_movements_state,
                                                       @extschema@.mrr_movements)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_rollup_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_rollup_trans(@extschema@.mrr_movements_state, @extschema@.mrr_movements) IS
'transition function of rollup(mrr_movements)';

CREATE FUNCTION @extschema@.mrr_movements_rollup_inv(@extschema@.mrr_movements_state,
                                                     @extschema@.mrr_movements)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_rollup_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_rollup_inv(@extschema@.mrr_movements_state, @extschema@.mrr_movements) IS
'inverse transition function of rollup(mrr_movements) for sliding window frames';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_movements) (
    SFUNC = @extschema@.mrr_movements_rollup_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_movements_final,
    MSFUNC = @extschema@.mrr_movements_rollup_trans,
    MINVFUNC = @extschema@.mrr_movements_rollup_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_movements_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.mrr_movements) IS
'exact sum of mrr_movements summaries (segments, or periods for multi-period totals)';

-- Accessors ---------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.nrr(m @extschema@.mrr_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_nrr'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nrr(@extschema@.mrr_movements) IS
'net revenue retention: (starting - churned - contraction + expansion) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.grr(m @extschema@.mrr_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_grr'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grr(@extschema@.mrr_movements) IS
'gross revenue retention: (starting - churned - contraction) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.quick_ratio(m @extschema@.mrr_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_quick_ratio'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.quick_ratio(@extschema@.mrr_movements) IS
'SaaS quick ratio: (new + expansion + reactivation) / (contraction + churned); NULL when nothing was lost';

CREATE FUNCTION @extschema@.net_new_mrr(m @extschema@.mrr_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_net_new_mrr'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.net_new_mrr(@extschema@.mrr_movements) IS
'net new MRR: new + reactivation + expansion - contraction - churned (= ending_mrr - starting_mrr)';

-- Negative churn: expansion outweighs everything lost from existing customers.
CREATE FUNCTION @extschema@.negative_churn(m @extschema@.mrr_movements)
RETURNS pg_catalog.bool
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (m).expansion_mrr OPERATOR(pg_catalog.>) ((m).churned_mrr OPERATOR(pg_catalog.+) (m).contraction_mrr) $$;
COMMENT ON FUNCTION @extschema@.negative_churn(@extschema@.mrr_movements) IS
'negative churn: expansion_mrr > churned_mrr + contraction_mrr (expansion of existing customers outweighs what they took away)';

CREATE FUNCTION @extschema@.arpa(m @extschema@.mrr_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_arpa'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.arpa(@extschema@.mrr_movements) IS
'average revenue per account at the end of the period: ending_mrr / customers_end; NULL without paying customers';

-- Cohort NRR and GRR -------------------------------------------------------------------------

CREATE FUNCTION @extschema@.mrr_cohort_trans(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                             pg_catalog.numeric)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_cohort_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_trans(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric) IS
'transition function of the cohort nrr and grr aggregates (rows with start_mrr = 0 ignored)';

CREATE FUNCTION @extschema@.mrr_cohort_inv(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                           pg_catalog.numeric)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_cohort_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_inv(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric) IS
'inverse transition function of the cohort nrr and grr aggregates';

CREATE FUNCTION @extschema@.mrr_cohort_nrr_final(@extschema@.mrr_movements_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_cohort_nrr_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_nrr_final(@extschema@.mrr_movements_state) IS
'final function of nrr(start_mrr, end_mrr): sum(end) / sum(start)';

CREATE FUNCTION @extschema@.mrr_cohort_grr_final(@extschema@.mrr_movements_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_cohort_grr_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_grr_final(@extschema@.mrr_movements_state) IS
'final function of grr(start_mrr, end_mrr): sum(least(end, start)) / sum(start)';

CREATE AGGREGATE @extschema@.nrr(start_mrr pg_catalog.numeric, end_mrr pg_catalog.numeric) (
    SFUNC = @extschema@.mrr_cohort_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_cohort_nrr_final,
    MSFUNC = @extschema@.mrr_cohort_trans,
    MINVFUNC = @extschema@.mrr_cohort_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_cohort_nrr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.nrr(pg_catalog.numeric, pg_catalog.numeric) IS
'cohort net revenue retention over customers: sum(end_mrr) / sum(start_mrr) over rows with start_mrr > 0';

CREATE AGGREGATE @extschema@.grr(start_mrr pg_catalog.numeric, end_mrr pg_catalog.numeric) (
    SFUNC = @extschema@.mrr_cohort_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_cohort_grr_final,
    MSFUNC = @extschema@.mrr_cohort_trans,
    MINVFUNC = @extschema@.mrr_cohort_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_cohort_grr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.grr(pg_catalog.numeric, pg_catalog.numeric) IS
'cohort gross revenue retention over customers: sum(least(end_mrr, start_mrr)) / sum(start_mrr) over rows with start_mrr > 0';

-- LTV and CLV --------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.ltv(arpa pg_catalog.numeric, churn_rate pg_catalog.float8)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'ltv_churn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ltv(pg_catalog.numeric, pg_catalog.float8) IS
'lifetime value: arpa / churn_rate (monthly ARPA, monthly churn fraction 0..1); NULL when churn_rate is 0';

CREATE FUNCTION @extschema@.ltv(arpa pg_catalog.numeric, churn_rate pg_catalog.float8,
                                gross_margin pg_catalog.float8)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'ltv_churn_margin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ltv(pg_catalog.numeric, pg_catalog.float8, pg_catalog.float8) IS
'lifetime gross profit: arpa * gross_margin / churn_rate (fractions 0..1); NULL when churn_rate is 0';

CREATE FUNCTION @extschema@.clv(avg_purchase_value pg_catalog.numeric,
                                purchase_frequency pg_catalog.float8, lifespan pg_catalog.float8)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(pg_catalog.numeric, pg_catalog.float8, pg_catalog.float8) IS
'customer lifetime value, purchase form: avg_purchase_value * purchase_frequency * lifespan';

-- csmetrics update script from 0.1.0 to 0.2.0.
--
-- Hand-written, to the same rules as the install script: plain CREATE for new objects, every
-- name qualified with @extschema@ or pg_catalog, nothing that depends on the caller's
-- search_path, no SECURITY DEFINER. The upgrade test (test/shell/upgrade.sh) checks that an
-- extension updated with this script has exactly the objects and definitions of a fresh
-- 0.2.0 install: every object added to src/*.sql must be added here too.

\echo Use "ALTER EXTENSION csmetrics UPDATE TO '0.2.0'" to load this file. \quit

-- MRR paths, the movements of every period and cohort retention (new in 0.2.0; src/mrr_paths.sql).

-- The MRR path of one customer --------------------------------------------------------------

CREATE TYPE @extschema@.mrr_path;

CREATE FUNCTION @extschema@.mrr_path_in(pg_catalog.cstring)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_in(pg_catalog.cstring) IS 'text input of mrr_path (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_path_out(@extschema@.mrr_path)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'mrr_path_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_out(@extschema@.mrr_path) IS 'text output of mrr_path; reads back exactly';

CREATE FUNCTION @extschema@.mrr_path_recv(pg_catalog.internal)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_recv(pg_catalog.internal) IS 'binary input of mrr_path (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_path_send(@extschema@.mrr_path)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'mrr_path_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_send(@extschema@.mrr_path) IS 'binary output of mrr_path';

CREATE TYPE @extschema@.mrr_path (
    INPUT = @extschema@.mrr_path_in,
    OUTPUT = @extschema@.mrr_path_out,
    RECEIVE = @extschema@.mrr_path_recv,
    SEND = @extschema@.mrr_path_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.mrr_path IS 'MRR of one customer at the end of every period of a series, as change points; text form v1 <series> rows=<n> points={<period>:<mrr>,...}';

-- STABLE: period boundaries follow timestamptz + interval in the session time zone.
CREATE FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'transition of mrr_path over timestamptz rows';

CREATE FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.date, pg_catalog.date, pg_catalog.numeric, pg_catalog.date, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.date, pg_catalog.date, pg_catalog.numeric, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'transition of mrr_path over date rows';

CREATE FUNCTION @extschema@.mrr_path_combine(@extschema@.mrr_path, @extschema@.mrr_path)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_combine(@extschema@.mrr_path, @extschema@.mrr_path) IS 'combine function of mrr_path and transition of rollup(mrr_path): the sum of two paths of one series';

CREATE FUNCTION @extschema@.mrr_path_final(@extschema@.mrr_path)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_final(@extschema@.mrr_path) IS 'final function of mrr_path and rollup(mrr_path): the path as stored; NULL without rows';

CREATE AGGREGATE @extschema@.mrr_path(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, mrr pg_catalog.numeric, first_period_start pg_catalog.timestamptz, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.mrr_path_trans, STYPE = @extschema@.mrr_path,
    COMBINEFUNC = @extschema@.mrr_path_combine, FINALFUNC = @extschema@.mrr_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_path(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'MRR path of a customer (GROUP BY customer): its MRR at the end of every period of the series, from its subscription rows (ended_at NULL = open)';

CREATE AGGREGATE @extschema@.mrr_path(started_at pg_catalog.date, ended_at pg_catalog.date, mrr pg_catalog.numeric, first_period_start pg_catalog.date, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.mrr_path_trans, STYPE = @extschema@.mrr_path,
    COMBINEFUNC = @extschema@.mrr_path_combine, FINALFUNC = @extschema@.mrr_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_path(pg_catalog.date, pg_catalog.date, pg_catalog.numeric, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'MRR path of a customer over a date series (GROUP BY customer)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_path) (
    SFUNC = @extschema@.mrr_path_combine, STYPE = @extschema@.mrr_path,
    COMBINEFUNC = @extschema@.mrr_path_combine, FINALFUNC = @extschema@.mrr_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.mrr_path) IS 'sum of MRR paths of one series (for instance the accounts of one customer), as one path';

-- The movements of every period ------------------------------------------------------------

CREATE TYPE @extschema@.mrr_period_movements AS (
    period_start pg_catalog.timestamptz,
    period_end pg_catalog.timestamptz,
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
COMMENT ON TYPE @extschema@.mrr_period_movements IS 'MRR movements of one period [period_start, period_end): the fields of mrr_movements after the period bounds';

CREATE TYPE @extschema@.mrr_movements_series;

CREATE FUNCTION @extschema@.mrr_movements_series_in(pg_catalog.cstring)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_in(pg_catalog.cstring) IS 'text input of mrr_movements_series (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_movements_series_out(@extschema@.mrr_movements_series)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'mrr_movements_series_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_out(@extschema@.mrr_movements_series) IS 'text output of mrr_movements_series; reads back exactly';

CREATE FUNCTION @extschema@.mrr_movements_series_recv(pg_catalog.internal)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_recv(pg_catalog.internal) IS 'binary input of mrr_movements_series (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_movements_series_send(@extschema@.mrr_movements_series)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'mrr_movements_series_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_send(@extschema@.mrr_movements_series) IS 'binary output of mrr_movements_series';

CREATE TYPE @extschema@.mrr_movements_series (
    INPUT = @extschema@.mrr_movements_series_in,
    OUTPUT = @extschema@.mrr_movements_series_out,
    RECEIVE = @extschema@.mrr_movements_series_recv,
    SEND = @extschema@.mrr_movements_series_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.mrr_movements_series IS 'MRR movements of every period of a series: exact per-period sums and customer counts of each movement class; storable and summable (rollup)';

-- STABLE: the first path's series gets its boundaries in the session time zone.
CREATE FUNCTION @extschema@.mrr_movements_series_trans(@extschema@.mrr_movements_series, @extschema@.mrr_path)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_trans(@extschema@.mrr_movements_series, @extschema@.mrr_path) IS 'transition of mrr_movements(path) and mrr_movements_series(path)';

CREATE FUNCTION @extschema@.mrr_movements_series_combine(@extschema@.mrr_movements_series, @extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_combine(@extschema@.mrr_movements_series, @extschema@.mrr_movements_series) IS 'combine function of the movement series aggregates and transition of rollup(mrr_movements_series)';

-- STABLE: a date series reports its bounds as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.mrr_movements_series_final(@extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_period_movements[]
AS 'MODULE_PATHNAME', 'mrr_movements_series_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_final(@extschema@.mrr_movements_series) IS 'final function of mrr_movements(path): one mrr_period_movements per period';

CREATE AGGREGATE @extschema@.mrr_movements(path @extschema@.mrr_path) (
    SFUNC = @extschema@.mrr_movements_series_trans, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    FINALFUNC = @extschema@.mrr_movements_series_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements(@extschema@.mrr_path) IS 'MRR movements of every period of the series, from the customers'' MRR paths, in one pass: one mrr_period_movements per period';

CREATE AGGREGATE @extschema@.mrr_movements_series(path @extschema@.mrr_path) (
    SFUNC = @extschema@.mrr_movements_series_trans, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements_series(@extschema@.mrr_path) IS 'MRR movements of every period of the series as a storable summary (read it with mrr_movements(summary), add summaries with rollup)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_movements_series) (
    SFUNC = @extschema@.mrr_movements_series_combine, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.mrr_movements_series) IS 'exact sum of mrr_movements_series summaries of one series (segments to totals)';

CREATE FUNCTION @extschema@.mrr_movements(s @extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_period_movements[]
AS 'MODULE_PATHNAME', 'mrr_movements_series_movements' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements(@extschema@.mrr_movements_series) IS 'the movements of every period of a stored mrr_movements_series, one mrr_period_movements per period';

-- The accessors of mrr_movements, on a period's row (the same C functions read both).
CREATE FUNCTION @extschema@.nrr(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_nrr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nrr(@extschema@.mrr_period_movements) IS 'net revenue retention of the period: (starting - churned - contraction + expansion) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.grr(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_grr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grr(@extschema@.mrr_period_movements) IS 'gross revenue retention of the period: (starting - churned - contraction) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.quick_ratio(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_quick_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.quick_ratio(@extschema@.mrr_period_movements) IS 'SaaS quick ratio of the period: (new + expansion + reactivation) / (contraction + churned); NULL when nothing was lost';

CREATE FUNCTION @extschema@.net_new_mrr(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_net_new_mrr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.net_new_mrr(@extschema@.mrr_period_movements) IS 'net new MRR of the period: new + reactivation + expansion - contraction - churned (= ending_mrr - starting_mrr)';

CREATE FUNCTION @extschema@.arpa(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_arpa' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.arpa(@extschema@.mrr_period_movements) IS 'average revenue per account at the end of the period: ending_mrr / customers_end; NULL without paying customers';

CREATE FUNCTION @extschema@.negative_churn(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.bool
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (m).expansion_mrr OPERATOR(pg_catalog.>) ((m).churned_mrr OPERATOR(pg_catalog.+) (m).contraction_mrr) $$;
COMMENT ON FUNCTION @extschema@.negative_churn(@extschema@.mrr_period_movements) IS 'negative churn in the period: expansion_mrr > churned_mrr + contraction_mrr';

-- One customer's movement in each period.
-- STABLE: a date series reports its bounds as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.customer_mrr_movements(path @extschema@.mrr_path,
    OUT period_start pg_catalog.timestamptz, OUT period_end pg_catalog.timestamptz,
    OUT previous_mrr pg_catalog.numeric, OUT mrr pg_catalog.numeric, OUT movement pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'customer_mrr_movements' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION @extschema@.customer_mrr_movements(@extschema@.mrr_path) IS 'movement of one customer in each period from its first paying period to the end of the series: previous and current MRR and the mrr_movement() class; periods without MRR before or after are left out';

-- Cohort retention ----------------------------------------------------------------------------

CREATE TYPE @extschema@.cohort_summary;

CREATE FUNCTION @extschema@.cohort_summary_in(pg_catalog.cstring)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_in(pg_catalog.cstring) IS 'text input of cohort_summary (validated, versioned)';

CREATE FUNCTION @extschema@.cohort_summary_out(@extschema@.cohort_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'cohort_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_out(@extschema@.cohort_summary) IS 'text output of cohort_summary; reads back exactly';

CREATE FUNCTION @extschema@.cohort_summary_recv(pg_catalog.internal)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_recv(pg_catalog.internal) IS 'binary input of cohort_summary (validated, versioned)';

CREATE FUNCTION @extschema@.cohort_summary_send(@extschema@.cohort_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'cohort_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_send(@extschema@.cohort_summary) IS 'binary output of cohort_summary';

CREATE TYPE @extschema@.cohort_summary (
    INPUT = @extschema@.cohort_summary_in,
    OUTPUT = @extschema@.cohort_summary_out,
    RECEIVE = @extschema@.cohort_summary_recv,
    SEND = @extschema@.cohort_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.cohort_summary IS 'cohort retention triangle of a series: per cohort (first paying period) and periods since its start, the changes of retained customers, MRR and gross MRR; storable and summable (rollup)';

-- STABLE: the first path's series gets its boundaries in the session time zone.
CREATE FUNCTION @extschema@.cohort_summary_trans(@extschema@.cohort_summary, @extschema@.mrr_path)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_trans(@extschema@.cohort_summary, @extschema@.mrr_path) IS 'transition of cohort_summary(path)';

CREATE FUNCTION @extschema@.cohort_summary_combine(@extschema@.cohort_summary, @extschema@.cohort_summary)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_combine(@extschema@.cohort_summary, @extschema@.cohort_summary) IS 'combine function of cohort_summary and transition of rollup(cohort_summary)';

CREATE FUNCTION @extschema@.cohort_summary_final(@extschema@.cohort_summary)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_final(@extschema@.cohort_summary) IS 'final function of cohort_summary and rollup(cohort_summary): the summary as stored';

CREATE AGGREGATE @extschema@.cohort_summary(path @extschema@.mrr_path) (
    SFUNC = @extschema@.cohort_summary_trans, STYPE = @extschema@.cohort_summary,
    COMBINEFUNC = @extschema@.cohort_summary_combine, FINALFUNC = @extschema@.cohort_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cohort_summary(@extschema@.mrr_path) IS 'cohort retention triangle of the customers'' MRR paths (cohort = first paying period), in one pass; read it with cohort_retention()';

CREATE AGGREGATE @extschema@.rollup(@extschema@.cohort_summary) (
    SFUNC = @extschema@.cohort_summary_combine, STYPE = @extschema@.cohort_summary,
    COMBINEFUNC = @extschema@.cohort_summary_combine, FINALFUNC = @extschema@.cohort_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.cohort_summary) IS 'exact sum of cohort_summary values of one series over disjoint customers (segments to totals)';

-- STABLE: a date series reports its cohorts as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.cohort_retention(s @extschema@.cohort_summary,
    OUT cohort pg_catalog.timestamptz, OUT periods_since_start pg_catalog.int4,
    OUT customers pg_catalog.int8, OUT retained_customers pg_catalog.int8,
    OUT logo_retention pg_catalog.float8, OUT starting_mrr pg_catalog.numeric,
    OUT mrr pg_catalog.numeric, OUT revenue_retention pg_catalog.float8,
    OUT gross_revenue_retention pg_catalog.float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cohort_retention' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_retention(@extschema@.cohort_summary) IS 'the cohort retention triangle, one row per cohort and periods since its start: customers, retained customers and logo retention, starting MRR, MRR, revenue retention (cohort NRR) and gross revenue retention';

-- roc: the ROC AUC of a score as a churn predictor (src/roc.sql).
CREATE TYPE @extschema@.roc_summary;

CREATE FUNCTION @extschema@.roc_summary_in(pg_catalog.cstring)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_in(pg_catalog.cstring) IS
'text input of roc_summary: v1 scores={...} retained={...} churned={...} (validated, canonical form only)';

CREATE FUNCTION @extschema@.roc_summary_out(@extschema@.roc_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'roc_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_out(@extschema@.roc_summary) IS
'text output of roc_summary: the distinct scores ascending, then the retained and the churned rows of each';

CREATE FUNCTION @extschema@.roc_summary_recv(pg_catalog.internal)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_recv(pg_catalog.internal) IS
'binary input of roc_summary (validated): version byte, int32 n, n float8 scores, n int64 retained, n int64 churned';

CREATE FUNCTION @extschema@.roc_summary_send(@extschema@.roc_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'roc_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_send(@extschema@.roc_summary) IS
'binary output of roc_summary: version byte, int32 n, n float8 scores, n int64 retained, n int64 churned';

CREATE TYPE @extschema@.roc_summary (
    INPUT = @extschema@.roc_summary_in,
    OUTPUT = @extschema@.roc_summary_out,
    RECEIVE = @extschema@.roc_summary_recv,
    SEND = @extschema@.roc_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.roc_summary IS
'storable ROC summary: every distinct score with its retained and churned rows; build with roc_summary(score, churned), merge with rollup, read with roc_auc';

CREATE FUNCTION @extschema@.roc_summary_eq(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'roc_summary_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_eq(@extschema@.roc_summary, @extschema@.roc_summary) IS
'true when two ROC summaries hold the same retained and churned rows at every score';

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.roc_summary,
    RIGHTARG = @extschema@.roc_summary,
    FUNCTION = @extschema@.roc_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=)
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.roc_summary, @extschema@.roc_summary) IS
'the same retained and churned rows at every score';

-- Accessors.
CREATE FUNCTION @extschema@.roc_auc(s @extschema@.roc_summary)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'roc_auc_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_auc(@extschema@.roc_summary) IS
'ROC AUC of a summary: P(a retained row scores higher than a churned row) + 1/2 P(equal scores); NULL when no row is retained or none churned';

CREATE FUNCTION @extschema@.customers(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customers(@extschema@.roc_summary) IS
'rows counted by a ROC summary, retained and churned';

CREATE FUNCTION @extschema@.retained(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_retained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retained(@extschema@.roc_summary) IS
'rows of a ROC summary that did not churn';

CREATE FUNCTION @extschema@.churned(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_churned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churned(@extschema@.roc_summary) IS
'rows of a ROC summary that churned';

-- Support functions. Not strict: the transitions make the state on the first row that has
-- a score and a flag, and skip rows without.
CREATE FUNCTION @extschema@.roc_summary_trans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_trans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'transition function of roc_auc(score, churned) and roc_summary(score, churned): counts one row';

CREATE FUNCTION @extschema@.roc_summary_mtrans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_mtrans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'moving-aggregate transition function of roc_auc(score, churned) and roc_summary(score, churned)';

CREATE FUNCTION @extschema@.roc_summary_inv(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_inv(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'moving-aggregate inverse of roc_summary_mtrans: uncounts a row that leaves the window frame';

CREATE FUNCTION @extschema@.roc_summary_combine(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_combine(@extschema@.roc_summary, @extschema@.roc_summary) IS
'combine function of the roc_summary aggregates and transition function of rollup(roc_summary): adds the second summary to the first';

CREATE FUNCTION @extschema@.roc_summary_rollup_mtrans(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_rollup_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_rollup_mtrans(@extschema@.roc_summary, @extschema@.roc_summary) IS
'moving-aggregate transition function of rollup(roc_summary)';

CREATE FUNCTION @extschema@.roc_summary_rollup_inv(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_rollup_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_rollup_inv(@extschema@.roc_summary, @extschema@.roc_summary) IS
'moving-aggregate inverse of rollup(roc_summary): subtracts a summary that leaves the window frame';

CREATE FUNCTION @extschema@.roc_summary_final(@extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_final(@extschema@.roc_summary) IS
'final function of roc_summary(score, churned) and rollup(roc_summary): the summary, or NULL when it counts no row';

-- Aggregates.
CREATE AGGREGATE @extschema@.roc_auc(score pg_catalog.float8, churned pg_catalog.bool) (
    SFUNC = @extschema@.roc_summary_trans, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_auc,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_mtrans, MINVFUNC = @extschema@.roc_summary_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_auc,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.roc_auc(pg_catalog.float8, pg_catalog.bool) IS
'ROC AUC of a score as a churn predictor: P(a retained row scores higher than a churned row) + 1/2 P(equal scores), exact; NULL when no row is retained or none churned';

CREATE AGGREGATE @extschema@.roc_summary(score pg_catalog.float8, churned pg_catalog.bool) (
    SFUNC = @extschema@.roc_summary_trans, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_summary_final,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_mtrans, MINVFUNC = @extschema@.roc_summary_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.roc_summary(pg_catalog.float8, pg_catalog.bool) IS
'roc_summary of (score, churned) rows, to store and roll up; NULL over no rows';

CREATE AGGREGATE @extschema@.rollup(s @extschema@.roc_summary) (
    SFUNC = @extschema@.roc_summary_combine, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_summary_final,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_rollup_mtrans, MINVFUNC = @extschema@.roc_summary_rollup_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.roc_summary) IS
'exact merge of ROC summaries (by period, segment...); NULL when they count no row';

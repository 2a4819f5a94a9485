-- revenue, one pass over periods: MRR paths, the movements of every period, cohort retention.
-- C code: src/mrr_path.c, src/mrr_series.c, src/cohort.c. Tests: test/sql/mrr_paths*.sql.
--
-- A series of periods is given as in customer_flows: period k (0-based) is
-- [first_period_start + k * period_length, first_period_start + (k + 1) * period_length),
-- in calendar arithmetic (timestamptz in the session time zone, date as local midnight).
-- A customer's MRR for a period is the sum of mrr over its rows in force at the period end:
-- started_at < period_end AND (ended_at IS NULL OR ended_at >= period_end).
--
--   mrr_path(started_at, ended_at, mrr, first_period_start, period_length, periods) -> mrr_path
--       aggregate, date and timestamptz overloads, used with GROUP BY customer: the
--       customer's MRR at the end of each period, kept as change points (storable, combines
--       rows split between workers). NULL started_at or mrr: the row is skipped.
--   rollup(mrr_path) -> mrr_path             sum of paths of one series (e.g. child accounts)
--
--   mrr_movements(path mrr_path) -> mrr_period_movements[]
--       aggregate over the customers' paths: the MRR movements of every period, classified
--       as mrr_movement() does (a customer enters at its first paying period; reactivation
--       after a gap; churn in the period after the last paying one). One element per period;
--       SELECT m.* FROM unnest(...) m gives one named row per period.
--   mrr_movements_series(path mrr_path) -> mrr_movements_series
--       the same as a storable summary; rollup(mrr_movements_series) adds summaries (segments
--       to totals) and mrr_movements(mrr_movements_series) unfolds one.
--   nrr, grr, quick_ratio, net_new_mrr, arpa, negative_churn(mrr_period_movements)
--       the mrr_movements accessors, on a period's row.
--   customer_mrr_movements(path mrr_path) -> SETOF (period_start, period_end, previous_mrr,
--       mrr, movement): one customer's movement in each period from its first paying period
--       to the end of the series, periods with neither previous nor current MRR left out.
--   customer_mrr_changes(path mrr_path) -> the same rows without the unchanged ones: the
--       periods where the customer's MRR moves, in O(points) (the churn-by-reason views).
--
--   cohort_summary(path mrr_path) -> cohort_summary
--       aggregate: the cohort retention triangle (cohort = first paying period) in one pass;
--       rollup(cohort_summary) adds summaries of disjoint customers (segments).
--   cohort_retention(cohort_summary) -> SETOF (cohort, periods_since_start, customers,
--       retained_customers, logo_retention, starting_mrr, mrr, revenue_retention,
--       gross_revenue_retention): one row per cohort and number of periods since its start.
--
-- Period bounds and cohorts are reported as timestamptz (a date series: its local midnight,
-- so ::date gives the date back). Every aggregate is parallel safe with a combine function
-- and a state of a real type; the text forms read back exactly.

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
COMMENT ON TYPE @extschema@.mrr_path IS 'MRR of one customer at the end of every period of a series, as change points; text form v1 <series> rows=<n> point_periods={<period>,...} point_mrr={<mrr>,...}';

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

CREATE FUNCTION @extschema@.mrr_movements_series_summary_final(@extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_summary_final(@extschema@.mrr_movements_series) IS 'final function of mrr_movements_series(path) and rollup(mrr_movements_series): the summary as stored, once the MRR of every period is known to fit';

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
    FINALFUNC = @extschema@.mrr_movements_series_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements_series(@extschema@.mrr_path) IS 'MRR movements of every period of the series as a storable summary (read it with mrr_movements(summary), add summaries with rollup)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_movements_series) (
    SFUNC = @extschema@.mrr_movements_series_combine, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    FINALFUNC = @extschema@.mrr_movements_series_summary_final,
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

-- The periods where one customer's MRR moves.
-- STABLE: a date series reports its bounds as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.customer_mrr_changes(path @extschema@.mrr_path,
    OUT period_start pg_catalog.timestamptz, OUT period_end pg_catalog.timestamptz,
    OUT previous_mrr pg_catalog.numeric, OUT mrr pg_catalog.numeric, OUT movement pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'customer_mrr_changes' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.customer_mrr_changes(@extschema@.mrr_path) IS 'the rows of customer_mrr_movements(path) whose movement is not unchanged: the periods where one customer''s MRR moves (new, expansion, contraction, churn, reactivation), at a cost of the path''s change points';

-- The rows of the view customer_mrr_movements from one path (csmetrics internal): those of
-- customer_mrr_movements(path), with the period as a date and the change made once per
-- path point, not once per row.
-- STABLE: the dates are those of the period starts in the session time zone.
CREATE FUNCTION @extschema@.kpi_mrr_movement_rows(path @extschema@.mrr_path,
    OUT period_start pg_catalog.date, OUT previous_mrr pg_catalog.numeric, OUT mrr pg_catalog.numeric,
    OUT mrr_change pg_catalog.numeric, OUT movement pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'kpi_mrr_movement_rows' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION @extschema@.kpi_mrr_movement_rows(@extschema@.mrr_path) IS 'csmetrics internal: the rows of customer_mrr_movements(path) as the view customer_mrr_movements shows them (period_start as a date, mrr_change = mrr - previous_mrr)';

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

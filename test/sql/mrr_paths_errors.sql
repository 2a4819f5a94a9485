SET search_path = csmetrics, public;
-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA mrr_paths_errors_suite;
SET search_path = mrr_paths_errors_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- Every error path of the MRR paths, movements series and cohort summaries, with its
-- SQLSTATE, message and detail.

-- Subscription rows: amounts and spans.
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('negative_mrr', $$SELECT mrr_path(date '2024-01-01', NULL, -5, date '2024-01-01', '1 month', 3)$$),
    ('nan_mrr', $$SELECT mrr_path(date '2024-01-01', NULL, 'NaN', date '2024-01-01', '1 month', 3)$$),
    ('too_precise_mrr', $$SELECT mrr_path(date '2024-01-01', NULL, 0.000000001, date '2024-01-01', '1 month', 3)$$),
    ('too_large_mrr', $$SELECT mrr_path(date '2024-01-01', NULL, 1e40, date '2024-01-01', '1 month', 3)$$),
    ('sum_overflow', $$SELECT mrr_path(date '2024-01-01', NULL, 1e37, date '2024-01-01', '1 month', 3) FROM generate_series(1, 20)$$),
    ('ended_before_started', $$SELECT mrr_path(date '2024-03-10', date '2024-03-09', 10, date '2024-01-01', '1 month', 3)$$),
    ('ended_before_started_tz', $$SELECT mrr_path(timestamptz '2024-03-10', timestamptz '2024-03-09 23:59', 10, timestamptz '2024-01-01', '1 month', 3)$$),
    ('infinite_start', $$SELECT mrr_path(date '-infinity', NULL, 10, date '2024-01-01', '1 month', 3)$$),
    ('infinite_end', $$SELECT mrr_path(timestamptz '2024-01-01', 'infinity', 10, timestamptz '2024-01-01', '1 month', 3)$$),
    ('date_beyond_timestamp', $$SELECT mrr_path(date '5000000-01-01', NULL, 10, date '2024-01-01', '1 month', 3)$$)
) AS cases(name, statement);
-- numeric infinities exist from PostgreSQL 14 on (regress.expect_infinity_error)
SELECT name, regress.expect_infinity_error(statement, expected) AS error
FROM (VALUES
    ('infinite_mrr', $$SELECT mrr_path(date '2024-01-01', NULL, '-Infinity', date '2024-01-01', '1 month', 3)$$,
     '22003: mrr -Infinity is not a finite amount (MRR must be a finite amount of at least 0.)')
) AS cases(name, statement, expected);

-- Sums over many customers: each path fits, but the MRR of a whole period (the running sum
-- of its movements) or of a cohort does not. An error, never a wrapped-around negative MRR,
-- and never a stored value that cannot be read back.
CREATE TABLE huge AS
SELECT c, mrr_path(s, NULL, m, date '2024-01-01', '1 month', 3) AS path
FROM (VALUES (1, date '2024-01-01', 1e38), (2, date '2024-02-01', 1e38)) v(c, s, m) GROUP BY c;
CREATE TABLE huge_cohort AS
SELECT c, mrr_path(s, e, m, date '2024-01-01', '1 month', 3) AS path
FROM (VALUES (1, date '2024-01-01', NULL::date, 1e38), (2, date '2024-01-01', date '2024-02-01', 1),
             (2, date '2024-02-01', NULL, 1e38)) v(c, s, e, m) GROUP BY c;
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('movements_period_mrr', $$SELECT mrr_movements(path) FROM huge$$),
    ('series_period_mrr', $$SELECT mrr_movements_series(path) FROM huge$$),
    ('series_rollup_period_mrr', $$SELECT rollup(s) FROM (SELECT mrr_movements_series(path) FROM huge GROUP BY c) x(s)$$),
    ('series_combined_directly', $$SELECT mrr_movements_series_combine(a, b) FROM (SELECT mrr_movements_series(path) FILTER (WHERE c = 1), mrr_movements_series(path) FILTER (WHERE c = 2) FROM huge) x(a, b)$$),
    ('series_added_directly', $$SELECT mrr_movements_series_trans(s, p) FROM (SELECT mrr_movements_series(path) FILTER (WHERE c = 1), min(path::text) FILTER (WHERE c = 2)::mrr_path FROM huge) x(s, p)$$),
    ('cohort_mrr', $$SELECT cohort_summary(path) FROM huge_cohort$$),
    ('cohort_rollup_mrr', $$SELECT rollup(s) FROM (SELECT cohort_summary(path) FROM huge_cohort GROUP BY c) x(s)$$),
    ('cohort_combined_directly', $$SELECT cohort_summary_combine(a, b) FROM (SELECT cohort_summary(path) FILTER (WHERE c = 1), cohort_summary(path) FILTER (WHERE c = 2) FROM huge_cohort) x(a, b)$$),
    ('cohort_added_directly', $$SELECT cohort_summary_trans(s, p) FROM (SELECT cohort_summary(path) FILTER (WHERE c = 1), min(path::text) FILTER (WHERE c = 2)::mrr_path FROM huge_cohort) x(s, p)$$)
) AS cases(name, statement);
-- Each customer alone is fine, and so are the values of either one.
SELECT c, (SELECT max(m.ending_mrr) FROM unnest((SELECT mrr_movements(p) FROM (VALUES (h.path)) v(p))) m) AS ending_mrr,
       (SELECT max(r.mrr) FROM cohort_retention((SELECT cohort_summary(p) FROM (VALUES (g.path)) v(p))) r) AS cohort_mrr
FROM huge h JOIN huge_cohort g USING (c) ORDER BY c;

-- Series arguments.
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('null_first_period', $$SELECT mrr_path(date '2024-01-01', NULL, 10, NULL::date, '1 month', 3)$$),
    ('null_length', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', NULL, 3)$$),
    ('null_periods', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1 month', NULL)$$),
    ('zero_periods', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1 month', 0)$$),
    ('too_many_periods', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1 day', 10001)$$),
    ('zero_length', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '0 days', 3)$$),
    ('negative_length', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '-1 month', 3)$$),
    ('backwards_length', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-31', '1 month -30 days', 3)$$),
    ('series_out_of_range', $$SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1000 years', 10000)$$),
    ('infinite_first_period', $$SELECT mrr_path(timestamptz '2024-01-01', NULL, 10, 'infinity', '1 month', 3)$$),
    -- every row of a group names the same series
    ('periods_vary', $$SELECT mrr_path(s, NULL, 10, date '2024-01-01', '1 month', n) FROM (VALUES (date '2024-01-01', 3), ('2024-02-01', 4)) v(s, n)$$),
    ('first_period_varies', $$SELECT mrr_path(s, NULL, 10, f, '1 month', 3) FROM (VALUES (date '2024-01-01', date '2024-01-01'), ('2024-02-01', '2024-02-01')) v(s, f)$$),
    ('length_varies', $$SELECT mrr_path(s, NULL, 10, date '2024-01-01', l, 3) FROM (VALUES (date '2024-01-01', interval '1 month'), ('2024-02-01', '30 days')) v(s, l)$$),
    -- a NULL mrr or started_at skips the row, never the series check
    ('skipped_row_series_varies', $$SELECT mrr_path(s, NULL, m, date '2024-01-01', '1 month', n) FROM (VALUES (date '2024-01-01', 10, 3), (NULL, NULL, 4)) v(s, m, n)$$)
) AS cases(name, statement);

-- Values of different series, or of one timestamptz series computed in two time zones.
CREATE TABLE monthly AS
SELECT mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1 month', 3) AS path,
       mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1 month', 4) AS longer,
       mrr_path(date '2024-01-01', NULL, 10, date '2024-01-01', '1 week', 3) AS weekly;
SET TimeZone = 'America/New_York';
CREATE TABLE zoned AS
SELECT 'New York' AS zone, mrr_path(timestamptz '2024-01-01 00:00+00', NULL, 10, timestamptz '2024-01-01 00:00+00', '1 month', 4) AS path;
SET TimeZone = 'UTC';
INSERT INTO zoned SELECT 'UTC', mrr_path(timestamptz '2024-01-01 00:00+00', NULL, 10, timestamptz '2024-01-01 00:00+00', '1 month', 4);
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('paths_of_two_series', $$SELECT rollup(p) FROM (SELECT path FROM monthly UNION ALL SELECT longer FROM monthly) x(p)$$),
    ('movements_of_two_series', $$SELECT mrr_movements(p) FROM (SELECT path FROM monthly UNION ALL SELECT weekly FROM monthly) x(p)$$),
    ('cohorts_of_two_series', $$SELECT cohort_summary(p) FROM (SELECT path FROM monthly UNION ALL SELECT longer FROM monthly) x(p)$$),
    ('series_rollup_of_two_series', $$SELECT rollup(s) FROM (SELECT mrr_movements_series(path) FROM monthly UNION ALL SELECT mrr_movements_series(longer) FROM monthly) x(s)$$),
    ('cohort_rollup_of_two_series', $$SELECT rollup(s) FROM (SELECT cohort_summary(path) FROM monthly UNION ALL SELECT cohort_summary(weekly) FROM monthly) x(s)$$),
    ('paths_of_two_time_zones', $$SELECT rollup(path) FROM zoned$$),
    ('movements_in_another_time_zone', $$SELECT mrr_movements(path) FROM zoned WHERE zone = 'New York'$$),
    ('cohorts_in_another_time_zone', $$SELECT cohort_summary(path) FROM zoned WHERE zone = 'New York'$$),
    ('rows_in_another_time_zone', $$SELECT count(*) FROM zoned, customer_mrr_movements(path) WHERE zone = 'New York'$$)
) AS cases(name, statement);
SET TimeZone = 'America/New_York';
SELECT count(*) AS rows_in_its_own_time_zone FROM zoned, customer_mrr_movements(path) WHERE zone = 'New York';
SET TimeZone = 'UTC';
-- a date series does not depend on the time zone
SET TimeZone = 'Asia/Kolkata';
SELECT mrr_movements(path) IS NOT NULL AS date_series_in_any_zone FROM monthly;
SET TimeZone = 'UTC';

-- Text input: malformed or hand-edited values are rejected (22P02), never trusted.
CREATE TABLE good (path text, series text, cohorts text);
INSERT INTO good
SELECT path::text, (SELECT mrr_movements_series(p) FROM (VALUES (path)) v(p))::text,
       (SELECT cohort_summary(p) FROM (VALUES (path)) v(p))::text
FROM (SELECT mrr_path(s, e, m, date '2024-01-01', '1 month', 3) AS path
      FROM (VALUES (date '2024-01-01', date '2024-03-01', 80), ('2024-03-01', NULL, 120)) v(s, e, m)) x;
SELECT * FROM good;
-- Replaces the first match of pattern in a good value by replacement and reads the result.
CREATE FUNCTION edited(what text, pattern text, replacement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    value text;
BEGIN
    EXECUTE format('SELECT %I FROM good', what) INTO value;
    IF regexp_replace(value, pattern, replacement) = value THEN
        RETURN 'pattern not found: ' || pattern;
    END IF;
    RETURN regress.expect_error(format('SELECT %L::%s', regexp_replace(value, pattern, replacement),
                                       CASE what WHEN 'path' THEN 'mrr_path' WHEN 'series' THEN 'mrr_movements_series'
                                                 ELSE 'cohort_summary' END));
END $$;
SELECT edited('path', '^v1', 'v2') AS path_version;
SELECT edited('path', '^v1', 'v01') AS path_version_not_canonical;
SELECT edited('path', 'kind=date', 'kind=month') AS path_kind;
SELECT edited('path', 'periods=3', 'periods=0') AS path_no_periods;
SELECT edited('path', 'periods=3', 'periods=10001') AS path_too_many_periods;
SELECT edited('path', 'length=\{1,', 'length={99999999999,') AS path_length_months;
SELECT edited('path', 'first=\d+', 'first=9223372036854775807') AS path_infinite_first;
SELECT edited('path', 'rows=2', 'rows=-1') AS path_negative_rows;
SELECT edited('path', 'rows=2', 'rows=0') AS path_points_without_rows;
SELECT edited('path', 'point_periods=\{0,2\}', 'point_periods={2,0}') AS path_points_not_ascending;
SELECT edited('path', 'point_periods=\{0,2\}', 'point_periods={0,3}') AS path_point_outside_series;
SELECT edited('path', 'point_periods=\{0,2\}', 'point_periods={0,1,2}') AS path_lists_disagree;
SELECT edited('path', 'point_mrr=\{80,120\}', 'point_mrr={80,80}') AS path_point_without_change;
SELECT edited('path', 'point_mrr=\{80,120\}', 'point_mrr={80,-120}') AS path_negative_mrr;
SELECT edited('path', 'point_mrr=\{80,120\}', 'point_mrr={80,0.000000001}') AS path_too_precise;
SELECT edited('path', 'point_mrr=\{80,120\}', 'point_mrr={80,120.}') AS path_point_without_fraction;
SELECT edited('path', '\}$', '} extra') AS path_trailing_text;
SELECT edited('path', ' hash=', ' hash =') AS path_misspelt;
SELECT name, regress.expect_error(statement) AS error
FROM (VALUES
    ('path_empty_text', $$SELECT ''::mrr_path$$)
) AS cases(name, statement);
SELECT edited('series', '^v1', 'v9') AS series_version;
SELECT edited('series', 'bounds=\{(\d+),', 'bounds={1\1,') AS series_bounds_not_the_series;
SELECT edited('series', ',\d+\} new_mrr', '} new_mrr') AS series_too_few_bounds;
SELECT edited('series', 'new_mrr=\{80,', 'new_mrr={-80,') AS series_negative_amount;
SELECT edited('series', 'new_customers=\{1,', 'new_customers={2,') AS series_new_above_paths;
SELECT edited('series', 'new_customers=\{1,', 'new_customers={0,') AS series_amount_without_customers;
SELECT edited('series', 'churned_mrr=\{0,0,0\} churned_customers=\{0,0,0\}', 'churned_mrr={0,90,0} churned_customers={0,1,0}') AS series_churn_above_start;
SELECT edited('series', 'dscale=\{0,0,0\}', 'dscale={0,0,20000}') AS series_display_scale;
SELECT edited('series', 'scale=0', 'scale=9') AS series_scale;
SELECT edited('cohorts', 'cohorts=\{0,0\}', 'cohorts={0,1}') AS cohort_without_first_cell;
SELECT edited('cohorts', 'offsets=\{0,2\}', 'offsets={2,0}') AS cohort_cells_unsorted;
SELECT edited('cohorts', 'offsets=\{0,2\}', 'offsets={0,3}') AS cohort_cell_outside_triangle;
SELECT edited('cohorts', 'retained=\{1,0\}', 'retained={1,1}') AS cohort_retained_above_customers;
SELECT edited('cohorts', 'retained=\{1,0\}', 'retained={2,0}') AS cohort_customers_above_paths;
SELECT edited('cohorts', 'gross=\{80,0\}', 'gross={80,10}') AS cohort_gross_above_starting;
SELECT edited('cohorts', 'mrr=\{80,40\}', 'mrr={80,-90}') AS cohort_negative_mrr;
SELECT edited('cohorts', 'gross=\{80,0\}', 'gross={80}') AS cohort_lists_disagree;

-- Binary input (22P03): each type's own bytes, cut, extended or changed, read back through
-- binary COPY so that the receive function sees exactly these bytes.
CREATE TABLE raw_bytes (b bytea);
CREATE TABLE read_path (v mrr_path);
CREATE TABLE read_series (v mrr_movements_series);
CREATE TABLE read_cohorts (v cohort_summary);
CREATE FUNCTION from_bytes(target text, bytes bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    file text := current_setting('data_directory') || '/csmetrics_mrr_paths_errors.bin';
    result text;
BEGIN
    TRUNCATE raw_bytes, read_path, read_series, read_cohorts;
    INSERT INTO raw_bytes VALUES (bytes);
    EXECUTE format('COPY raw_bytes TO %L (FORMAT binary)', file);
    result := regress.expect_error(format('COPY %I FROM %L (FORMAT binary)', target, file));
    IF result = 'no error' THEN
        EXECUTE format('SELECT v::text FROM %I', target) INTO result;
    END IF;
    RETURN result;
END $$;
CREATE TABLE sent AS
SELECT mrr_path_send(path::mrr_path) AS path, mrr_movements_series_send(series::mrr_movements_series) AS series,
       cohort_summary_send(cohorts::cohort_summary) AS cohorts
FROM good;
SELECT from_bytes('read_path', path) = (SELECT path FROM good) AS path_bytes_read_back,
       from_bytes('read_series', series) = (SELECT series FROM good) AS series_bytes_read_back,
       from_bytes('read_cohorts', cohorts) = (SELECT cohorts FROM good) AS cohort_bytes_read_back
FROM sent;
SELECT from_bytes('read_path', '\x'::bytea) AS path_no_bytes;
SELECT from_bytes('read_path', substring(path FROM 1 FOR length(path) - 1)) AS path_cut FROM sent;
SELECT from_bytes('read_path', path || '\x00'::bytea) AS path_extended FROM sent;
SELECT from_bytes('read_path', overlay(path PLACING '\x00000002' FROM 1)) AS path_version FROM sent;
SELECT from_bytes('read_path', overlay(path PLACING '\x00000009' FROM 33)) AS path_kind FROM sent;
SELECT from_bytes('read_path', overlay(path PLACING '\x00000009' FROM 53)) AS path_scale FROM sent;
SELECT from_bytes('read_path', overlay(path PLACING '\x00000000' FROM 85)) AS path_point_order FROM sent;
SELECT from_bytes('read_path', overlay(path PLACING '\x7FFFFFFF' FROM 65)) AS path_point_display_scale FROM sent;
SELECT from_bytes('read_path', overlay(overlay(path PLACING '\x00000001' FROM 53) PLACING '\x51' FROM 84)) AS path_digits_beyond_display FROM sent;
-- 80 and 120 as 800 and 1200 tenths: the same amounts, at a scale no path has (a path keeps
-- the fewest fraction digits its amounts need, so that equal paths have equal forms)
SELECT from_bytes('read_path', overlay(overlay(overlay(path PLACING '\x00000001' FROM 53) PLACING '\x0320' FROM 83) PLACING '\x04B0' FROM 107)) AS path_scale_not_minimal FROM sent;
SELECT from_bytes('read_series', substring(series FROM 1 FOR 60)) AS series_cut FROM sent;
SELECT from_bytes('read_series', overlay(series PLACING '\xFF' FROM 57)) AS series_bound FROM sent;
SELECT from_bytes('read_cohorts', cohorts || '\x00'::bytea) AS cohort_extended FROM sent;
SELECT from_bytes('read_cohorts', overlay(cohorts PLACING '\x7FFFFFFF' FROM 61)) AS cohort_cell_count FROM sent;

-- Cancelling: a large triangle (a cohort on each of 10,000 days, 50 million rows) stops as
-- soon as statement_timeout fires while cohort_retention makes its rows, not after the last.
CREATE TABLE daily_cohorts AS
SELECT cohort_summary(path) AS s
FROM (SELECT mrr_path(date '2000-01-01' + i, NULL, 1, date '2000-01-01', '1 day', 10000) AS path
      FROM generate_series(0, 9999) i GROUP BY i) x;
CREATE FUNCTION time_to_cancel(s cohort_summary) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    PERFORM count(*) FROM cohort_retention(s);
    RETURN 'not cancelled';
EXCEPTION WHEN query_canceled THEN
    RETURN CASE WHEN clock_timestamp() - started < interval '10 seconds' THEN 'cancelled in time'
                ELSE 'cancelled after ' || (clock_timestamp() - started) END;
END $$;
SET statement_timeout = '100ms';
SELECT time_to_cancel(s) FROM daily_cohorts;
RESET statement_timeout;

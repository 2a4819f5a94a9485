-- Survey KPIs: every error path, with its SQLSTATE, message and detail.
SET search_path = csmetrics, public;

-- Scores out of range, for every KPI and score type.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT nps_agg(11)$$),
    ($$SELECT nps_agg(-1)$$),
    ($$SELECT nps_agg(11::smallint)$$),
    ($$SELECT nps_agg(9223372036854775807::bigint)$$),
    ($$SELECT nps_agg('-9223372036854775808'::bigint)$$),
    ($$SELECT nps_agg(10.5::numeric)$$),
    ($$SELECT nps_summary(100)$$),
    ($$SELECT csat_agg(0)$$),
    ($$SELECT csat_agg(6::smallint)$$),
    ($$SELECT csat_agg(6::bigint)$$),
    ($$SELECT csat_agg(6::numeric)$$),
    ($$SELECT csat_agg(8, 7)$$),
    ($$SELECT csat_agg(0::smallint, 7, 5)$$),
    ($$SELECT csat_summary(11::bigint, 10)$$),
    ($$SELECT ces_agg(8)$$),
    ($$SELECT ces_agg(0::smallint)$$),
    ($$SELECT ces_agg(8::bigint)$$),
    ($$SELECT ces_agg(6::numeric, 5)$$),
    ($$SELECT ces_summary(0::numeric)$$),
    -- A bad score is caught on any row, not only the first.
    ($$SELECT nps_agg(x) FROM unnest('{1,2,3,12}'::int[]) x$$)
) AS cases(statement);

-- Numeric scores: a fraction, NaN and the infinities.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT nps_agg(7.5::numeric)$$),
    ($$SELECT nps_agg(0.001::numeric)$$),
    ($$SELECT csat_agg(4.5::numeric, 5)$$),
    ($$SELECT ces_agg('NaN'::numeric)$$),
    ($$SELECT nps_agg('NaN'::numeric)$$),
    ($$SELECT nps_agg(1e100::numeric)$$)
) AS cases(statement);
-- numeric infinities exist from PostgreSQL 14 on (regress.expect_infinity_error)
SELECT statement, regress.expect_infinity_error(statement, expected) AS error
FROM (VALUES
    ($$SELECT nps_agg('Infinity'::numeric)$$,
     '22003: NPS score Infinity is out of range (Scores must be integers from 0 to 10.)'),
    ($$SELECT nps_agg('-Infinity'::numeric)$$,
     '22003: NPS score -Infinity is out of range (Scores must be integers from 0 to 10.)')
) AS cases(statement, expected);

-- scale_max and satisfied_from: out of range, NULL, and varying within a group.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csat_agg(1, 1)$$),
    ($$SELECT csat_agg(1, 11)$$),
    ($$SELECT csat_agg(1, -5)$$),
    ($$SELECT ces_agg(1, 1)$$),
    ($$SELECT ces_summary(1, 11)$$),
    ($$SELECT csat_summary(1::bigint, 0)$$),
    ($$SELECT csat_agg(1, NULL)$$),
    ($$SELECT csat_agg(1, 5, NULL)$$),
    ($$SELECT csat_agg(1, 5, 0)$$),
    ($$SELECT csat_agg(1, 5, 6)$$),
    ($$SELECT csat_agg(x, 3 + x) FROM generate_series(1, 3) x$$),
    ($$SELECT ces_agg(x::numeric, 5 + x) FROM generate_series(1, 3) x$$),
    ($$SELECT csat_agg(x, 5, 3 + x % 2) FROM generate_series(1, 3) x$$),
    ($$SELECT csat_agg(x, CASE WHEN x < 3 THEN 5 END) FROM generate_series(1, 3) x$$)
) AS cases(statement);
-- A NULL score with a bad scale_max is skipped like any NULL score.
SELECT csat_agg(NULL::int, 99) AS skipped;

-- Malformed text: every part of (v1,MIN..MAX,{counts}[,satisfied_from=N]).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT ''::rating_summary$$),
    ($$SELECT '   '::rating_summary$$),
    ($$SELECT 'garbage'::rating_summary$$),
    ($$SELECT '(v2,0..10,{0,0,0,0,0,0,0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v0,1..5,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v99999999999999999999,1..5,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(vx,1..5,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(1,1..5,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,0..5,{0,0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..11,{0,0,0,0,0,0,0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..1,{0})'::rating_summary$$),
    ($$SELECT '(v1,2..5,{0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,5..1,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,-1..5,{0,0,0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1.5,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,-1,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,-9223372036854775808,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,9223372036854775808,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,1e3,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,+1,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,1.0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0, 0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1, 1..5,{0,0,0,0,0})'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0}'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0})x'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0}) )'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0},satisfied_from=6)'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0},satisfied_from=0)'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0},satisfied_from=)'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0},satisfied=3)'::rating_summary$$),
    ($$SELECT '(v1,1..5,{0,0,0,0,0},)'::rating_summary$$)
) AS cases(statement);

-- Malformed binary: a bytea column copied out in binary and read back as rating_summary,
-- so that rating_summary_recv sees exactly these bytes.
CREATE TEMP TABLE raw_bytes (b bytea);
CREATE TEMP TABLE read_back (s rating_summary);
CREATE FUNCTION pg_temp.from_bytes(bytes bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/csmetrics_survey_' || pg_backend_pid() || '.bin';
    result text;
BEGIN
    TRUNCATE raw_bytes, read_back;
    INSERT INTO raw_bytes VALUES (bytes);
    EXECUTE format('COPY raw_bytes TO %L (FORMAT binary)', path);
    result := regress.expect_error(format('COPY read_back FROM %L (FORMAT binary)', path));
    IF result = 'no error' THEN
        SELECT s::text INTO result FROM read_back;
    END IF;
    RETURN result;
END $$;
SELECT pg_temp.from_bytes(rating_summary_send('(v1,1..3,{1,2,258})')) AS valid_bytes;
SELECT pg_temp.from_bytes('\x'::bytea);
SELECT pg_temp.from_bytes('\x010103'::bytea);
SELECT pg_temp.from_bytes('\x02010302000000000000000100000000000000020000000000000102'::bytea);
SELECT pg_temp.from_bytes('\x01000502000000000000000100000000000000020000000000000102'::bytea);
SELECT pg_temp.from_bytes('\x01010B02000000000000000100000000000000020000000000000102'::bytea);
SELECT pg_temp.from_bytes('\x01010304000000000000000100000000000000020000000000000102'::bytea);
SELECT pg_temp.from_bytes('\x01010300000000000000000100000000000000020000000000000102'::bytea);
SELECT pg_temp.from_bytes('\x010103020000000000000001000000000000000200000000000001'::bytea);
SELECT pg_temp.from_bytes('\x0101030200000000000000010000000000000002000000000000010200'::bytea);
SELECT pg_temp.from_bytes('\x010103020000000000000001FFFFFFFFFFFFFFFF0000000000000102'::bytea);

-- Rolling up summaries of different scales or thresholds.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT rollup(s) FROM (VALUES ('(v1,1..5,{1,0,0,0,0})'::rating_summary), ('(v1,1..7,{1,0,0,0,0,0,0})')) v(s)$$),
    ($$SELECT rollup(s) FROM (VALUES ('(v1,1..5,{1,0,0,0,0})'::rating_summary), ('(v1,1..5,{1,0,0,0,0},satisfied_from=3)')) v(s)$$),
    ($$SELECT nps_agg(s) FROM (VALUES ('(v1,0..10,{0,0,0,0,0,0,0,0,0,0,1})'::rating_summary), ('(v1,1..10,{1,0,0,0,0,0,0,0,0,0})')) v(s)$$)
) AS cases(statement);

-- NPS accessors on summaries that are not on the 0..10 scale.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT nps('(v1,1..10,{1,0,0,0,0,0,0,0,0,0})')$$),
    ($$SELECT promoters('(v1,1..5,{1,0,0,0,0})')$$),
    ($$SELECT passives('(v1,1..5,{1,0,0,0,0})')$$),
    ($$SELECT detractors('(v1,1..5,{1,0,0,0,0})')$$),
    ($$SELECT nps_stderr('(v1,1..7,{1,0,0,0,0,0,0})')$$),
    ($$SELECT nps_ci_lower('(v1,1..7,{1,0,0,0,0,0,0})', 0.95)$$),
    ($$SELECT nps_ci_upper('(v1,1..7,{1,0,0,0,0,0,0})', 0.95)$$),
    ($$SELECT nps_agg(s) FROM (VALUES ('(v1,1..5,{1,0,0,0,0})'::rating_summary)) v(s)$$)
) AS cases(statement);

-- Confidence levels outside (0, 1).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT nps_ci_lower('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,1})', 0)$$),
    ($$SELECT nps_ci_lower('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,1})', 1)$$),
    ($$SELECT nps_ci_upper('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,1})', 95)$$),
    ($$SELECT nps_ci_upper('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,1})', -0.5)$$),
    ($$SELECT nps_ci_upper('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,1})', 'NaN')$$)
) AS cases(statement);

-- Scores that are not on the summary's scale, in accessors.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT score_count('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,1})', 11)$$),
    ($$SELECT score_count('(v1,1..5,{1,0,0,0,0})', 0)$$),
    ($$SELECT share_at_least('(v1,1..5,{1,0,0,0,0})', 6)$$),
    ($$SELECT csat('(v1,1..5,{1,0,0,0,0})', 0)$$)
) AS cases(statement);

-- Counter overflow: counts near 2^63 added up, never wrapped around.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT rollup(s) FROM (VALUES ('(v1,1..5,{9223372036854775807,0,0,0,0})'::rating_summary), ('(v1,1..5,{1,0,0,0,0})')) v(s)$$),
    ($$SELECT responses('(v1,1..5,{9223372036854775807,1,0,0,0})')$$),
    ($$SELECT nps('(v1,0..10,{0,0,0,0,0,0,0,0,0,9223372036854775807,1})')$$),
    ($$SELECT csat('(v1,1..5,{0,0,0,4611686018427387904,4611686018427387904})')$$),
    ($$SELECT mean_score('(v1,1..5,{0,0,0,4611686018427387904,4611686018427387904})')$$),
    ($$SELECT rating_summary_final('(v1,1..5,{0,0,0,4611686018427387904,4611686018427387904})')$$)
) AS cases(statement);
-- ... and one below the limit still works.
SELECT responses('(v1,1..5,{9223372036854775806,1,0,0,0})');

-- Support functions called directly (outside an aggregate) work on a copy: the argument
-- is left as it was. Their inverses cannot take out what a summary does not hold.
SELECT s AS before, nps_trans(s, 10) AS added, nps_inv(s, 0) AS removed,
       csat_trans(NULL, 2::bigint, 3) AS new_state, rating_summary_merge(s, s) AS merged,
       rating_summary_unmerge(s, s) AS unmerged, s AS after
FROM (SELECT '(v1,0..10,{1,0,0,0,0,0,0,0,0,0,0})'::rating_summary AS s) q;
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT nps_inv('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,0})', 5)$$),
    ($$SELECT ces_inv(NULL, 5::smallint)$$),
    ($$SELECT csat_inv('(v1,1..5,{1,0,0,0,0})', 9::numeric, 5)$$),
    ($$SELECT rating_summary_unmerge('(v1,1..5,{1,0,0,0,0})', '(v1,1..5,{1,0,0,0,1})')$$),
    ($$SELECT rating_summary_unmerge(NULL, '(v1,1..5,{0,0,1,0,0})')$$),
    ($$SELECT rating_summary_merge('(v1,1..5,{1,0,0,0,0})', '(v1,0..10,{1,0,0,0,0,0,0,0,0,0,0})')$$),
    -- A state of another kind or scale is refused, so no summary gets counts off its scale.
    ($$SELECT nps_trans('(v1,1..5,{1,0,0,0,0})', 3)$$),
    ($$SELECT csat_trans('(v1,0..10,{1,0,0,0,0,0,0,0,0,0,0})', 3::smallint, 10)$$),
    ($$SELECT ces_inv('(v1,1..5,{1,0,0,0,0})', 1::numeric)$$)
) AS cases(statement);

-- Every error of the revenue functions, with its SQLSTATE, message and detail.
SET search_path = csmetrics, public;

-- MRR amounts: negative, NaN, infinite, too precise, too large.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT mrr_movement(-1, 10, true)$$),
    ($$SELECT mrr_movement(10, -0.01, true)$$),
    ($$SELECT mrr_movement('NaN', 10, true)$$),
    ($$SELECT mrr_movement(10, 0.000000001, true)$$),
    ($$SELECT mrr_movement(1e40, 10, true)$$)
) AS cases(statement);
-- numeric infinities exist from PostgreSQL 14 on (regress.expect_infinity_error)
SELECT statement, regress.expect_infinity_error(statement, expected) AS error
FROM (VALUES
    ($$SELECT mrr_movement(10, 'Infinity', true)$$,
     '22003: MRR Infinity is not a finite amount (MRR must be a finite amount of at least 0.)')
) AS cases(statement, expected);

-- Window functions.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT mrr_movement(m) OVER (ORDER BY x) FROM (VALUES (1, 10::numeric), (2, -5)) v(x, m)$$),
    ($$SELECT mrr_movement(m) OVER () FROM (VALUES ('NaN'::numeric)) v(m)$$),
    ($$SELECT mrr_movement(10, d) OVER (ORDER BY d) FROM (VALUES (NULL::date)) v(d)$$),
    ($$SELECT mrr_movement(10, d) OVER (ORDER BY d) FROM (VALUES ('infinity'::date)) v(d)$$),
    ($$SELECT mrr_movement(10, d) OVER (ORDER BY d) FROM (VALUES ('2024-01-01'::date), ('2024-01-15')) v(d)$$),
    ($$SELECT mrr_movement(10, d) OVER (ORDER BY d DESC) FROM (VALUES ('2024-01-01'::date), ('2024-02-01')) v(d)$$)
) AS cases(statement);

SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT mrr_movement(10, t) OVER (ORDER BY t) FROM (VALUES ('-infinity'::timestamptz)) v(t)$$)
) AS cases(statement);
SET TimeZone = 'America/New_York';
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT mrr_movement(10, t) OVER (ORDER BY t) FROM (VALUES ('2024-01-15 12:00+00'::timestamptz), ('2024-02-01 03:00+00')) v(t)$$)
) AS cases(statement);
RESET TimeZone;

-- The mrr_movements aggregate and the cohort aggregates.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT mrr_movements(p, c, true) FROM (VALUES (-3::numeric, 1::numeric)) v(p, c)$$),
    ($$SELECT mrr_movements(p, c, true) FROM (VALUES (3::numeric, 'NaN'::numeric)) v(p, c)$$),
    ($$SELECT mrr_movements(p, c, true) FROM (VALUES (0.123456789::numeric, 1::numeric)) v(p, c)$$),
    ($$SELECT mrr_movements(1e37, 1e37, true) FROM generate_series(1, 20)$$),
    ($$SELECT mrr_movements(p, c, true) FROM (VALUES (1e38::numeric, 1::numeric), (0.01, 1)) v(p, c)$$),
    ($$SELECT nrr(s, e) FROM (VALUES (-1::numeric, 5::numeric)) v(s, e)$$)
) AS cases(statement);
-- numeric infinities exist from PostgreSQL 14 on (regress.expect_infinity_error)
SELECT statement, regress.expect_infinity_error(statement, expected) AS error
FROM (VALUES
    ($$SELECT grr(s, e) FROM (VALUES (1::numeric, 'Infinity'::numeric)) v(s, e)$$,
     '22003: end MRR Infinity is not a finite amount (MRR must be a finite amount of at least 0.)')
) AS cases(statement, expected);

-- Composite mrr_movements values that no aggregate could produce.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT rollup(ROW(NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)::mrr_movements)$$),
    ($$SELECT rollup(ROW(-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)::mrr_movements)$$),
    ($$SELECT rollup(ROW(0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0)::mrr_movements)$$),
    ($$SELECT rollup(ROW(10, 20, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0)::mrr_movements)$$),
    ($$SELECT nrr(ROW(10, 10, 5, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0)::mrr_movements)$$),
    ($$SELECT quick_ratio(ROW(10, 10, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0)::mrr_movements)$$),
    ($$SELECT net_new_mrr(ROW(10, 20, 10, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0)::mrr_movements)$$)
) AS cases(statement);

-- Malformed state text (Citus ships states as text: never trusted).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT ''::mrr_movements_state$$),
    ($$SELECT '1;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v2;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;9;9;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;2;1;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;0;0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0;'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;1;0,0,0,0,0,0,0;0,0,0,0,0,0,0 x'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;1;-5,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;1;5,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;1;5,7,0,0,0,0,0;1,1,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;2;1;0,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;1;999999999999999999999999999999999999999999,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    ($$SELECT 'v1;0;0;0;1;1O,0,0,0,0,0,0;0,0,0,0,0,0,0'::mrr_movements_state$$),
    -- amounts whose sums wrap around 2^128 must not pass the identity (new + reactivation +
    -- expansion = 2^128 + 2 would wrap to 2 = churned + ending - starting); nor may contraction +
    -- churned wrap in a composite (quick_ratio() adds them: it returned -8.5e37 here)
    ($$SELECT 'v1;0;0;1;1;5,5,170141183460469231731687303715884105727,7,0,5,170141183460469231731687303715884105727;2,2,1,1,0,2,1'::mrr_movements_state$$),
    ($$SELECT quick_ratio(ROW(5,5,170141183460469231731687303715884105727,7,0,5,170141183460469231731687303715884105727,2,2,1,1,0,2,1)::mrr_movements)$$),
    ($$SELECT quick_ratio(ROW(170141183460469231731687303715884105727,0,170141183460469231731687303715884105727,0,170141183460469231731687303715884105727,170141183460469231731687303715884105727,0,1,0,1,0,1,2,0)::mrr_movements)$$)
) AS cases(statement);

-- Malformed binary input: bytes written as a bytea column and read back as the state type.
CREATE TEMP TABLE raw_state (b bytea);
CREATE TEMP TABLE read_state (s mrr_movements_state);
INSERT INTO raw_state
SELECT '\x0102'::bytea
UNION ALL
SELECT overlay(mrr_movements_state_send('v1;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0') PLACING '\x00000002'::bytea FROM 1 FOR 4)
UNION ALL
SELECT overlay(mrr_movements_state_send('v1;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0') PLACING '\x0009'::bytea FROM 5 FOR 2);
-- Writes bytes with binary COPY, then reads them back as the state type.
CREATE FUNCTION pg_temp.read_state_bytes(bytes bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    f text := current_setting('data_directory') || '/csm_revenue_raw_' || pg_backend_pid() || '.bin';
BEGIN
    EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', bytes, f);
    RETURN regress.expect_error(format('COPY read_state FROM PROGRAM %L (FORMAT binary)',
                                       'cat ' || f || '; rm -f ' || f));
END $$;
SELECT pg_temp.read_state_bytes(b) FROM raw_state;

-- LTV and CLV arguments.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT ltv(-1, 0.05)$$),
    ($$SELECT ltv('NaN', 0.05)$$),
    ($$SELECT ltv(100, -0.05)$$),
    ($$SELECT ltv(100, 1.5)$$),
    ($$SELECT ltv(100, 'NaN')$$),
    ($$SELECT ltv(100, 0.05, 1.2)$$),
    ($$SELECT ltv(100, 0.05, -0.1)$$),
    ($$SELECT ltv(100, 0.05, 'NaN')$$),
    ($$SELECT clv(-20, 2, 3)$$),
    ($$SELECT clv(20, -2, 3)$$),
    ($$SELECT clv(20, 'Infinity', 3)$$),
    ($$SELECT clv(20, 2, 'NaN')$$)
) AS cases(statement);
-- numeric infinities exist from PostgreSQL 14 on (regress.expect_infinity_error)
SELECT statement, regress.expect_infinity_error(statement, expected) AS error
FROM (VALUES
    ($$SELECT clv('Infinity', 2, 3)$$,
     '22003: average purchase value Infinity is out of range (It must be a finite amount of at least 0.)')
) AS cases(statement, expected);

SET search_path = csmetrics, public;

-- Out-of-range arguments (22003).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT survival_summary(t, true) FROM (VALUES (0), (-1)) v(t)$$),
    ($$SELECT survival_summary(t, false) FROM (VALUES (1201)) v(t)$$),
    ($$SELECT survival_summary(t, true) OVER (ROWS 2 PRECEDING) FROM (VALUES (3), (-7)) v(t)$$),
    ($$SELECT survival_at('1;0:1/2', -1)$$),
    ($$SELECT expected_lifetime('1;0:1/2', 0)$$),
    ($$SELECT expected_lifetime('1;0:1/2', -5)$$),
    ($$SELECT expected_lifetime('1;0:1/2', 1202)$$),
    ($$SELECT expected_lifetime('1;', 1202)$$)
) AS cases(statement);

-- ltv aggregate: negative or non-finite arpa, tenure and horizon out of range, horizon
-- varying across rows, a sum of arpa beyond 38 digits.
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT ltv(a, 1, true) FROM (VALUES (10.0), (-0.01)) v(a)$$),
    ($$SELECT ltv('NaN'::numeric, 1, true)$$),
    ($$SELECT ltv(10, -1, true)$$),
    ($$SELECT ltv(10, 1201, false, 12)$$),
    ($$SELECT ltv(10, 1, false, 0)$$),
    ($$SELECT ltv(10, 1, false, 1202)$$),
    ($$SELECT ltv(10, t, false, h) FROM (VALUES (1, 12), (2, 12), (3, 24)) v(t, h)$$),
    ($$SELECT ltv(a, 1, true) FROM (VALUES (1e-30), (1e10)) v(a)$$),
    ($$SELECT ltv(a, 1, true) FROM (VALUES (1e38), (1e38)) v(a)$$),
    ($$SELECT ltv(1e39, 1, true)$$)
) AS cases(statement);
-- numeric infinities exist from PostgreSQL 14 on (regress.expect_infinity_error)
SELECT statement, regress.expect_infinity_error(statement, expected) AS error
FROM (VALUES
    ($$SELECT ltv('Infinity'::numeric, 1, true)$$,
     '22003: ARPA Infinity is out of range (It must be a finite amount of at least 0.)'),
    ($$SELECT ltv('-Infinity'::numeric, 1, true, 12)$$,
     '22003: ARPA -Infinity is out of range (It must be a finite amount of at least 0.)')
) AS cases(statement, expected);
-- merging partial states with different horizons (what a parallel combine would do)
CREATE AGGREGATE pg_temp.ltv_merge(survival_ltv_state) (
    SFUNC = csmetrics.survival_ltv_combine, STYPE = csmetrics.survival_ltv_state);
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT pg_temp.ltv_merge(st::csmetrics.survival_ltv_state) FROM (VALUES ('1;h=12;a=5;0:1/0'), ('1;h=24;a=5;0:1/0')) v(st)$$),
    ($$SELECT pg_temp.ltv_merge(st::csmetrics.survival_ltv_state) FROM (VALUES ('1;h=-;a=0.00000000000000000000000000001;0:1/0'), ('1;h=-;a=10000000000;0:1/0')) v(st)$$)
) AS cases(statement);

-- Counter overflow in rollup (22003).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT rollup(s) FROM (VALUES ('1;0:9223372036854775807/0'::survival_summary), ('1;0:1/0')) v(s)$$),
    ($$SELECT rollup(s) FROM (VALUES ('1;0:0/9223372036854775807'::survival_summary), ('1;5:1/0')) v(s)$$)
) AS cases(statement);

-- Malformed survival_summary text (22P02).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT ''::survival_summary$$),
    ($$SELECT 'abc'::survival_summary$$),
    ($$SELECT '1'::survival_summary$$),
    ($$SELECT '2;0:1/2'::survival_summary$$),
    ($$SELECT '0;'::survival_summary$$),
    ($$SELECT '01;'::survival_summary$$),
    ($$SELECT ' 1;0:1/2'::survival_summary$$),
    ($$SELECT '1;0:1/2 '::survival_summary$$),
    ($$SELECT '1;0:1/2x'::survival_summary$$),
    ($$SELECT '1;0:1/2,'::survival_summary$$),
    ($$SELECT '1;0:1/2;'::survival_summary$$),
    ($$SELECT '1;-1:1/2'::survival_summary$$),
    ($$SELECT '1;0:-1/2'::survival_summary$$),
    ($$SELECT '1;0:1/-2'::survival_summary$$),
    ($$SELECT '1;0:+1/2'::survival_summary$$),
    ($$SELECT '1;1201:1/0'::survival_summary$$),
    ($$SELECT '1;99999999999:1/0'::survival_summary$$),
    ($$SELECT '1;3:1/0,2:1/0'::survival_summary$$),
    ($$SELECT '1;2:1/0,2:0/1'::survival_summary$$),
    ($$SELECT '1;0:0/0'::survival_summary$$),
    ($$SELECT '1;01:1/0'::survival_summary$$),
    ($$SELECT '1;0:007/0'::survival_summary$$),
    ($$SELECT '1;0:1'::survival_summary$$),
    ($$SELECT '1;0:1/'::survival_summary$$),
    ($$SELECT '1;0:9223372036854775808/0'::survival_summary$$),
    ($$SELECT '1;0:9223372036854775807/1'::survival_summary$$),
    ($$SELECT '1;0:1.5/0'::survival_summary$$)
) AS cases(statement);

-- Malformed survival_ltv_state text (22P02).
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT '1;a=1;0:1/0'::survival_ltv_state$$),
    ($$SELECT '2;h=-;a=1;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=0;a=1;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=1202;a=1;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=-1;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=01;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=1.;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=.5;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=1.2.3;0:1/0'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=1;0:1/0;'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=1'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=5;'::survival_ltv_state$$),
    ($$SELECT '1;h=12;a=0;'::survival_ltv_state$$),
    ($$SELECT '1;h=-;a=1000000000000000000000000000000000000000;0:1/0'::survival_ltv_state$$)
) AS cases(statement);
SELECT '1;h=-;a=0;'::survival_ltv_state AS empty_state,
       '1;h=1201;a=0.000;0:0/1'::survival_ltv_state AS zero_sum_with_scale,
       '1;h=-;a=170141183460469231731687303715884105727;0:1/0'::survival_ltv_state AS largest_sum;

-- Malformed binary input (22P02), fed through COPY BINARY: the bytes of a bytea value
-- become the bytes of the target column.
CREATE TEMP TABLE recv_survival_summary (v survival_summary);
CREATE TEMP TABLE recv_survival_ltv_state (v survival_ltv_state);
CREATE FUNCTION pg_temp.recv(bytes bytea, typ text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/survival_recv.copy';
    result text;
BEGIN
    EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', bytes, path);
    EXECUTE format('TRUNCATE recv_%s', typ);
    EXECUTE format('COPY recv_%s FROM %L WITH (FORMAT binary)', typ, path);
    EXECUTE format('SELECT v::text FROM recv_%s', typ) INTO result;
    RETURN result;
END $$;
-- well-formed: version 1, 2 entries (0: 1/2, 7: 3/0)
SELECT pg_temp.recv(decode('0100000002' || '00000000' || '0000000000000001' || '0000000000000002'
                    || '00000007' || '0000000000000003' || '0000000000000000', 'hex'), 'survival_summary');
SELECT pg_temp.recv('\x0100000000', 'survival_summary') AS empty;
SELECT pg_temp.recv(survival_summary_send('1;0:1/2,3:0/5,1200:7/0'), 'survival_summary') AS round_trip;
SELECT pg_temp.recv(survival_ltv_state_send('1;h=12;a=1295.850;0:1/2,3:0/5'), 'survival_ltv_state') AS round_trip;
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT pg_temp.recv('\x', 'survival_summary')$$),
    ($$SELECT pg_temp.recv('\x02', 'survival_summary')$$),
    ($$SELECT pg_temp.recv('\x01', 'survival_summary')$$),
    ($$SELECT pg_temp.recv('\x01000000', 'survival_summary')$$),
    ($$SELECT pg_temp.recv('\x01ffffffff', 'survival_summary')$$),
    ($$SELECT pg_temp.recv('\x01000004b2', 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || '00000000' || '0000000000000001' || '00000000000000', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || '00000000' || '0000000000000001' || '0000000000000002' || '00', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || '000004b1' || '0000000000000001' || '0000000000000002', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || 'ffffffff' || '0000000000000001' || '0000000000000002', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000002' || '00000003' || '0000000000000001' || '0000000000000002' || '00000001' || '0000000000000001' || '0000000000000002', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || '00000000' || 'ffffffffffffffff' || '0000000000000002', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || '00000005' || '0000000000000000' || '0000000000000000', 'hex'), 'survival_summary')$$),
    ($$SELECT pg_temp.recv(decode('0100000001' || '00000000' || '7fffffffffffffff' || '0000000000000001', 'hex'), 'survival_summary')$$),
    -- survival_ltv_state: version, horizon, scale, display scale, sum high and low, counts
    ($$SELECT pg_temp.recv(decode('01' || '000004b2' || '00000000' || '00000000' || '0000000000000000' || '0000000000000005' || '00000001' || '00000000' || '0000000000000001' || '0000000000000000', 'hex'), 'survival_ltv_state')$$),
    ($$SELECT pg_temp.recv(decode('01' || '00000000' || '00000003' || '00000002' || '0000000000000000' || '0000000000000005' || '00000001' || '00000000' || '0000000000000001' || '0000000000000000', 'hex'), 'survival_ltv_state')$$),
    ($$SELECT pg_temp.recv(decode('01' || '00000000' || '00000000' || '00000000' || 'ffffffffffffffff' || '0000000000000005' || '00000001' || '00000000' || '0000000000000001' || '0000000000000000', 'hex'), 'survival_ltv_state')$$),
    ($$SELECT pg_temp.recv(decode('01' || '00000000' || '00000000' || '00000000' || '0000000000000000' || '0000000000000005' || '00000000', 'hex'), 'survival_ltv_state')$$),
    ($$SELECT pg_temp.recv(decode('01' || '00000000' || '00000000', 'hex'), 'survival_ltv_state')$$),
    ($$SELECT pg_temp.recv(decode('03' || '00000000' || '00000000' || '00000000' || '0000000000000000' || '0000000000000000' || '00000000', 'hex'), 'survival_ltv_state')$$)
) AS cases(statement);

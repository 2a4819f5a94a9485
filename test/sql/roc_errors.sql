-- Every error of roc_auc, roc_summary and its stored forms: SQLSTATE, message and detail.
CREATE SCHEMA roc_errors_suite;
SET search_path = roc_errors_suite, csmetrics, public;

-- Scores must be finite (22003), in every aggregate and support function.
SELECT regress.expect_error($$SELECT roc_auc(s, true) FROM (VALUES (1::float8), ('NaN')) v(s)$$) AS nan;
SELECT regress.expect_error($$SELECT roc_auc(s, false) FROM (VALUES ('Infinity'::float8)) v(s)$$) AS infinity;
SELECT regress.expect_error($$SELECT roc_summary(s, false) FROM (VALUES ('-Infinity'::float8)) v(s)$$) AS minus_infinity;
SELECT regress.expect_error($$SELECT roc_auc(s, false) OVER (ORDER BY s ROWS 1 PRECEDING) FROM (VALUES (1::float8), ('NaN')) v(s)$$) AS in_window;
SELECT regress.expect_error($$SELECT roc_summary_trans(NULL, 'NaN', true)$$) AS direct_call;
SELECT regress.expect_error($$SELECT roc_summary_inv('v1 scores={1} retained={1} churned={0}', 'Infinity', false)$$) AS inverse;

-- Inverse transitions take out only what was added (22000).
SELECT regress.expect_error($$SELECT roc_summary_inv('v1 scores={1} retained={1} churned={0}', 2, false)$$) AS unknown_score;
SELECT regress.expect_error($$SELECT roc_summary_inv('v1 scores={1} retained={1} churned={0}', 1, true)$$) AS no_churned_row;
SELECT regress.expect_error($$SELECT roc_summary_inv(NULL, 1, true)$$) AS empty_state;
SELECT regress.expect_error($$SELECT roc_summary_rollup_inv('v1 scores={1,2} retained={1,0} churned={0,1}', 'v1 scores={2} retained={0} churned={2}')$$) AS rollup_too_many;
SELECT regress.expect_error($$SELECT roc_summary_rollup_inv('v1 scores={1,2} retained={1,0} churned={0,1}', 'v1 scores={3} retained={1} churned={0}')$$) AS rollup_unknown_score;
SELECT regress.expect_error($$SELECT roc_summary_rollup_inv(NULL, 'v1 scores={3} retained={1} churned={0}')$$) AS rollup_empty_state;
-- a failed subtraction leaves nothing half done (called directly, the argument is untouched)
SELECT roc_summary_rollup_inv('v1 scores={1,2} retained={1,0} churned={0,1}', 'v1 scores={1} retained={1} churned={0}') AS rollup_inverse;

-- Malformed text (22P02): the detail names the problem and where.
SELECT regress.expect_error($$SELECT ''::roc_summary$$);
SELECT regress.expect_error($$SELECT '1 scores={1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'vx scores={1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v01 scores={1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v2 scores={1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1  scores={1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 score={1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores=1 retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1,} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1.} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={.5} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={+1} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1e5} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={NaN} retained={1} churned={0}'::roc_summary$$);
-- not canonical: the spelling must be the one output gives
SELECT regress.expect_error($$SELECT 'v1 scores={60.0} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={007} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={-0} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={0.1000000000000000055511151231257827} retained={1} churned={0}'::roc_summary$$);
SELECT regress.expect_error(format('SELECT %L::roc_summary', 'v1 scores={0.' || repeat('0', 400) || '1} retained={1} churned={0}')) LIKE '22P02:%not written canonically (as 0).)' AS underflow;
SELECT regress.expect_error(format('SELECT %L::roc_summary', 'v1 scores={1' || repeat('0', 400) || '} retained={1} churned={0}')) LIKE '22P02:%is out of range for double precision.)' AS overflow;
-- scores ascending, each once
SELECT regress.expect_error($$SELECT 'v1 scores={60,30} retained={1,1} churned={0,0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={60,60} retained={1,1} churned={0,0}'::roc_summary$$);
-- one count per score, non-negative, at least one row per score, rows within bigint
SELECT regress.expect_error($$SELECT 'v1 scores={1,2} retained={1} churned={0,1}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={1,2} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={} retained={1} churned={}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={-1} churned={2}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={x} churned={2}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={01} churned={2}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={0} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={9223372036854775808} churned={0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1,2} retained={9223372036854775807,1} churned={0,0}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={9223372036854775807} churned={1}'::roc_summary$$);
-- fields in order, all of them, nothing after
SELECT regress.expect_error($$SELECT 'v1 scores={1} churned={0} retained={1}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={1}'::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={1} churned={0} '::roc_summary$$);
SELECT regress.expect_error($$SELECT 'v1 scores={1} retained={1} churned={0}x'::roc_summary$$);
-- the largest value that reads: every row in one class of one score
SELECT 'v1 scores={1} retained={9223372036854775807} churned={0}'::roc_summary AS largest;

-- Malformed binary input (22P03), fed through COPY BINARY: the bytes of a bytea value become
-- the bytes of a roc_summary column. Well-formed: version 1, two scores 30 and 60.
CREATE TABLE received (v roc_summary);
CREATE FUNCTION recv(bytes bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/roc_recv.copy';
    result text;
BEGIN
    EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', bytes, path);
    TRUNCATE received;
    EXECUTE format('COPY received FROM %L WITH (FORMAT binary)', path);
    SELECT v::text INTO result FROM received;
    RETURN result;
END $$;
-- builds the bytes: version, n, then the scores and counts as hex
CREATE FUNCTION roc_bytes(version text, n text, scores text, retained text, churned text) RETURNS bytea
LANGUAGE sql AS $$ SELECT decode(version || n || scores || retained || churned, 'hex') $$;
SELECT recv(roc_bytes('01', '00000002', '403e000000000000' || '404e000000000000',
                      '0000000000000001' || '0000000000000000', '0000000000000000' || '0000000000000002')) AS well_formed;
SELECT recv('\x0100000000') AS empty;
SELECT recv(roc_summary_send(s)) = s::text AS round_trip
FROM (SELECT 'v1 scores={-7.25,0.00001,0.1,150000000000000000000} retained={0,0,1,1} churned={1,1,1,0}'::roc_summary AS s) q;
SELECT regress.expect_error($$SELECT recv('\x')$$) AS no_bytes;
SELECT regress.expect_error($$SELECT recv('\x02')$$) AS version_2;
SELECT regress.expect_error($$SELECT recv('\x01')$$) AS no_count;
SELECT regress.expect_error($$SELECT recv('\x01000000')$$) AS short_count;
SELECT regress.expect_error($$SELECT recv('\x01ffffffff')$$) AS negative_count;
SELECT regress.expect_error($$SELECT recv('\x017fffffff')$$) AS too_many;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '403e000000000000', '0000000000000001', '00000000000000'))$$) AS short;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '403e000000000000', '0000000000000001', '000000000000000000'))$$) AS long;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '7ff8000000000000', '0000000000000001', '0000000000000000'))$$) AS nan;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', 'fff0000000000000', '0000000000000001', '0000000000000000'))$$) AS minus_infinity;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '8000000000000000', '0000000000000001', '0000000000000000'))$$) AS minus_zero;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000002', '404e000000000000' || '403e000000000000', '0000000000000001' || '0000000000000001', '0000000000000000' || '0000000000000000'))$$) AS descending;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '403e000000000000', 'ffffffffffffffff', '0000000000000002'))$$) AS negative_rows;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '403e000000000000', '0000000000000000', '0000000000000000'))$$) AS no_rows;
SELECT regress.expect_error($$SELECT recv(roc_bytes('01', '00000001', '403e000000000000', '7fffffffffffffff', '0000000000000001'))$$) AS too_many_rows;

-- kpi_score_ntiles (the validation views' deciles): a positive number of buckets (22014, as
-- ntile()), the same on every row of a group (22023), finite scores (22003) and a tiebreak
-- that sorts (42883).
SELECT regress.expect_error($$SELECT kpi_score_ntiles(0, 1, true, 1)$$) AS zero_buckets;
SELECT regress.expect_error($$SELECT kpi_score_ntiles(NULL, 1, true, 1)$$) AS null_buckets;
SELECT regress.expect_error($$SELECT kpi_score_ntiles(b, 1, true, 1) FROM (VALUES (2), (3)) v(b)$$) AS buckets_differ;
SELECT regress.expect_error($$SELECT kpi_score_ntiles(2, 'Infinity', true, 1)$$) AS infinite_score;
SELECT regress.expect_error($$SELECT kpi_score_ntiles(2, 1, true, '{}'::json)$$) AS unsortable_tiebreak;

SET client_min_messages = warning;
RESET search_path;
DROP SCHEMA roc_errors_suite CASCADE;

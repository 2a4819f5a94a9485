-- The stored forms of every state and summary type, read through src/state_io.c: the text
-- and binary forms 0.1.0 wrote read back and print unchanged; values the aggregates make
-- round-trip; malformed text is 22P02 and malformed bytes 22P03, each with a detail saying
-- what and (for text) at which character; an unknown version is refused the same way by
-- every type.
SET search_path = csmetrics, public;
CREATE SCHEMA storage_suite;
SET search_path = storage_suite, csmetrics, public;
SET TimeZone = 'UTC';

-- Text input of a value: its text form read back, or the error.
CREATE FUNCTION storage_suite.text_in(t regtype, input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    result := regress.expect_error(format('SELECT %L::%s', input, t));
    IF result = 'no error' THEN
        EXECUTE format('SELECT %L::%s::text', input, t) INTO result;
    END IF;
    RETURN result;
END $$;

-- Binary input of a value (its type's receive function, through COPY ... FORMAT binary): the
-- value read back as text, or the error.
CREATE TABLE raw_bytes (b bytea);
CREATE FUNCTION storage_suite.binary_in(t regtype, bytes bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/csmetrics_storage_' || pg_backend_pid() || '.bin';
    result text;
BEGIN
    TRUNCATE raw_bytes;
    INSERT INTO raw_bytes VALUES (bytes);
    EXECUTE format('COPY raw_bytes TO %L (FORMAT binary)', path);
    EXECUTE format('CREATE TEMP TABLE read_back (v %s)', t);
    result := regress.expect_error(format('COPY read_back FROM %L (FORMAT binary)', path));
    IF result = 'no error' THEN
        SELECT v::text INTO result FROM read_back;
    END IF;
    DROP TABLE read_back;
    RETURN result;
END $$;

-- The binary form of a value given as text.
CREATE FUNCTION storage_suite.send(t regtype, input text) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    result bytea;
BEGIN
    EXECUTE format('SELECT %s(%L::%s)', (SELECT typsend FROM pg_type WHERE oid = t), input, t) INTO result;
    RETURN result;
END $$;

-- 1. Forms written by 0.1.0 (taken from its outputs), one or more per type: each reads and
-- prints back unchanged, and its binary form (shown: the layout of the version 1 form) reads
-- back to the same value.
CREATE TABLE forms_010 (typ regtype, form text);
INSERT INTO forms_010 VALUES
    ('rating_summary', '(v1,0..10,{0,0,1,1,0,0,1,1,1,3,2})'),
    ('rating_summary', '(v1,1..7,{1,1,1,0,2,1,1},satisfied_from=5)'),
    ('customer_flow_state', 'v1 timestamptz [762566400000000,765244800000000) inputs=155 start=130 new=23 lost=9 lost_new=0'),
    ('customer_flow_state', 'v1 timestamptz [0,0) inputs=0 start=0 new=0 lost=0 lost_new=0'),
    ('customer_flows_state', 'v1 date periods=3 length=(1,0,0) inputs=155 start=131 bounds={757382400000000,760060800000000,762566400000000,765244800000000} new={0,0,23} lost={0,1,9} lost_new={0,0,0}'),
    ('mrr_movements_state', 'v1;4;4;1605;12000;5893799855,6154193531,302626741,523127289,528734206,858474864,821848716;9824,10255,500,3151,3135,1432,1363'),
    ('survival_summary', '1;0:1/2,3:0/5,1200:7/0'),
    ('survival_summary', '1;'),
    ('survival_ltv_state', '1;h=12;a=60.75;1:1/0,2:0/1,3:1/0'),
    ('survival_ltv_state', '1;h=-;a=0;');
SELECT typ, text_in(typ, form) = form AS text_reads_back,
       binary_in(typ, send(typ, form)) = form AS binary_reads_back, send(typ, form) AS binary_form
FROM forms_010 ORDER BY typ::text, form;

-- 2. nps_agg_state, the form added in 0.2.0, in the grammar of new forms: states made by
-- its transition functions (a twin of nps_agg without final function), serial and parallel,
-- read back from text and binary.
CREATE AGGREGATE nps_state_of(int) (SFUNC = nps_agg_trans, STYPE = nps_agg_state,
                                    COMBINEFUNC = nps_agg_combine, PARALLEL = SAFE);
CREATE TABLE answers AS
SELECT i % 97 AS customer, regress.rand_int(20240, i, 0, 10)::int AS score FROM generate_series(1, 20000) i;
ANALYZE answers;
CREATE TABLE serial_states AS SELECT customer, nps_state_of(score)::text AS s FROM answers GROUP BY customer;
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT nps_state_of(score) FROM answers', 'Partial Aggregate') AS parallel_plan;
SELECT nps_state_of(score)::text AS parallel_state FROM answers;
SELECT regress.serial();
SELECT nps_state_of(score)::text AS serial_state FROM answers;
SELECT count(*) AS states,
       count(*) FILTER (WHERE text_in('nps_agg_state', s) = s) AS text_round_trips,
       count(*) FILTER (WHERE binary_in('nps_agg_state', send('nps_agg_state', s)) = s) AS binary_round_trips,
       count(*) FILTER (WHERE nps_agg_final(s::nps_agg_state) = (SELECT nps_agg(score) FROM answers a WHERE a.customer = st.customer)) AS same_nps
FROM serial_states st;
SELECT send('nps_agg_state', 'v1 promoters=3 passives=0 detractors=258') AS binary_form;

-- 3. Malformed text, one case per line: 22P02, the type, the input and a detail with the
-- character where the problem was found.
SELECT typ, input, text_in(typ, input) AS result
FROM (VALUES
    ('nps_agg_state'::regtype, 'v1 promoters=1 passives=2 detractors=3'),
    ('nps_agg_state', 'v2 promoters=1 passives=2 detractors=3'),
    ('nps_agg_state', 'v1 promoters=01 passives=2 detractors=3'),
    ('nps_agg_state', 'v1 promoters=-0 passives=2 detractors=3'),
    ('nps_agg_state', 'v1 promoters=-1 passives=2 detractors=3'),
    ('nps_agg_state', 'v1 promoters=1 passives=2'),
    ('nps_agg_state', 'v1 promoters=1  passives=2 detractors=3'),
    ('nps_agg_state', 'v1 promoters=1 passives=2 detractors=3 '),
    ('nps_agg_state', 'v1 passives=2 promoters=1 detractors=3'),
    ('nps_agg_state', 'v1 promoters=9223372036854775808 passives=2 detractors=3'),
    ('nps_agg_state', ' v1 promoters=1 passives=2 detractors=3'),
    ('rating_summary', '(v3,0..10,{0,0,0,0,0,0,0,0,0,0,0})'),
    ('customer_flow_state', 'v3 timestamptz [0,10) inputs=0 start=0 new=0 lost=0 lost_new=0'),
    ('customer_flows_state', 'v3 date periods=1 length=(1,0,0) inputs=0 start=0 bounds={0,1} new={0} lost={0} lost_new={0}'),
    ('customer_flows_state', 'v1 date periods=1 length=(1,0,0) inputs=0 start=0 bounds={0,1} new={0,0} lost={0} lost_new={0}'),
    ('mrr_movements_state', 'v3;0;0;0;0;0,0,0,0,0,0,0;0,0,0,0,0,0,0'),
    ('mrr_movements_state', 'v1;0;0;0;0;0,0,0,0,0,0,0;0,1,0,0,0,0,0'),
    ('survival_summary', '3;0:1/0'),
    ('survival_ltv_state', '3;h=-;a=0;'),
    ('survival_ltv_state', '1;h=-;a=-0;'),
    ('roc_summary', 'v2 scores={1} retained={1} churned={0}')
) AS c(typ, input)
ORDER BY typ::text, input;

-- 4. Malformed bytes, one case per line: 22P03 ("invalid external" value) with a detail.
SELECT typ, bytes, binary_in(typ, bytes) AS result
FROM (VALUES
    ('nps_agg_state'::regtype, '\x01000000000000000300000000000000000000000000000102'::bytea),
    ('nps_agg_state', '\x02000000000000000300000000000000000000000000000102'),
    ('nps_agg_state', '\x010000000000000003'),
    ('nps_agg_state', '\x0100000000000000030000000000000000000000000000010200'),
    ('nps_agg_state', '\x01' || '\xffffffffffffffff'::bytea || '\x0000000000000000'::bytea || '\x0000000000000102'::bytea),
    ('rating_summary', '\x03010302000000000000000100000000000000020000000000000102'),
    ('customer_flow_state', '\x00000003000000010000000000000000000000000000000a00000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('customer_flow_state', '\x00000001000000030000000000000000000000000000000a00000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('customer_flow_state', '\x00000001000000010000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000000000000000000'),
    ('customer_flows_state', '\x000000030000000200000001'),
    ('customer_flows_state', '\x000000010000000200000000'),
    ('mrr_movements_state', '\x00000003'),
    ('mrr_movements_state', '\x0000000100000000'),
    ('survival_summary', '\x03'),
    ('survival_summary', '\x0100000001'),
    ('survival_ltv_state', '\x01000004b2'),
    ('roc_summary', '\x0200000000')
) AS c(typ, bytes)
ORDER BY typ::text, bytes;

RESET search_path;
DROP SCHEMA storage_suite CASCADE;

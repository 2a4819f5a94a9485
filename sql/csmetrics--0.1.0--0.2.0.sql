-- csmetrics update script from 0.1.0 to 0.2.0.
--
-- Hand-written, to the same rules as the install script: plain CREATE for new objects, every
-- name qualified with @extschema@ or pg_catalog, nothing that depends on the caller's
-- search_path, no SECURITY DEFINER. The upgrade test (test/shell/upgrade.sh) checks that an
-- extension updated with this script has exactly the objects and definitions of a fresh
-- 0.2.0 install: every object added to src/*.sql must be added here too.

\echo Use "ALTER EXTENSION csmetrics UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------
-- Survey
-- ---------------------------------------------------------------------------------------

-- nps_agg_state: the transition state of nps_agg(score), the three NPS groups only (32 bytes
-- against rating_summary's 96), so that NPS over many groups keeps each group's state in the
-- cache line of its hash table entry. Its window frames keep a rating_summary (MSTYPE).
CREATE TYPE @extschema@.nps_agg_state;
CREATE FUNCTION @extschema@.nps_agg_state_in(pg_catalog.cstring) RETURNS @extschema@.nps_agg_state
    AS 'MODULE_PATHNAME', 'nps_agg_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_state_out(@extschema@.nps_agg_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'nps_agg_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_state_recv(pg_catalog.internal) RETURNS @extschema@.nps_agg_state
    AS 'MODULE_PATHNAME', 'nps_agg_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_state_send(@extschema@.nps_agg_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'nps_agg_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.nps_agg_state (
    INPUT = @extschema@.nps_agg_state_in,
    OUTPUT = @extschema@.nps_agg_state_out,
    RECEIVE = @extschema@.nps_agg_state_recv,
    SEND = @extschema@.nps_agg_state_send,
    INTERNALLENGTH = 32,
    ALIGNMENT = double,
    STORAGE = plain
);
DO $nps_agg_trans$
DECLARE
    t text;
BEGIN
    -- one transition function per score type, each its own C entry point
    FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'numeric'] LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION @extschema@.nps_agg_trans(@extschema@.nps_agg_state, pg_catalog.%1$s) '
            'RETURNS @extschema@.nps_agg_state AS %2$L, %3$L LANGUAGE C IMMUTABLE PARALLEL SAFE',
            t, 'MODULE_PATHNAME', 'nps_agg_trans_' || t);
        EXECUTE pg_catalog.format(
            'COMMENT ON FUNCTION @extschema@.nps_agg_trans(@extschema@.nps_agg_state, pg_catalog.%s) IS %L',
            t, pg_catalog.format('Aggregate support: adds %s %s NPS score to the state of nps_agg',
                                 CASE WHEN t LIKE 'int%' THEN 'an' ELSE 'a' END, t));
    END LOOP;
END
$nps_agg_trans$;
CREATE FUNCTION @extschema@.nps_agg_combine(@extschema@.nps_agg_state, @extschema@.nps_agg_state) RETURNS @extschema@.nps_agg_state
    AS 'MODULE_PATHNAME', 'nps_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_final(@extschema@.nps_agg_state) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'nps_agg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON TYPE @extschema@.nps_agg_state IS 'Transition state of nps_agg(score): promoters, passives and detractors, text form v1 promoters=P passives=Q detractors=D';
COMMENT ON FUNCTION @extschema@.nps_agg_state_in(pg_catalog.cstring) IS 'Text input of nps_agg_state, strictly validated (SQLSTATE 22P02 on any malformed value)';
COMMENT ON FUNCTION @extschema@.nps_agg_state_out(@extschema@.nps_agg_state) IS 'Text output of nps_agg_state: v1 promoters=P passives=Q detractors=D';
COMMENT ON FUNCTION @extschema@.nps_agg_state_recv(pg_catalog.internal) IS 'Binary input of nps_agg_state: a version byte, then the three counts as int64 (SQLSTATE 22P03 on any malformed value)';
COMMENT ON FUNCTION @extschema@.nps_agg_state_send(@extschema@.nps_agg_state) IS 'Binary output of nps_agg_state: a version byte, then the three counts as int64';
COMMENT ON FUNCTION @extschema@.nps_agg_combine(@extschema@.nps_agg_state, @extschema@.nps_agg_state) IS 'Aggregate support: adds the second nps_agg state into the first (combine function of nps_agg)';
COMMENT ON FUNCTION @extschema@.nps_agg_final(@extschema@.nps_agg_state) IS 'Aggregate support: the NPS of an nps_agg state; NULL when it holds no response';

-- nps_agg(score) keeps an nps_agg_state instead of a rating_summary: the same results, a third
-- of the memory per group. CREATE OR REPLACE keeps the aggregates' identity, so views that use
-- them stay valid.
DO $nps_agg$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'numeric'] LOOP
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE AGGREGATE @extschema@.nps_agg(score pg_catalog.%s) ('
            'SFUNC = @extschema@.nps_agg_trans, STYPE = @extschema@.nps_agg_state, FINALFUNC = @extschema@.nps_agg_final, '
            'COMBINEFUNC = @extschema@.nps_agg_combine, '
            'MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, '
            'MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps, PARALLEL = SAFE)', t);
    END LOOP;
END
$nps_agg$;

-- Comments that 0.1.0 got wrong: the transition and inverse functions of the score aggregates
-- ("adds a int2", "removes ... to the state"), now worded as src/survey.sql generates them.
DO $comments$
DECLARE
    k record;
    t text;
    arg_types text;
    a_type text;
    rule text;
BEGIN
    FOR k IN SELECT * FROM (VALUES ('nps', 'NPS', 0), ('csat', 'CSAT', 0), ('csat', 'CSAT', 1),
                                   ('csat', 'CSAT', 2), ('ces', 'CES', 0), ('ces', 'CES', 1))
                           AS m(kind, label, scale_args)
    LOOP
        FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'numeric'] LOOP
            arg_types := pg_catalog.concat_ws(', ', 'pg_catalog.' || t,
                CASE WHEN k.scale_args >= 1 THEN 'pg_catalog.int4' END,
                CASE WHEN k.scale_args >= 2 THEN 'pg_catalog.int4' END);
            a_type := CASE WHEN t LIKE 'int%' THEN 'an ' ELSE 'a ' END || t;
            rule := CASE k.scale_args WHEN 0 THEN ''
                                      WHEN 1 THEN ' (scale_max must not vary)'
                                      ELSE ' (scale_max, satisfied_from must not vary)' END;
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%s_trans(@extschema@.rating_summary, %s) IS %L',
                k.kind, arg_types, pg_catalog.format('Aggregate support: adds %s %s score to the state%s',
                    a_type, k.label, rule));
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%s_inv(@extschema@.rating_summary, %s) IS %L',
                k.kind, arg_types, pg_catalog.format('Aggregate support: removes %s %s score from the state%s',
                    a_type, k.label, rule));
        END LOOP;
    END LOOP;
END
$comments$;
COMMENT ON FUNCTION @extschema@.score_count(@extschema@.rating_summary, pg_catalog.int4) IS 'Responses with exactly this score; the score must be on the summary''s scale';
COMMENT ON FUNCTION @extschema@.csat(@extschema@.rating_summary) IS 'CSAT: share (0..1) of responses with a score >= the summary''s satisfied_from (default scale_max - 1); NULL when empty';

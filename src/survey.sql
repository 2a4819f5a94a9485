-- survey: NPS, CSAT and CES and their storable summary, rating_summary (docs/survey.md).
-- C in src/survey.c and src/nps_state.c. The survey aggregates keep a rating_summary as their
-- transition state, so the one-step aggregates, the summary aggregates and rollup() share one
-- combine function and one state type that Citus and parallel workers can ship in its text or
-- binary form; only nps_agg(score) keeps the smaller nps_agg_state (its window frames still
-- use rating_summary).

-- rating_summary: a histogram of integer scores with its scale.
CREATE TYPE @extschema@.rating_summary;

CREATE FUNCTION @extschema@.rating_summary_in(pg_catalog.cstring) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'rating_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rating_summary_out(@extschema@.rating_summary) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'rating_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rating_summary_recv(pg_catalog.internal) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'rating_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rating_summary_send(@extschema@.rating_summary) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'rating_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.rating_summary (
    INPUT = @extschema@.rating_summary_in,
    OUTPUT = @extschema@.rating_summary_out,
    RECEIVE = @extschema@.rating_summary_recv,
    SEND = @extschema@.rating_summary_send,
    INTERNALLENGTH = 96,
    ALIGNMENT = double,
    STORAGE = plain
);

COMMENT ON TYPE @extschema@.rating_summary IS 'Storable histogram of survey scores with its scale, text form (v1,MIN..MAX,{counts}); build with nps_summary/csat_summary/ces_summary, merge with rollup';
COMMENT ON FUNCTION @extschema@.rating_summary_in(pg_catalog.cstring) IS 'Text input of rating_summary, strictly validated (SQLSTATE 22P02 on any malformed value)';
COMMENT ON FUNCTION @extschema@.rating_summary_out(@extschema@.rating_summary) IS 'Text output of rating_summary: (v1,MIN..MAX,{counts}[,satisfied_from=N])';
COMMENT ON FUNCTION @extschema@.rating_summary_recv(pg_catalog.internal) IS 'Binary input of rating_summary: version, scale_min, scale_max, satisfied_from bytes, then one int64 count per score';
COMMENT ON FUNCTION @extschema@.rating_summary_send(@extschema@.rating_summary) IS 'Binary output of rating_summary: version, scale_min, scale_max, satisfied_from bytes, then one int64 count per score';

-- Equality, so stored and round-tripped summaries can be compared.
CREATE FUNCTION @extschema@.rating_summary_eq(@extschema@.rating_summary, @extschema@.rating_summary) RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'rating_summary_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.rating_summary_ne(@extschema@.rating_summary, @extschema@.rating_summary) RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'rating_summary_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.rating_summary, RIGHTARG = @extschema@.rating_summary,
    FUNCTION = @extschema@.rating_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.rating_summary, RIGHTARG = @extschema@.rating_summary,
    FUNCTION = @extschema@.rating_summary_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON FUNCTION @extschema@.rating_summary_eq(@extschema@.rating_summary, @extschema@.rating_summary) IS 'True when two rating summaries have the same version, scale, satisfied_from and counts';
COMMENT ON FUNCTION @extschema@.rating_summary_ne(@extschema@.rating_summary, @extschema@.rating_summary) IS 'True when two rating summaries differ';
COMMENT ON OPERATOR @extschema@.= (@extschema@.rating_summary, @extschema@.rating_summary) IS 'rating summaries are equal (same scale, satisfied_from and counts)';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.rating_summary, @extschema@.rating_summary) IS 'rating summaries differ';

-- Accessors: read a summary. Counts are bigint, scores and rates float8; empty -> NULL.
CREATE FUNCTION @extschema@.responses(s @extschema@.rating_summary) RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'rating_summary_responses' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.mean_score(s @extschema@.rating_summary) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_mean_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.score_count(s @extschema@.rating_summary, score pg_catalog.int4) RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'rating_summary_score_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.share_at_least(s @extschema@.rating_summary, score pg_catalog.int4) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_share_at_least' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps(s @extschema@.rating_summary) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_nps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.promoters(s @extschema@.rating_summary) RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'rating_summary_promoters' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.passives(s @extschema@.rating_summary) RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'rating_summary_passives' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.detractors(s @extschema@.rating_summary) RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'rating_summary_detractors' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_stderr(s @extschema@.rating_summary) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_nps_stderr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_ci_lower(s @extschema@.rating_summary, level pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_nps_ci_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_ci_upper(s @extschema@.rating_summary, level pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_nps_ci_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat(s @extschema@.rating_summary) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_csat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat(s @extschema@.rating_summary, satisfied_from pg_catalog.int4) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_csat_from' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces(s @extschema@.rating_summary) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'rating_summary_mean_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.responses(@extschema@.rating_summary) IS 'Number of responses in a rating summary';
COMMENT ON FUNCTION @extschema@.mean_score(@extschema@.rating_summary) IS 'Mean score of a rating summary; NULL when empty';
COMMENT ON FUNCTION @extschema@.score_count(@extschema@.rating_summary, pg_catalog.int4) IS 'Responses with exactly this score; the score must be on the summary''s scale';
COMMENT ON FUNCTION @extschema@.share_at_least(@extschema@.rating_summary, pg_catalog.int4) IS 'Share (0..1) of responses with a score >= score, e.g. CES share agreeing = share_at_least(s, 5); NULL when empty';
COMMENT ON FUNCTION @extschema@.nps(@extschema@.rating_summary) IS 'Net Promoter Score 100 * (promoters - detractors) / responses, in -100..100; NULL when empty; needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.promoters(@extschema@.rating_summary) IS 'NPS promoters (scores 9 and 10); needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.passives(@extschema@.rating_summary) IS 'NPS passives (scores 7 and 8); needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.detractors(@extschema@.rating_summary) IS 'NPS detractors (scores 0 to 6); needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.nps_stderr(@extschema@.rating_summary) IS 'Standard error of the NPS, 100 * sqrt((p + d - (p - d)^2) / n); NULL when empty';
COMMENT ON FUNCTION @extschema@.nps_ci_lower(@extschema@.rating_summary, pg_catalog.float8) IS 'Lower bound of the NPS confidence interval NPS - z(level) * SE, clamped to -100; level in (0, 1)';
COMMENT ON FUNCTION @extschema@.nps_ci_upper(@extschema@.rating_summary, pg_catalog.float8) IS 'Upper bound of the NPS confidence interval NPS + z(level) * SE, clamped to 100; level in (0, 1)';
COMMENT ON FUNCTION @extschema@.csat(@extschema@.rating_summary) IS 'CSAT: share (0..1) of responses with a score >= the summary''s satisfied_from (default scale_max - 1); NULL when empty';
COMMENT ON FUNCTION @extschema@.csat(@extschema@.rating_summary, pg_catalog.int4) IS 'CSAT with an explicit threshold: share (0..1) of responses with a score >= satisfied_from; NULL when empty';
COMMENT ON FUNCTION @extschema@.ces(@extschema@.rating_summary) IS 'CES: the mean score (CES 2.0 on 1..7); for the share agreeing use share_at_least(s, 5); NULL when empty';

-- Support functions of the aggregates. rating_summary_merge is rollup's transition function
-- and the combine function of every survey aggregate; rating_summary_unmerge is its inverse.
CREATE FUNCTION @extschema@.rating_summary_merge(@extschema@.rating_summary, @extschema@.rating_summary) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'rating_summary_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rating_summary_unmerge(@extschema@.rating_summary, @extschema@.rating_summary) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'rating_summary_unmerge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rating_summary_final(@extschema@.rating_summary) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'rating_summary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rating_summary_merge(@extschema@.rating_summary, @extschema@.rating_summary) IS 'Aggregate support: adds the second summary into the first (rollup transition, combine function); same scale required';
COMMENT ON FUNCTION @extschema@.rating_summary_unmerge(@extschema@.rating_summary, @extschema@.rating_summary) IS 'Aggregate support: subtracts the second summary from the first (moving-aggregate inverse of rollup)';
COMMENT ON FUNCTION @extschema@.rating_summary_final(@extschema@.rating_summary) IS 'Aggregate support: the summary, or NULL when it holds no response';

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

-- The score aggregates, generated from one matrix: each row is a kind of score and the scale
-- arguments it takes; each is declared for the four score types. For every combination:
--   <kind>_trans / <kind>_inv   the transition and moving-aggregate inverse functions, each its
--                               own C entry point (<kind>_trans_<type>), so the hot path has
--                               nothing to look up; not strict: they make the state on the
--                               first non-NULL score and follow the rule in src/csmetrics.h;
--   <kind>_agg(score ...)       the one-step aggregate, the KPI straight from scores;
--   <kind>_summary(score ...)   the summary aggregate, the storable rating_summary.
-- Plain CREATE statements with every name qualified, as the extension script rules require.
DO $matrix$
DECLARE
    k record;
    t text;
    score_types text[] := ARRAY['int2', 'int4', 'int8', 'numeric'];
    arg_types text;             -- argument types after the state: 'pg_catalog.int2, pg_catalog.int4'
    arg_names text;             -- the aggregate's arguments: 'score pg_catalog.int2, scale_max pg_catalog.int4'
    a_type text;                -- 'an int2', 'a numeric'
    rule text;                  -- what the transition functions require of the scale arguments
BEGIN
    FOR k IN
        SELECT * FROM (VALUES
            -- kind, label, scale arguments, scale of the summary, whether there is a summary
            -- aggregate (the satisfied_from threshold is the summary's to set only when read:
            -- csat(s, satisfied_from)), the one-step aggregate's state type, transition, final
            -- and combine function, and its comment
            ('nps', 'NPS', 0, '0..10', true, 'nps_agg_state', 'nps_agg_trans', 'nps_agg_final', 'nps_agg_combine',
             'NPS (-100..100) of %s scores 0..10'),
            ('csat', 'CSAT', 0, '1..5', true, 'rating_summary', 'csat_trans', 'csat', 'rating_summary_merge',
             'CSAT: share (0..1) of %s scores 1..5 that are 4 or 5'),
            ('csat', 'CSAT', 1, '1..scale_max', true, 'rating_summary', 'csat_trans', 'csat', 'rating_summary_merge',
             'CSAT: share (0..1) of %s scores 1..scale_max that are >= scale_max - 1'),
            ('csat', 'CSAT', 2, '1..scale_max', false, 'rating_summary', 'csat_trans', 'csat', 'rating_summary_merge',
             'CSAT: share (0..1) of %s scores 1..scale_max that are >= satisfied_from'),
            ('ces', 'CES', 0, '1..7', true, 'rating_summary', 'ces_trans', 'ces', 'rating_summary_merge',
             'CES: mean of %s scores 1..7'),
            ('ces', 'CES', 1, '1..scale_max', true, 'rating_summary', 'ces_trans', 'ces', 'rating_summary_merge',
             'CES: mean of %s scores 1..scale_max')
        ) AS m(kind, label, scale_args, scale, with_summary, step_stype, step_sfunc, step_final, step_combine,
               step_comment)
    LOOP
        FOREACH t IN ARRAY score_types LOOP
            arg_types := pg_catalog.concat_ws(', ', 'pg_catalog.' || t,
                CASE WHEN k.scale_args >= 1 THEN 'pg_catalog.int4' END,
                CASE WHEN k.scale_args >= 2 THEN 'pg_catalog.int4' END);
            arg_names := pg_catalog.concat_ws(', ', 'score pg_catalog.' || t,
                CASE WHEN k.scale_args >= 1 THEN 'scale_max pg_catalog.int4' END,
                CASE WHEN k.scale_args >= 2 THEN 'satisfied_from pg_catalog.int4' END);
            a_type := CASE WHEN t LIKE 'int%' THEN 'an ' ELSE 'a ' END || t;
            rule := CASE k.scale_args WHEN 0 THEN ''
                                      WHEN 1 THEN ' (scale_max must not vary)'
                                      ELSE ' (scale_max, satisfied_from must not vary)' END;

            EXECUTE pg_catalog.format(
                'CREATE FUNCTION @extschema@.%1$s_trans(@extschema@.rating_summary, %2$s) RETURNS @extschema@.rating_summary '
                'AS %3$L, %4$L LANGUAGE C IMMUTABLE PARALLEL SAFE',
                k.kind, arg_types, 'MODULE_PATHNAME', k.kind || '_trans_' || t);
            EXECUTE pg_catalog.format(
                'CREATE FUNCTION @extschema@.%1$s_inv(@extschema@.rating_summary, %2$s) RETURNS @extschema@.rating_summary '
                'AS %3$L, %4$L LANGUAGE C IMMUTABLE PARALLEL SAFE',
                k.kind, arg_types, 'MODULE_PATHNAME', k.kind || '_inv_' || t);
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%s_trans(@extschema@.rating_summary, %s) IS %L',
                k.kind, arg_types, pg_catalog.format('Aggregate support: adds %s %s score to the state%s',
                    a_type, k.label, rule));
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%s_inv(@extschema@.rating_summary, %s) IS %L',
                k.kind, arg_types, pg_catalog.format('Aggregate support: removes %s %s score from the state%s',
                    a_type, k.label, rule));

            EXECUTE pg_catalog.format(
                'CREATE AGGREGATE @extschema@.%1$s_agg(%2$s) ('
                'SFUNC = @extschema@.%3$s, STYPE = @extschema@.%4$s, FINALFUNC = @extschema@.%5$s, '
                'COMBINEFUNC = @extschema@.%6$s, '
                'MSFUNC = @extschema@.%1$s_trans, MINVFUNC = @extschema@.%1$s_inv, '
                'MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.%7$s, PARALLEL = SAFE)',
                k.kind, arg_names, k.step_sfunc, k.step_stype, k.step_final, k.step_combine, k.kind);
            EXECUTE pg_catalog.format('COMMENT ON AGGREGATE @extschema@.%s_agg(%s) IS %L',
                k.kind, arg_types, pg_catalog.format(k.step_comment, t));

            CONTINUE WHEN NOT k.with_summary;
            EXECUTE pg_catalog.format(
                'CREATE AGGREGATE @extschema@.%1$s_summary(%2$s) ('
                'SFUNC = @extschema@.%1$s_trans, STYPE = @extschema@.rating_summary, '
                'FINALFUNC = @extschema@.rating_summary_final, COMBINEFUNC = @extschema@.rating_summary_merge, '
                'MSFUNC = @extschema@.%1$s_trans, MINVFUNC = @extschema@.%1$s_inv, '
                'MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final, PARALLEL = SAFE)',
                k.kind, arg_names);
            EXECUTE pg_catalog.format('COMMENT ON AGGREGATE @extschema@.%s_summary(%s) IS %L',
                k.kind, arg_types,
                pg_catalog.format('rating_summary of %s %s scores on the scale %s; NULL over no scores', t, k.label, k.scale));
        END LOOP;
    END LOOP;
END
$matrix$;

-- Rolling up stored summaries, and the one-step KPIs over them (nps_agg(s) = nps(rollup(s))).
CREATE AGGREGATE @extschema@.rollup(s @extschema@.rating_summary) (
    SFUNC = @extschema@.rating_summary_merge, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.rating_summary_merge, MINVFUNC = @extschema@.rating_summary_unmerge, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_agg(s @extschema@.rating_summary) (
    SFUNC = @extschema@.rating_summary_merge, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.nps,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.rating_summary_merge, MINVFUNC = @extschema@.rating_summary_unmerge, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(s @extschema@.rating_summary) (
    SFUNC = @extschema@.rating_summary_merge, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.rating_summary_merge, MINVFUNC = @extschema@.rating_summary_unmerge, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(s @extschema@.rating_summary) (
    SFUNC = @extschema@.rating_summary_merge, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.rating_summary_merge, MINVFUNC = @extschema@.rating_summary_unmerge, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.rating_summary) IS 'Exact merge of rating summaries of one scale; NULL when they hold no response';
COMMENT ON AGGREGATE @extschema@.nps_agg(@extschema@.rating_summary) IS 'NPS of rolled-up rating summaries: nps(rollup(s))';
COMMENT ON AGGREGATE @extschema@.csat_agg(@extschema@.rating_summary) IS 'CSAT of rolled-up rating summaries: csat(rollup(s))';
COMMENT ON AGGREGATE @extschema@.ces_agg(@extschema@.rating_summary) IS 'CES of rolled-up rating summaries: ces(rollup(s))';

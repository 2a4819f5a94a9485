-- survey: NPS, CSAT and CES (SPEC §1) and their storable summary, rating_summary.
-- C in src/survey.c. Every survey aggregate keeps a rating_summary as its transition state,
-- so the one-step aggregates, the summary aggregates and rollup() share one combine function
-- and one state type that Citus and parallel workers can ship in its text or binary form.

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
COMMENT ON FUNCTION @extschema@.score_count(@extschema@.rating_summary, pg_catalog.int4) IS 'Responses with exactly this score; the score must be on the summarys scale';
COMMENT ON FUNCTION @extschema@.share_at_least(@extschema@.rating_summary, pg_catalog.int4) IS 'Share (0..1) of responses with a score >= score, e.g. CES share agreeing = share_at_least(s, 5); NULL when empty';
COMMENT ON FUNCTION @extschema@.nps(@extschema@.rating_summary) IS 'Net Promoter Score 100 * (promoters - detractors) / responses, in -100..100; NULL when empty; needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.promoters(@extschema@.rating_summary) IS 'NPS promoters (scores 9 and 10); needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.passives(@extschema@.rating_summary) IS 'NPS passives (scores 7 and 8); needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.detractors(@extschema@.rating_summary) IS 'NPS detractors (scores 0 to 6); needs a 0..10 summary';
COMMENT ON FUNCTION @extschema@.nps_stderr(@extschema@.rating_summary) IS 'Standard error of the NPS, 100 * sqrt((p + d - (p - d)^2) / n); NULL when empty';
COMMENT ON FUNCTION @extschema@.nps_ci_lower(@extschema@.rating_summary, pg_catalog.float8) IS 'Lower bound of the NPS confidence interval NPS - z(level) * SE, clamped to -100; level in (0, 1)';
COMMENT ON FUNCTION @extschema@.nps_ci_upper(@extschema@.rating_summary, pg_catalog.float8) IS 'Upper bound of the NPS confidence interval NPS + z(level) * SE, clamped to 100; level in (0, 1)';
COMMENT ON FUNCTION @extschema@.csat(@extschema@.rating_summary) IS 'CSAT: share (0..1) of responses with a score >= the summarys satisfied_from (default scale_max - 1); NULL when empty';
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

-- Transition functions: one per kind, score type and number of scale arguments, each an
-- entry point of its own so the hot path (nps_trans on int4) has nothing to look up.
-- The *_inv functions are the moving-aggregate inverses. Not strict: they allocate the
-- state on the first non-NULL score and update it in place after that.
CREATE FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.int2) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_trans_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.int2) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_inv_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_inv_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.int8) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.int8) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_inv_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.numeric) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_trans_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.numeric) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'nps_inv_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int2) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int2) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int8) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int8) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.numeric) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.numeric) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_trans_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'csat_inv_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int2) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int2) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int8) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int8) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.numeric) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.numeric) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_int2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_trans_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) RETURNS @extschema@.rating_summary
    AS 'MODULE_PATHNAME', 'ces_inv_numeric' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.int2) IS 'Aggregate support: adds a int2 NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.int2) IS 'Aggregate support: removes a int2 NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.int4) IS 'Aggregate support: adds a int4 NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.int4) IS 'Aggregate support: removes a int4 NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.int8) IS 'Aggregate support: adds a int8 NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.int8) IS 'Aggregate support: removes a int8 NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_trans(@extschema@.rating_summary, pg_catalog.numeric) IS 'Aggregate support: adds a numeric NPS score to the state';
COMMENT ON FUNCTION @extschema@.nps_inv(@extschema@.rating_summary, pg_catalog.numeric) IS 'Aggregate support: removes a numeric NPS score to the state';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int2) IS 'Aggregate support: adds a int2 CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int2) IS 'Aggregate support: removes a int2 CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int4) IS 'Aggregate support: adds a int4 CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int4) IS 'Aggregate support: removes a int4 CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int8) IS 'Aggregate support: adds a int8 CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int8) IS 'Aggregate support: removes a int8 CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.numeric) IS 'Aggregate support: adds a numeric CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.numeric) IS 'Aggregate support: removes a numeric CSAT score to the state';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) IS 'Aggregate support: adds a int2 CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) IS 'Aggregate support: removes a int2 CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: adds a int4 CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: removes a int4 CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) IS 'Aggregate support: adds a int8 CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) IS 'Aggregate support: removes a int8 CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) IS 'Aggregate support: adds a numeric CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) IS 'Aggregate support: removes a numeric CSAT score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: adds a int2 CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: removes a int2 CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: adds a int4 CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: removes a int4 CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: adds a int8 CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: removes a int8 CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_trans(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: adds a numeric CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.csat_inv(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: removes a numeric CSAT score to the state (scale_max, satisfied_from must not vary)';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int2) IS 'Aggregate support: adds a int2 CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int2) IS 'Aggregate support: removes a int2 CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int4) IS 'Aggregate support: adds a int4 CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int4) IS 'Aggregate support: removes a int4 CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int8) IS 'Aggregate support: adds a int8 CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int8) IS 'Aggregate support: removes a int8 CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.numeric) IS 'Aggregate support: adds a numeric CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.numeric) IS 'Aggregate support: removes a numeric CES score to the state';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) IS 'Aggregate support: adds a int2 CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int2, pg_catalog.int4) IS 'Aggregate support: removes a int2 CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: adds a int4 CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int4, pg_catalog.int4) IS 'Aggregate support: removes a int4 CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) IS 'Aggregate support: adds a int8 CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.int8, pg_catalog.int4) IS 'Aggregate support: removes a int8 CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_trans(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) IS 'Aggregate support: adds a numeric CES score to the state (scale_max must not vary)';
COMMENT ON FUNCTION @extschema@.ces_inv(@extschema@.rating_summary, pg_catalog.numeric, pg_catalog.int4) IS 'Aggregate support: removes a numeric CES score to the state (scale_max must not vary)';

-- One-step aggregates: the KPI straight from scores.
CREATE AGGREGATE @extschema@.nps_agg(score pg_catalog.int2) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.nps,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_agg(score pg_catalog.int4) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.nps,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_agg(score pg_catalog.int8) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.nps,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_agg(score pg_catalog.numeric) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.nps,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int2) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int8) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.numeric) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int2, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int4, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int8, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.numeric, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int2, scale_max pg_catalog.int4, satisfied_from pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int4, scale_max pg_catalog.int4, satisfied_from pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.int8, scale_max pg_catalog.int4, satisfied_from pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_agg(score pg_catalog.numeric, scale_max pg_catalog.int4, satisfied_from pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.csat,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.csat,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.int2) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.int8) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.numeric) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.int2, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.int4, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.int8, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_agg(score pg_catalog.numeric, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.ces,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.ces,
    PARALLEL = SAFE
);

-- Summary aggregates: the storable rating_summary of scores.
CREATE AGGREGATE @extschema@.nps_summary(score pg_catalog.int2) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_summary(score pg_catalog.int4) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_summary(score pg_catalog.int8) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.nps_summary(score pg_catalog.numeric) (
    SFUNC = @extschema@.nps_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.int2) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.int8) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.numeric) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.int2, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.int4, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.int8, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.csat_summary(score pg_catalog.numeric, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.csat_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.csat_trans, MINVFUNC = @extschema@.csat_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.int2) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.int8) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.numeric) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.int2, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.int4, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.int8, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ces_summary(score pg_catalog.numeric, scale_max pg_catalog.int4) (
    SFUNC = @extschema@.ces_trans, STYPE = @extschema@.rating_summary, FINALFUNC = @extschema@.rating_summary_final,
    COMBINEFUNC = @extschema@.rating_summary_merge,
    MSFUNC = @extschema@.ces_trans, MINVFUNC = @extschema@.ces_inv, MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.rating_summary_final,
    PARALLEL = SAFE
);

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

COMMENT ON AGGREGATE @extschema@.nps_agg(pg_catalog.int2) IS 'NPS (-100..100) of int2 scores 0..10';
COMMENT ON AGGREGATE @extschema@.nps_agg(pg_catalog.int4) IS 'NPS (-100..100) of int4 scores 0..10';
COMMENT ON AGGREGATE @extschema@.nps_agg(pg_catalog.int8) IS 'NPS (-100..100) of int8 scores 0..10';
COMMENT ON AGGREGATE @extschema@.nps_agg(pg_catalog.numeric) IS 'NPS (-100..100) of numeric scores 0..10';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int2) IS 'CSAT: share (0..1) of int2 scores 1..5 that are 4 or 5';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int4) IS 'CSAT: share (0..1) of int4 scores 1..5 that are 4 or 5';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int8) IS 'CSAT: share (0..1) of int8 scores 1..5 that are 4 or 5';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.numeric) IS 'CSAT: share (0..1) of numeric scores 1..5 that are 4 or 5';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int2, pg_catalog.int4) IS 'CSAT: share (0..1) of int2 scores 1..scale_max that are >= scale_max - 1';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int4, pg_catalog.int4) IS 'CSAT: share (0..1) of int4 scores 1..scale_max that are >= scale_max - 1';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int8, pg_catalog.int4) IS 'CSAT: share (0..1) of int8 scores 1..scale_max that are >= scale_max - 1';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.numeric, pg_catalog.int4) IS 'CSAT: share (0..1) of numeric scores 1..scale_max that are >= scale_max - 1';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int2, pg_catalog.int4, pg_catalog.int4) IS 'CSAT: share (0..1) of int2 scores 1..scale_max that are >= satisfied_from';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS 'CSAT: share (0..1) of int4 scores 1..scale_max that are >= satisfied_from';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.int8, pg_catalog.int4, pg_catalog.int4) IS 'CSAT: share (0..1) of int8 scores 1..scale_max that are >= satisfied_from';
COMMENT ON AGGREGATE @extschema@.csat_agg(pg_catalog.numeric, pg_catalog.int4, pg_catalog.int4) IS 'CSAT: share (0..1) of numeric scores 1..scale_max that are >= satisfied_from';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.int2) IS 'CES: mean of int2 scores 1..7';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.int4) IS 'CES: mean of int4 scores 1..7';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.int8) IS 'CES: mean of int8 scores 1..7';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.numeric) IS 'CES: mean of numeric scores 1..7';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.int2, pg_catalog.int4) IS 'CES: mean of int2 scores 1..scale_max';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.int4, pg_catalog.int4) IS 'CES: mean of int4 scores 1..scale_max';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.int8, pg_catalog.int4) IS 'CES: mean of int8 scores 1..scale_max';
COMMENT ON AGGREGATE @extschema@.ces_agg(pg_catalog.numeric, pg_catalog.int4) IS 'CES: mean of numeric scores 1..scale_max';
COMMENT ON AGGREGATE @extschema@.nps_summary(pg_catalog.int2) IS 'rating_summary of int2 NPS scores on the scale 0..10; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.nps_summary(pg_catalog.int4) IS 'rating_summary of int4 NPS scores on the scale 0..10; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.nps_summary(pg_catalog.int8) IS 'rating_summary of int8 NPS scores on the scale 0..10; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.nps_summary(pg_catalog.numeric) IS 'rating_summary of numeric NPS scores on the scale 0..10; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.int2) IS 'rating_summary of int2 CSAT scores on the scale 1..5; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.int4) IS 'rating_summary of int4 CSAT scores on the scale 1..5; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.int8) IS 'rating_summary of int8 CSAT scores on the scale 1..5; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.numeric) IS 'rating_summary of numeric CSAT scores on the scale 1..5; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.int2, pg_catalog.int4) IS 'rating_summary of int2 CSAT scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.int4, pg_catalog.int4) IS 'rating_summary of int4 CSAT scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.int8, pg_catalog.int4) IS 'rating_summary of int8 CSAT scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.csat_summary(pg_catalog.numeric, pg_catalog.int4) IS 'rating_summary of numeric CSAT scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.int2) IS 'rating_summary of int2 CES scores on the scale 1..7; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.int4) IS 'rating_summary of int4 CES scores on the scale 1..7; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.int8) IS 'rating_summary of int8 CES scores on the scale 1..7; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.numeric) IS 'rating_summary of numeric CES scores on the scale 1..7; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.int2, pg_catalog.int4) IS 'rating_summary of int2 CES scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.int4, pg_catalog.int4) IS 'rating_summary of int4 CES scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.int8, pg_catalog.int4) IS 'rating_summary of int8 CES scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.ces_summary(pg_catalog.numeric, pg_catalog.int4) IS 'rating_summary of numeric CES scores on the scale 1..scale_max; NULL over no scores';
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.rating_summary) IS 'Exact merge of rating summaries of one scale; NULL when they hold no response';
COMMENT ON AGGREGATE @extschema@.nps_agg(@extschema@.rating_summary) IS 'NPS of rolled-up rating summaries: nps(rollup(s))';
COMMENT ON AGGREGATE @extschema@.csat_agg(@extschema@.rating_summary) IS 'CSAT of rolled-up rating summaries: csat(rollup(s))';
COMMENT ON AGGREGATE @extschema@.ces_agg(@extschema@.rating_summary) IS 'CES of rolled-up rating summaries: ces(rollup(s))';

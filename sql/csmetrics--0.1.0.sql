-- csmetrics install script, assembled by the Makefile from src/*.sql.
--
-- Written to PostgreSQL's rules for extension scripts: plain CREATE (never OR REPLACE), every
-- object qualified with @extschema@ or pg_catalog, nothing that depends on the caller's
-- search_path, no SECURITY DEFINER.

\echo Use "CREATE EXTENSION csmetrics" to load this file. \quit

COMMENT ON SCHEMA @extschema@ IS 'csmetrics: customer-success KPIs (NPS, CSAT, CES, churn, retention, MRR movements, NRR, LTV, health scores)';
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
-- Customer flow (SPEC §2): churn, retention and whole period series from customer spans.
-- C code: src/flow.c. Tests: sql/flow*.sql.

-- customers_start .. customers_end of one period [period_start, period_end).
CREATE TYPE @extschema@.customer_flow AS (
    period_start       timestamptz,
    period_end         timestamptz,
    customers_start    bigint,
    new_customers      bigint,
    lost_customers     bigint,
    lost_new_customers bigint,
    customers_end      bigint
);
COMMENT ON TYPE @extschema@.customer_flow IS 'customer flow of one period [period_start, period_end): customers at start, new, lost, lost new (joined and left within the period), at end; end = start + new - lost - lost new';

-- Transition state of the one-period aggregates: 64 bytes, updated in place.
CREATE TYPE @extschema@.customer_flow_state;

CREATE FUNCTION @extschema@.customer_flow_state_in(pg_catalog.cstring)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_in(pg_catalog.cstring) IS 'text input of customer_flow_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flow_state_out(@extschema@.customer_flow_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'customer_flow_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_out(@extschema@.customer_flow_state) IS 'text output of customer_flow_state; reads back exactly';

CREATE FUNCTION @extschema@.customer_flow_state_recv(pg_catalog.internal)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_recv(pg_catalog.internal) IS 'binary input of customer_flow_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flow_state_send(@extschema@.customer_flow_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'customer_flow_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_state_send(@extschema@.customer_flow_state) IS 'binary output of customer_flow_state';

CREATE TYPE @extschema@.customer_flow_state (
    INPUT = @extschema@.customer_flow_state_in,
    OUTPUT = @extschema@.customer_flow_state_out,
    RECEIVE = @extschema@.customer_flow_state_recv,
    SEND = @extschema@.customer_flow_state_send,
    INTERNALLENGTH = 64,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.customer_flow_state IS 'transition state of customer_flow, churn_rate, retention_rate and rollup(customer_flow): one period and its counts';

-- Transition state of customer_flows(): boundaries and per-period counts of a whole series.
CREATE TYPE @extschema@.customer_flows_state;

CREATE FUNCTION @extschema@.customer_flows_state_in(pg_catalog.cstring)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_in(pg_catalog.cstring) IS 'text input of customer_flows_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flows_state_out(@extschema@.customer_flows_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'customer_flows_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_out(@extschema@.customer_flows_state) IS 'text output of customer_flows_state; reads back exactly';

CREATE FUNCTION @extschema@.customer_flows_state_recv(pg_catalog.internal)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_recv(pg_catalog.internal) IS 'binary input of customer_flows_state (validated, versioned)';

CREATE FUNCTION @extschema@.customer_flows_state_send(@extschema@.customer_flows_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'customer_flows_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_state_send(@extschema@.customer_flows_state) IS 'binary output of customer_flows_state';

CREATE TYPE @extschema@.customer_flows_state (
    INPUT = @extschema@.customer_flows_state_in,
    OUTPUT = @extschema@.customer_flows_state_out,
    RECEIVE = @extschema@.customer_flows_state_recv,
    SEND = @extschema@.customer_flows_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.customer_flows_state IS 'transition state of customer_flows: period boundaries and per-period counts of a series';

-- Transition, inverse, combine and final functions of the one-period aggregates.
CREATE FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'transition of customer_flow over timestamptz spans';

CREATE FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'inverse transition of customer_flow over timestamptz spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_trans(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'transition of customer_flow over date spans';

CREATE FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_inv_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_inv(@extschema@.customer_flow_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'inverse transition of customer_flow over date spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flow_combine(@extschema@.customer_flow_state, @extschema@.customer_flow_state)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_combine(@extschema@.customer_flow_state, @extschema@.customer_flow_state) IS 'combine function of the one-period customer flow aggregates';

-- STABLE: a period given as dates is reported as midnight in the session time zone.
CREATE FUNCTION @extschema@.customer_flow_final(@extschema@.customer_flow_state)
RETURNS @extschema@.customer_flow
AS 'MODULE_PATHNAME', 'customer_flow_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_final(@extschema@.customer_flow_state) IS 'final function of customer_flow and rollup(customer_flow)';

CREATE FUNCTION @extschema@.churn_rate_final(@extschema@.customer_flow_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_churn_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_rate_final(@extschema@.customer_flow_state) IS 'final function of churn_rate: lost / customers at start';

CREATE FUNCTION @extschema@.retention_rate_final(@extschema@.customer_flow_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_retention_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_rate_final(@extschema@.customer_flow_state) IS 'final function of retention_rate: (end - new) / customers at start';

-- The one-period aggregates, for timestamptz and for date spans.
CREATE AGGREGATE @extschema@.customer_flow(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, period_start pg_catalog.timestamptz, period_end pg_catalog.timestamptz) (
    SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.customer_flow_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.customer_flow_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.customer_flow(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'customer flow of one period from customer spans [started_at, ended_at); ended_at NULL = still a customer';

CREATE AGGREGATE @extschema@.customer_flow(started_at pg_catalog.date, ended_at pg_catalog.date, period_start pg_catalog.date, period_end pg_catalog.date) (
    SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.customer_flow_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.customer_flow_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.customer_flow(pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'customer flow of one period from customer spans given as dates';

CREATE AGGREGATE @extschema@.churn_rate(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, period_start pg_catalog.timestamptz, period_end pg_catalog.timestamptz) (
    SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.churn_rate_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.churn_rate_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.churn_rate(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'churn rate of one period: lost customers / customers at start (newcomers lost in the period excluded)';

CREATE AGGREGATE @extschema@.churn_rate(started_at pg_catalog.date, ended_at pg_catalog.date, period_start pg_catalog.date, period_end pg_catalog.date) (
    SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.churn_rate_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.churn_rate_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.churn_rate(pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'churn rate of one period from date spans: lost customers / customers at start';

CREATE AGGREGATE @extschema@.retention_rate(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, period_start pg_catalog.timestamptz, period_end pg_catalog.timestamptz) (
    SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.retention_rate_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.retention_rate_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.retention_rate(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz) IS 'retention rate of one period: (customers at end - new) / customers at start';

CREATE AGGREGATE @extschema@.retention_rate(started_at pg_catalog.date, ended_at pg_catalog.date, period_start pg_catalog.date, period_end pg_catalog.date) (
    SFUNC = @extschema@.customer_flow_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.retention_rate_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_trans, MINVFUNC = @extschema@.customer_flow_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.retention_rate_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.retention_rate(pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.date) IS 'retention rate of one period from date spans: (customers at end - new) / customers at start';

-- rollup(customer_flow): sums segments of the same period.
CREATE FUNCTION @extschema@.customer_flow_rollup_trans(@extschema@.customer_flow_state, @extschema@.customer_flow)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_rollup_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_rollup_trans(@extschema@.customer_flow_state, @extschema@.customer_flow) IS 'transition of rollup(customer_flow)';

CREATE FUNCTION @extschema@.customer_flow_rollup_inv(@extschema@.customer_flow_state, @extschema@.customer_flow)
RETURNS @extschema@.customer_flow_state
AS 'MODULE_PATHNAME', 'customer_flow_rollup_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flow_rollup_inv(@extschema@.customer_flow_state, @extschema@.customer_flow) IS 'inverse transition of rollup(customer_flow) (moving aggregate)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.customer_flow) (
    SFUNC = @extschema@.customer_flow_rollup_trans, STYPE = @extschema@.customer_flow_state,
    FINALFUNC = @extschema@.customer_flow_final, COMBINEFUNC = @extschema@.customer_flow_combine,
    MSFUNC = @extschema@.customer_flow_rollup_trans, MINVFUNC = @extschema@.customer_flow_rollup_inv,
    MSTYPE = @extschema@.customer_flow_state, MFINALFUNC = @extschema@.customer_flow_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.customer_flow) IS 'sum of customer flows of the same period (e.g. segments); flows of different periods are an error';

-- Accessors on customer_flow and the annualised churn.
CREATE FUNCTION @extschema@.churn_rate(flow @extschema@.customer_flow)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_churn_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_rate(@extschema@.customer_flow) IS 'churn rate of a flow: lost_customers / customers_start; NULL when customers_start = 0';

CREATE FUNCTION @extschema@.churn_rate(flow @extschema@.customer_flow, include_new pg_catalog.bool)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_churn_rate_new' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_rate(@extschema@.customer_flow, pg_catalog.bool) IS 'churn rate of a flow; with include_new, (lost_customers + lost_new_customers) / customers_start';

CREATE FUNCTION @extschema@.retention_rate(flow @extschema@.customer_flow)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'customer_flow_retention_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_rate(@extschema@.customer_flow) IS 'retention rate of a flow: (customers_end - new_customers) / customers_start; NULL when customers_start = 0';

CREATE FUNCTION @extschema@.annualized_churn(monthly_rate pg_catalog.float8)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'annualized_churn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.annualized_churn(pg_catalog.float8) IS 'annual churn from a monthly churn fraction m: 1 - (1 - m)^12';

-- customer_flows(): every period of a series in one pass.
-- STABLE: period boundaries follow timestamptz + interval in the session time zone.
CREATE FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'transition of customer_flows over timestamptz spans';

CREATE FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_inv' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'inverse transition of customer_flows over timestamptz spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_trans(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'transition of customer_flows over date spans';

CREATE FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_inv_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_inv(@extschema@.customer_flows_state, pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'inverse transition of customer_flows over date spans (moving aggregate)';

CREATE FUNCTION @extschema@.customer_flows_combine(@extschema@.customer_flows_state, @extschema@.customer_flows_state)
RETURNS @extschema@.customer_flows_state
AS 'MODULE_PATHNAME', 'customer_flows_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_combine(@extschema@.customer_flows_state, @extschema@.customer_flows_state) IS 'combine function of customer_flows';

CREATE FUNCTION @extschema@.customer_flows_final(@extschema@.customer_flows_state)
RETURNS @extschema@.customer_flow[]
AS 'MODULE_PATHNAME', 'customer_flows_final' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customer_flows_final(@extschema@.customer_flows_state) IS 'final function of customer_flows: one customer_flow per period';

CREATE AGGREGATE @extschema@.customer_flows(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, first_period_start pg_catalog.timestamptz, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.customer_flows_trans, STYPE = @extschema@.customer_flows_state,
    FINALFUNC = @extschema@.customer_flows_final, COMBINEFUNC = @extschema@.customer_flows_combine,
    MSFUNC = @extschema@.customer_flows_trans, MINVFUNC = @extschema@.customer_flows_inv,
    MSTYPE = @extschema@.customer_flows_state, MFINALFUNC = @extschema@.customer_flows_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.customer_flows(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'customer flow of every period of a series (period k starts at first_period_start + k * period_length) in one pass over the spans';

CREATE AGGREGATE @extschema@.customer_flows(started_at pg_catalog.date, ended_at pg_catalog.date, first_period_start pg_catalog.date, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.customer_flows_trans, STYPE = @extschema@.customer_flows_state,
    FINALFUNC = @extschema@.customer_flows_final, COMBINEFUNC = @extschema@.customer_flows_combine,
    MSFUNC = @extschema@.customer_flows_trans, MINVFUNC = @extschema@.customer_flows_inv,
    MSTYPE = @extschema@.customer_flows_state, MFINALFUNC = @extschema@.customer_flows_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.customer_flows(pg_catalog.date, pg_catalog.date, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'customer flow of every period of a date series in one pass over the spans';
-- revenue: MRR movements, NRR, GRR, quick ratio, ARPA, LTV and CLV (SPEC §3; C in revenue.c).

-- Movement classifier --------------------------------------------------------------------

CREATE FUNCTION @extschema@.mrr_movement(prev pg_catalog.numeric, curr pg_catalog.numeric,
                                         seen_before pg_catalog.bool)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_classify'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'MRR movement class of one customer-month: new, reactivation, expansion, contraction, churn or unchanged; NULL when prev = curr = 0';

CREATE FUNCTION @extschema@.mrr_movement(mrr pg_catalog.numeric)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_window'
LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric) IS
'window function, OVER (PARTITION BY customer ORDER BY month) on a gap-free month series: movement class of each row, tracking the previous MRR and seen_before itself; NULL mrr counts as 0';

CREATE FUNCTION @extschema@.mrr_movement(mrr pg_catalog.numeric, month pg_catalog.date)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_window_month'
LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric, pg_catalog.date) IS
'window function, OVER (PARTITION BY customer ORDER BY month): movement class of each row where missing calendar months count as MRR 0 (a row after a gap has prev = 0)';

CREATE FUNCTION @extschema@.mrr_movement(mrr pg_catalog.numeric, month pg_catalog.timestamptz)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'mrr_movement_window_month_tz'
LANGUAGE C STABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movement(pg_catalog.numeric, pg_catalog.timestamptz) IS
'window function, OVER (PARTITION BY customer ORDER BY month): as mrr_movement(mrr, date) with the calendar month of each timestamptz in the session time zone';

-- Transition state of every movement aggregate ---------------------------------------------

CREATE TYPE @extschema@.mrr_movements_state;

CREATE FUNCTION @extschema@.mrr_movements_state_in(pg_catalog.cstring)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_in(pg_catalog.cstring) IS
'text input of mrr_movements_state (validated)';

CREATE FUNCTION @extschema@.mrr_movements_state_out(@extschema@.mrr_movements_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'mrr_movements_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_out(@extschema@.mrr_movements_state) IS
'text output of mrr_movements_state';

CREATE FUNCTION @extschema@.mrr_movements_state_recv(pg_catalog.internal)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_recv(pg_catalog.internal) IS
'binary input of mrr_movements_state (validated)';

CREATE FUNCTION @extschema@.mrr_movements_state_send(@extschema@.mrr_movements_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'mrr_movements_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_state_send(@extschema@.mrr_movements_state) IS
'binary output of mrr_movements_state';

CREATE TYPE @extschema@.mrr_movements_state (
    INPUT = @extschema@.mrr_movements_state_in,
    OUTPUT = @extschema@.mrr_movements_state_out,
    RECEIVE = @extschema@.mrr_movements_state_recv,
    SEND = @extschema@.mrr_movements_state_send,
    INTERNALLENGTH = 192,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.mrr_movements_state IS
'transition state of mrr_movements, rollup(mrr_movements), nrr and grr: exact fixed-point MRR sums (at most 8 fraction digits) and customer counts; versioned text form v1;scale;dscale;dscale_rows;rows;amounts;counts';

-- The movement summary ---------------------------------------------------------------------

CREATE TYPE @extschema@.mrr_movements AS (
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
COMMENT ON TYPE @extschema@.mrr_movements IS
'MRR movements of a period: starting and ending MRR, new, expansion, contraction, churned and reactivation MRR, and the matching customer counts';

CREATE FUNCTION @extschema@.mrr_movements_trans(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                                pg_catalog.numeric, pg_catalog.bool)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_trans(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'transition function of mrr_movements(prev, curr, seen_before)';

CREATE FUNCTION @extschema@.mrr_movements_inv(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                              pg_catalog.numeric, pg_catalog.bool)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_inv(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'inverse transition function of mrr_movements(prev, curr, seen_before) for sliding window frames';

CREATE FUNCTION @extschema@.mrr_movements_combine(@extschema@.mrr_movements_state,
                                                  @extschema@.mrr_movements_state)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_combine(@extschema@.mrr_movements_state, @extschema@.mrr_movements_state) IS
'combine function of the MRR movement aggregates (exact)';

CREATE FUNCTION @extschema@.mrr_movements_final(@extschema@.mrr_movements_state)
RETURNS @extschema@.mrr_movements
AS 'MODULE_PATHNAME', 'mrr_movements_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_final(@extschema@.mrr_movements_state) IS
'final function of mrr_movements and rollup(mrr_movements): the composite, NULL without rows';

CREATE AGGREGATE @extschema@.mrr_movements(prev pg_catalog.numeric, curr pg_catalog.numeric,
                                           seen_before pg_catalog.bool) (
    SFUNC = @extschema@.mrr_movements_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_movements_final,
    MSFUNC = @extschema@.mrr_movements_trans,
    MINVFUNC = @extschema@.mrr_movements_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_movements_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements(pg_catalog.numeric, pg_catalog.numeric, pg_catalog.bool) IS
'MRR movements over customer-months (prev, curr, seen_before): exact sums and customer counts per class';

CREATE FUNCTION @extschema@.mrr_movements_rollup_trans(@extschema@.mrr_movements_state,
                                                       @extschema@.mrr_movements)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_rollup_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_rollup_trans(@extschema@.mrr_movements_state, @extschema@.mrr_movements) IS
'transition function of rollup(mrr_movements)';

CREATE FUNCTION @extschema@.mrr_movements_rollup_inv(@extschema@.mrr_movements_state,
                                                     @extschema@.mrr_movements)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_movements_rollup_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_rollup_inv(@extschema@.mrr_movements_state, @extschema@.mrr_movements) IS
'inverse transition function of rollup(mrr_movements) for sliding window frames';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_movements) (
    SFUNC = @extschema@.mrr_movements_rollup_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_movements_final,
    MSFUNC = @extschema@.mrr_movements_rollup_trans,
    MINVFUNC = @extschema@.mrr_movements_rollup_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_movements_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.mrr_movements) IS
'exact sum of mrr_movements summaries (segments, or periods for multi-period totals)';

-- Accessors ---------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.nrr(m @extschema@.mrr_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_nrr'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nrr(@extschema@.mrr_movements) IS
'net revenue retention: (starting - churned - contraction + expansion) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.grr(m @extschema@.mrr_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_grr'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grr(@extschema@.mrr_movements) IS
'gross revenue retention: (starting - churned - contraction) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.quick_ratio(m @extschema@.mrr_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_quick_ratio'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.quick_ratio(@extschema@.mrr_movements) IS
'SaaS quick ratio: (new + expansion + reactivation) / (contraction + churned); NULL when nothing was lost';

CREATE FUNCTION @extschema@.net_new_mrr(m @extschema@.mrr_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_net_new_mrr'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.net_new_mrr(@extschema@.mrr_movements) IS
'net new MRR: new + reactivation + expansion - contraction - churned (= ending_mrr - starting_mrr)';

-- Negative churn (SPEC §3): expansion outweighs everything lost from existing customers.
CREATE FUNCTION @extschema@.negative_churn(m @extschema@.mrr_movements)
RETURNS pg_catalog.bool
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (m).expansion_mrr OPERATOR(pg_catalog.>) ((m).churned_mrr OPERATOR(pg_catalog.+) (m).contraction_mrr) $$;
COMMENT ON FUNCTION @extschema@.negative_churn(@extschema@.mrr_movements) IS
'negative churn: expansion_mrr > churned_mrr + contraction_mrr (expansion of existing customers outweighs what they took away)';

CREATE FUNCTION @extschema@.arpa(m @extschema@.mrr_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_arpa'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.arpa(@extschema@.mrr_movements) IS
'average revenue per account at the end of the period: ending_mrr / customers_end; NULL without paying customers';

-- Cohort NRR and GRR -------------------------------------------------------------------------

CREATE FUNCTION @extschema@.mrr_cohort_trans(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                             pg_catalog.numeric)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_cohort_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_trans(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric) IS
'transition function of the cohort nrr and grr aggregates (rows with start_mrr = 0 ignored)';

CREATE FUNCTION @extschema@.mrr_cohort_inv(@extschema@.mrr_movements_state, pg_catalog.numeric,
                                           pg_catalog.numeric)
RETURNS @extschema@.mrr_movements_state
AS 'MODULE_PATHNAME', 'mrr_cohort_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_inv(@extschema@.mrr_movements_state, pg_catalog.numeric, pg_catalog.numeric) IS
'inverse transition function of the cohort nrr and grr aggregates';

CREATE FUNCTION @extschema@.mrr_cohort_nrr_final(@extschema@.mrr_movements_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_cohort_nrr_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_nrr_final(@extschema@.mrr_movements_state) IS
'final function of nrr(start_mrr, end_mrr): sum(end) / sum(start)';

CREATE FUNCTION @extschema@.mrr_cohort_grr_final(@extschema@.mrr_movements_state)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_cohort_grr_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_cohort_grr_final(@extschema@.mrr_movements_state) IS
'final function of grr(start_mrr, end_mrr): sum(least(end, start)) / sum(start)';

CREATE AGGREGATE @extschema@.nrr(start_mrr pg_catalog.numeric, end_mrr pg_catalog.numeric) (
    SFUNC = @extschema@.mrr_cohort_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_cohort_nrr_final,
    MSFUNC = @extschema@.mrr_cohort_trans,
    MINVFUNC = @extschema@.mrr_cohort_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_cohort_nrr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.nrr(pg_catalog.numeric, pg_catalog.numeric) IS
'cohort net revenue retention over customers: sum(end_mrr) / sum(start_mrr) over rows with start_mrr > 0';

CREATE AGGREGATE @extschema@.grr(start_mrr pg_catalog.numeric, end_mrr pg_catalog.numeric) (
    SFUNC = @extschema@.mrr_cohort_trans,
    STYPE = @extschema@.mrr_movements_state,
    COMBINEFUNC = @extschema@.mrr_movements_combine,
    FINALFUNC = @extschema@.mrr_cohort_grr_final,
    MSFUNC = @extschema@.mrr_cohort_trans,
    MINVFUNC = @extschema@.mrr_cohort_inv,
    MSTYPE = @extschema@.mrr_movements_state,
    MFINALFUNC = @extschema@.mrr_cohort_grr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.grr(pg_catalog.numeric, pg_catalog.numeric) IS
'cohort gross revenue retention over customers: sum(least(end_mrr, start_mrr)) / sum(start_mrr) over rows with start_mrr > 0';

-- LTV and CLV --------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.ltv(arpa pg_catalog.numeric, churn_rate pg_catalog.float8)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'ltv_churn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ltv(pg_catalog.numeric, pg_catalog.float8) IS
'lifetime value: arpa / churn_rate (monthly ARPA, monthly churn fraction 0..1); NULL when churn_rate is 0';

CREATE FUNCTION @extschema@.ltv(arpa pg_catalog.numeric, churn_rate pg_catalog.float8,
                                gross_margin pg_catalog.float8)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'ltv_churn_margin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ltv(pg_catalog.numeric, pg_catalog.float8, pg_catalog.float8) IS
'lifetime gross profit: arpa * gross_margin / churn_rate (fractions 0..1); NULL when churn_rate is 0';

CREATE FUNCTION @extschema@.clv(avg_purchase_value pg_catalog.numeric,
                                purchase_frequency pg_catalog.float8, lifespan pg_catalog.float8)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.clv(pg_catalog.numeric, pg_catalog.float8, pg_catalog.float8) IS
'customer lifetime value, purchase form: avg_purchase_value * purchase_frequency * lifespan';
-- survival: Kaplan–Meier customer lifetime (SPEC §3, survival form of LTV).
-- C in src/survival.c; tests in sql/survival*.sql.

-- survival_summary: churned and still-active customers per whole-period tenure 0..1200.
CREATE TYPE @extschema@.survival_summary;

CREATE FUNCTION @extschema@.survival_summary_in(pg_catalog.cstring)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_in(pg_catalog.cstring) IS
'text input of survival_summary: version;tenure:churned/censored,... (validated, canonical form only)';

CREATE FUNCTION @extschema@.survival_summary_out(@extschema@.survival_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'survival_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_out(@extschema@.survival_summary) IS
'text output of survival_summary';

CREATE FUNCTION @extschema@.survival_summary_recv(pg_catalog.internal)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_recv(pg_catalog.internal) IS
'binary input of survival_summary (validated)';

CREATE FUNCTION @extschema@.survival_summary_send(@extschema@.survival_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'survival_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_send(@extschema@.survival_summary) IS
'binary output of survival_summary';

CREATE TYPE @extschema@.survival_summary (
    INPUT = @extschema@.survival_summary_in,
    OUTPUT = @extschema@.survival_summary_out,
    RECEIVE = @extschema@.survival_summary_recv,
    SEND = @extschema@.survival_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.survival_summary IS
'storable Kaplan–Meier summary: churned and still-active customers per whole-period tenure 0..1200';

CREATE FUNCTION @extschema@.survival_summary_eq(@extschema@.survival_summary,
                                                @extschema@.survival_summary)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'survival_summary_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_eq(@extschema@.survival_summary,
                                                   @extschema@.survival_summary) IS
'true when two survival summaries hold the same counts at every tenure';

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.survival_summary,
    RIGHTARG = @extschema@.survival_summary,
    FUNCTION = @extschema@.survival_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=)
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.survival_summary, @extschema@.survival_summary) IS
'equal counts at every tenure';

-- survival_ltv_state: the state of ltv(arpa, tenure, churned [, horizon]).
CREATE TYPE @extschema@.survival_ltv_state;

CREATE FUNCTION @extschema@.survival_ltv_state_in(pg_catalog.cstring)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_in(pg_catalog.cstring) IS
'text input of survival_ltv_state: version;h=horizon;a=sum of arpa;tenure:churned/censored,...';

CREATE FUNCTION @extschema@.survival_ltv_state_out(@extschema@.survival_ltv_state)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'survival_ltv_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_out(@extschema@.survival_ltv_state) IS
'text output of survival_ltv_state';

CREATE FUNCTION @extschema@.survival_ltv_state_recv(pg_catalog.internal)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_recv(pg_catalog.internal) IS
'binary input of survival_ltv_state (validated)';

CREATE FUNCTION @extschema@.survival_ltv_state_send(@extschema@.survival_ltv_state)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'survival_ltv_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_state_send(@extschema@.survival_ltv_state) IS
'binary output of survival_ltv_state';

CREATE TYPE @extschema@.survival_ltv_state (
    INPUT = @extschema@.survival_ltv_state_in,
    OUTPUT = @extschema@.survival_ltv_state_out,
    RECEIVE = @extschema@.survival_ltv_state_recv,
    SEND = @extschema@.survival_ltv_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.survival_ltv_state IS
'transition state of the Kaplan–Meier ltv aggregate: the survival counts, the exact sum of arpa and the horizon';

-- Aggregate support functions (not STRICT: they skip NULL rows and create the state).
-- SSPACE 1024: a state is a 48-byte header plus 16 bytes per tenure up to the largest one
-- seen, about 1 kB for five years of monthly tenures; it tells hash aggregation what a group costs.
CREATE FUNCTION @extschema@.survival_summary_transfn(@extschema@.survival_summary,
                                                     pg_catalog.int4, pg_catalog.bool)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_transfn(@extschema@.survival_summary,
                                                        pg_catalog.int4, pg_catalog.bool) IS
'transition function of survival_summary(tenure, churned)';

CREATE FUNCTION @extschema@.survival_summary_mtransfn(@extschema@.survival_summary,
                                                      pg_catalog.int4, pg_catalog.bool)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_mtransfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_mtransfn(@extschema@.survival_summary,
                                                         pg_catalog.int4, pg_catalog.bool) IS
'moving-aggregate transition function of survival_summary(tenure, churned)';

CREATE FUNCTION @extschema@.survival_summary_invfn(@extschema@.survival_summary,
                                                   pg_catalog.int4, pg_catalog.bool)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_invfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_invfn(@extschema@.survival_summary,
                                                      pg_catalog.int4, pg_catalog.bool) IS
'inverse transition function of survival_summary(tenure, churned) (sliding windows)';

CREATE FUNCTION @extschema@.survival_summary_combine(@extschema@.survival_summary,
                                                     @extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_combine(@extschema@.survival_summary,
                                                        @extschema@.survival_summary) IS
'combine function of survival_summary aggregates and transition function of rollup(survival_summary)';

CREATE FUNCTION @extschema@.survival_summary_rollup_mtransfn(@extschema@.survival_summary,
                                                             @extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_rollup_mtransfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_rollup_mtransfn(@extschema@.survival_summary,
                                                                @extschema@.survival_summary) IS
'moving-aggregate transition function of rollup(survival_summary)';

CREATE FUNCTION @extschema@.survival_summary_rollup_invfn(@extschema@.survival_summary,
                                                          @extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_rollup_invfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_rollup_invfn(@extschema@.survival_summary,
                                                             @extschema@.survival_summary) IS
'inverse transition function of rollup(survival_summary) (sliding windows)';

CREATE FUNCTION @extschema@.survival_summary_final(@extschema@.survival_summary)
RETURNS @extschema@.survival_summary
AS 'MODULE_PATHNAME', 'survival_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_summary_final(@extschema@.survival_summary) IS
'final function of survival_summary aggregates: the compact summary, NULL when no customer was counted';

CREATE AGGREGATE @extschema@.survival_summary(tenure pg_catalog.int4, churned pg_catalog.bool) (
    SFUNC = @extschema@.survival_summary_transfn,
    STYPE = @extschema@.survival_summary,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_summary_final,
    COMBINEFUNC = @extschema@.survival_summary_combine,
    MSFUNC = @extschema@.survival_summary_mtransfn,
    MINVFUNC = @extschema@.survival_summary_invfn,
    MSTYPE = @extschema@.survival_summary,
    MSSPACE = 1024,
    MFINALFUNC = @extschema@.survival_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.survival_summary(pg_catalog.int4, pg_catalog.bool) IS
'Kaplan–Meier summary of customer tenures (whole periods 0..1200); churned = false means still active (censored)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.survival_summary) (
    SFUNC = @extschema@.survival_summary_combine,
    STYPE = @extschema@.survival_summary,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_summary_final,
    COMBINEFUNC = @extschema@.survival_summary_combine,
    MSFUNC = @extschema@.survival_summary_rollup_mtransfn,
    MINVFUNC = @extschema@.survival_summary_rollup_invfn,
    MSTYPE = @extschema@.survival_summary,
    MSSPACE = 1024,
    MFINALFUNC = @extschema@.survival_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.survival_summary) IS
'exact merge of survival summaries (sums the counts of every tenure)';

-- Accessors.
CREATE FUNCTION @extschema@.survival_at(s @extschema@.survival_summary, k pg_catalog.int4)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'survival_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_at(@extschema@.survival_summary, pg_catalog.int4) IS
'Kaplan–Meier survival Ŝ(k) = Π_{j≤k} (1 − d_j/n_j); past the largest tenure the last value';

CREATE FUNCTION @extschema@.median_lifetime(s @extschema@.survival_summary)
RETURNS pg_catalog.int4
AS 'MODULE_PATHNAME', 'survival_median_lifetime' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.median_lifetime(@extschema@.survival_summary) IS
'median customer lifetime: the smallest whole period k with Ŝ(k) ≤ 0.5, NULL when survival never falls to one half';

CREATE FUNCTION @extschema@.expected_lifetime(s @extschema@.survival_summary)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'survival_expected_lifetime' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_lifetime(@extschema@.survival_summary) IS
'restricted mean lifetime RMST(τ) = Σ_{k=0}^{τ−1} Ŝ(k) in periods, τ = largest observed tenure + 1';

CREATE FUNCTION @extschema@.expected_lifetime(s @extschema@.survival_summary,
                                              horizon pg_catalog.int4)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'survival_expected_lifetime_horizon'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_lifetime(@extschema@.survival_summary, pg_catalog.int4) IS
'restricted mean lifetime RMST(horizon) = Σ_{k=0}^{horizon−1} Ŝ(k) in periods; horizon 1..1201';

CREATE FUNCTION @extschema@.survival_curve(s @extschema@.survival_summary)
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'survival_curve' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_curve(@extschema@.survival_summary) IS
'Kaplan–Meier curve Ŝ(0), ..., Ŝ(largest tenure) (element i + 1 is Ŝ(i))';

CREATE FUNCTION @extschema@.customers(s @extschema@.survival_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'survival_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customers(@extschema@.survival_summary) IS
'number of customers in a survival summary (churned and still active)';

CREATE FUNCTION @extschema@.churned(s @extschema@.survival_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'survival_churned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churned(@extschema@.survival_summary) IS
'number of churned customers in a survival summary';

-- ltv(arpa, tenure, churned [, horizon]): average arpa × restricted mean lifetime.
CREATE FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                 pg_catalog.numeric, pg_catalog.int4,
                                                 pg_catalog.bool)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                    pg_catalog.numeric, pg_catalog.int4,
                                                    pg_catalog.bool) IS
'transition function of ltv(arpa, tenure, churned)';

CREATE FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                 pg_catalog.numeric, pg_catalog.int4,
                                                 pg_catalog.bool, pg_catalog.int4)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_transfn(@extschema@.survival_ltv_state,
                                                    pg_catalog.numeric, pg_catalog.int4,
                                                    pg_catalog.bool, pg_catalog.int4) IS
'transition function of ltv(arpa, tenure, churned, horizon)';

CREATE FUNCTION @extschema@.survival_ltv_combine(@extschema@.survival_ltv_state,
                                                 @extschema@.survival_ltv_state)
RETURNS @extschema@.survival_ltv_state
AS 'MODULE_PATHNAME', 'survival_ltv_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_combine(@extschema@.survival_ltv_state,
                                                    @extschema@.survival_ltv_state) IS
'combine function of the Kaplan–Meier ltv aggregate';

CREATE FUNCTION @extschema@.survival_ltv_final(@extschema@.survival_ltv_state)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'survival_ltv_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.survival_ltv_final(@extschema@.survival_ltv_state) IS
'final function of the Kaplan–Meier ltv aggregate: avg(arpa) × RMST';

CREATE AGGREGATE @extschema@.ltv(arpa pg_catalog.numeric, tenure pg_catalog.int4,
                                 churned pg_catalog.bool) (
    SFUNC = @extschema@.survival_ltv_transfn,
    STYPE = @extschema@.survival_ltv_state,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_ltv_final,
    COMBINEFUNC = @extschema@.survival_ltv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ltv(pg_catalog.numeric, pg_catalog.int4, pg_catalog.bool) IS
'Kaplan–Meier lifetime value: average arpa × restricted mean lifetime up to the largest tenure + 1';

CREATE AGGREGATE @extschema@.ltv(arpa pg_catalog.numeric, tenure pg_catalog.int4,
                                 churned pg_catalog.bool, horizon pg_catalog.int4) (
    SFUNC = @extschema@.survival_ltv_transfn,
    STYPE = @extschema@.survival_ltv_state,
    SSPACE = 1024,
    FINALFUNC = @extschema@.survival_ltv_final,
    COMBINEFUNC = @extschema@.survival_ltv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ltv(pg_catalog.numeric, pg_catalog.int4, pg_catalog.bool,
                                     pg_catalog.int4) IS
'Kaplan–Meier lifetime value: average arpa × restricted mean lifetime RMST(horizon); horizon 1..1201, the same on every row';
-- health: customer health scores (SPEC §4), C in src/health.c.

CREATE FUNCTION @extschema@.health_score(measures pg_catalog.float8[], weights pg_catalog.float8[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'health_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_score(pg_catalog.float8[], pg_catalog.float8[]) IS
'weighted health score sum(w*v)/sum(w) over the measures that are not NULL (0..100 when the measures are); NULL when no measure with a positive weight is present';

CREATE FUNCTION @extschema@.health_points(counts pg_catalog.float8[], impacts pg_catalog.float8[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'health_points'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_points(pg_catalog.float8[], pg_catalog.float8[]) IS
'points health score sum(count*impact); NULL counts count as 0, negative impacts subtract';

CREATE FUNCTION @extschema@.health_normalize(x pg_catalog.float8, lo pg_catalog.float8, hi pg_catalog.float8,
                                             higher_is_better pg_catalog.bool DEFAULT true)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'health_normalize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_normalize(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.bool) IS
'raw measure on the 0..100 scale by fixed bounds: clamp((x-lo)/(hi-lo), 0, 1)*100, or 100 minus that when lower is better';

CREATE FUNCTION @extschema@.health_band(score pg_catalog.float8)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'health_band'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_band(pg_catalog.float8) IS
'fixed health band: red (score <= 40), yellow (<= 70), green (<= 100), thriving (> 100)';

CREATE FUNCTION @extschema@.health_band(score pg_catalog.float8, thresholds pg_catalog.float8[], labels pg_catalog.text[])
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'health_band_custom'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_band(pg_catalog.float8, pg_catalog.float8[], pg_catalog.text[]) IS
'custom health band: labels[i] for the first thresholds[i] >= score, the last label above every threshold; thresholds strictly ascending';

CREATE FUNCTION @extschema@.health_score_ranked(measures pg_catalog.float8[], weights pg_catalog.float8[],
                                                higher_is_better pg_catalog.bool[])
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'health_score_ranked'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_score_ranked(pg_catalog.float8[], pg_catalog.float8[], pg_catalog.bool[]) IS
'window function: each measure replaced by its percentile rank in the whole partition (ties share the mid-rank, inverted when lower is better), then weighted as health_score';

CREATE FUNCTION @extschema@.health_quartile_band(score pg_catalog.float8)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'health_quartile_band'
LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_quartile_band(pg_catalog.float8) IS
'window function: healthy (percentile of the score in the whole partition >= 75), unhealthy (< 25), at risk otherwise';

CREATE FUNCTION @extschema@.health_score_agg_transfn(state pg_catalog.float8[], measures pg_catalog.float8[],
                                                     weights pg_catalog.float8[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'health_score_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.health_score_agg_transfn(pg_catalog.float8[], pg_catalog.float8[], pg_catalog.float8[]) IS
'transition function of health_score_agg: adds the row''s weighted score to an avg(float8) state {N, sum, sum of squared deviations}';

CREATE AGGREGATE @extschema@.health_score_agg(measures pg_catalog.float8[], weights pg_catalog.float8[]) (
    SFUNC = @extschema@.health_score_agg_transfn,
    STYPE = pg_catalog.float8[],
    INITCOND = '{0,0,0}',
    FINALFUNC = pg_catalog.float8_avg,
    COMBINEFUNC = pg_catalog.float8_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.health_score_agg(pg_catalog.float8[], pg_catalog.float8[]) IS
'mean weighted health score over the rows (rows without a score are skipped), e.g. rolling health over weekly snapshots';
-- views: KPI views over existing CRM tables (SPEC §5, §6).
--
-- The user registers which table or view holds each kind of CRM data and which of its
-- columns play each canonical role; create_kpi_views() then writes one plain SQL view (or
-- materialized view) per KPI over those relations, with every identifier quoted. Nothing is
-- copied. All of this is plpgsql: it only writes SQL, the numbers come from the aggregates.

---------------------------------------------------------------------------------------------
-- Catalog of source kinds and their canonical columns (static, shipped with the extension).

CREATE TABLE @extschema@.source_columns (
    kind        text    NOT NULL,
    role        text    NOT NULL,
    required    boolean NOT NULL,
    type_class  text    NOT NULL CHECK (type_class IN ('id', 'text', 'timestamp', 'number', 'integer', 'boolean')),
    position    int     NOT NULL,
    description text    NOT NULL,
    PRIMARY KEY (kind, role)
);
COMMENT ON TABLE @extschema@.source_columns IS 'csmetrics: the kinds of CRM source register_source() accepts and the canonical columns (roles) of each; read-only reference';
COMMENT ON COLUMN @extschema@.source_columns.kind IS 'source kind, the first argument of register_source()';
COMMENT ON COLUMN @extschema@.source_columns.role IS 'canonical column name; map it to your column with the columns argument';
COMMENT ON COLUMN @extschema@.source_columns.required IS 'true when the relation must have this column';
COMMENT ON COLUMN @extschema@.source_columns.type_class IS 'accepted column types: id/text (any), timestamp (date, timestamp, timestamptz), number (integer, numeric, float), integer (integer types, numeric), boolean';
COMMENT ON COLUMN @extschema@.source_columns.position IS 'order of the column in the generated views';
COMMENT ON COLUMN @extschema@.source_columns.description IS 'what the column holds';

INSERT INTO @extschema@.source_columns (kind, role, required, type_class, position, description) VALUES
    ('customers', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('customers', 'name', false, 'text', 2, 'customer name'),
    ('customers', 'segment', false, 'text', 3, 'segment (plan, size, region); enables the _by_segment views'),
    ('subscriptions', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('subscriptions', 'started_at', true, 'timestamp', 2, 'start of the subscription (inclusive)'),
    ('subscriptions', 'ended_at', true, 'timestamp', 3, 'end of the subscription (exclusive); NULL while active'),
    ('subscriptions', 'mrr', true, 'number', 4, 'monthly recurring revenue of the subscription'),
    ('survey_responses', 'customer_id', true, 'id', 1, 'customer identifier (NULL for anonymous answers)'),
    ('survey_responses', 'responded_at', true, 'timestamp', 2, 'when the answer was given'),
    ('survey_responses', 'score', true, 'integer', 3, 'the score: NPS/eNPS 0..10, CSAT 1..5, CES 1..7'),
    ('survey_responses', 'survey', false, 'text', 4, 'nps, csat, ces or enps (default nps)'),
    ('tickets', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('tickets', 'opened_at', true, 'timestamp', 2, 'when the ticket was opened'),
    ('tickets', 'resolved_at', true, 'timestamp', 3, 'when it was resolved; NULL while open'),
    ('tickets', 'contacts', false, 'integer', 4, 'number of contacts needed; 1 = first contact resolution'),
    ('tickets', 'first_contact_resolved', false, 'boolean', 5, 'resolved in the first contact'),
    ('invoices', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('invoices', 'due_at', true, 'timestamp', 2, 'due date'),
    ('invoices', 'paid_at', true, 'timestamp', 3, 'payment date; NULL while unpaid'),
    ('invoices', 'amount', true, 'number', 4, 'invoiced amount'),
    ('usage_events', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('usage_events', 'occurred_at', true, 'timestamp', 2, 'when the event happened'),
    ('usage_events', 'quantity', false, 'number', 3, 'amount of usage (default 1 per event)'),
    ('renewals', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('renewals', 'due_at', true, 'timestamp', 2, 'when the contract was up for renewal'),
    ('renewals', 'renewed', true, 'boolean', 3, 'whether it was renewed'),
    ('renewals', 'amount', false, 'number', 4, 'contract value up for renewal'),
    ('trials', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('trials', 'started_at', true, 'timestamp', 2, 'start of the trial'),
    ('trials', 'converted_at', true, 'timestamp', 3, 'when the trial became a paid customer; NULL if not'),
    ('costs', 'incurred_at', true, 'timestamp', 1, 'when the cost was incurred'),
    ('costs', 'amount', true, 'number', 2, 'amount'),
    ('costs', 'kind', true, 'text', 3, 'success (customer retention) or acquisition');
GRANT SELECT ON @extschema@.source_columns TO PUBLIC;

---------------------------------------------------------------------------------------------
-- Configuration tables. All are kept by pg_dump (pg_extension_config_dump).

-- Registered sources. The relation is a regclass: pg_dump writes it as a qualified name and
-- restore reads the name back, so registrations survive the new OIDs of a restore.
CREATE TABLE @extschema@.sources (
    kind          text        PRIMARY KEY,
    relation      regclass    NOT NULL,
    columns       jsonb       NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.sources IS 'csmetrics: registered CRM sources (written by register_source(); kept by pg_dump)';
COMMENT ON COLUMN @extschema@.sources.kind IS 'source kind (see csmetrics.source_columns)';
COMMENT ON COLUMN @extschema@.sources.relation IS 'the table, view, materialized view or foreign table holding the data';
COMMENT ON COLUMN @extschema@.sources.columns IS 'canonical role -> column name, for every role the relation provides';
COMMENT ON COLUMN @extschema@.sources.registered_at IS 'when the source was (re)registered';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sources', '');

-- The health model that the customer_health view follows.
CREATE TABLE @extschema@.health_measures (
    measure          text    PRIMARY KEY CHECK (measure IN ('usage', 'nps', 'support', 'billing')),
    weight           float8  NOT NULL CHECK (weight >= 0 AND weight < 'infinity'),
    higher_is_better boolean NOT NULL,
    normalization    text    NOT NULL CHECK (normalization IN ('rank', 'bounds')),
    lower_bound      float8,
    upper_bound      float8,
    CHECK (normalization = 'rank' OR (lower_bound IS NOT NULL AND upper_bound IS NOT NULL AND lower_bound < upper_bound))
);
COMMENT ON TABLE @extschema@.health_measures IS 'csmetrics: the health model of the customer_health view (kept by pg_dump; inserting an existing measure replaces it; weight 0 switches a measure off)';
COMMENT ON COLUMN @extschema@.health_measures.measure IS 'usage (usage quantity in the period), nps (latest NPS answer within a year), support (tickets opened in the period), billing (average days late of invoices due within a year)';
COMMENT ON COLUMN @extschema@.health_measures.weight IS 'relative weight (non-negative; 0 = not used)';
COMMENT ON COLUMN @extschema@.health_measures.higher_is_better IS 'false for measures where less is better (tickets, days late)';
COMMENT ON COLUMN @extschema@.health_measures.normalization IS 'rank (percentile within the customer base) or bounds (lower_bound..upper_bound mapped to 0..100)';
COMMENT ON COLUMN @extschema@.health_measures.lower_bound IS 'raw value mapped to 0 (or 100 when lower is better), for bounds';
COMMENT ON COLUMN @extschema@.health_measures.upper_bound IS 'raw value mapped to 100 (or 0 when lower is better), for bounds';

-- Makes INSERT replace a measure of the same name. A restore runs CREATE EXTENSION (which
-- inserts the default model) and then loads the dumped rows: each replaces its default.
CREATE FUNCTION @extschema@.health_measures_replace() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM @extschema@.health_measures WHERE measure OPERATOR(pg_catalog.=) NEW.measure;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.health_measures_replace() IS 'csmetrics internal: trigger making INSERT into health_measures replace an existing measure (so pg_restore can load a changed model over the default one)';
CREATE TRIGGER replace_measure BEFORE INSERT ON @extschema@.health_measures
    FOR EACH ROW EXECUTE FUNCTION @extschema@.health_measures_replace();
COMMENT ON TRIGGER replace_measure ON @extschema@.health_measures IS 'INSERT of an existing measure replaces it';

INSERT INTO @extschema@.health_measures VALUES
    ('usage', 40, true, 'rank', NULL, NULL),
    ('nps', 10, true, 'bounds', 0, 10),
    ('support', 20, false, 'bounds', 0, 5),
    ('billing', 30, false, 'bounds', 0, 30);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.health_measures', '');

-- Every view create_kpi_views() made, in creation (= dependency) order.
CREATE TABLE @extschema@.kpi_views (
    target_schema name    NOT NULL,
    view_name     name    NOT NULL,
    materialized  boolean NOT NULL,
    grain         text    NOT NULL,
    position      int     NOT NULL,
    PRIMARY KEY (target_schema, view_name)
);
COMMENT ON TABLE @extschema@.kpi_views IS 'csmetrics: the KPI views made by create_kpi_views(), in dependency order (kept by pg_dump; used by refresh_kpi_views() and grant_kpi_access())';
COMMENT ON COLUMN @extschema@.kpi_views.target_schema IS 'schema of the view';
COMMENT ON COLUMN @extschema@.kpi_views.view_name IS 'name of the view';
COMMENT ON COLUMN @extschema@.kpi_views.materialized IS 'true for a materialized view';
COMMENT ON COLUMN @extschema@.kpi_views.grain IS 'period grain: day, week, month or quarter';
COMMENT ON COLUMN @extschema@.kpi_views.position IS 'creation order; views are refreshed in this order';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_views', '');

-- Roles given read access by grant_kpi_access(); create_kpi_views() grants them again.
CREATE TABLE @extschema@.kpi_access (
    role_name name PRIMARY KEY
);
COMMENT ON TABLE @extschema@.kpi_access IS 'csmetrics: roles that grant_kpi_access() gave read access to the KPI views; re-granted whenever the views are re-created (kept by pg_dump)';
COMMENT ON COLUMN @extschema@.kpi_access.role_name IS 'role name';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_access', '');

---------------------------------------------------------------------------------------------
-- Registration.

-- Whether a column of type typ (a domain counts as its base type) can play a role of class.
CREATE FUNCTION @extschema@.kpi_type_fits(typ oid, type_class text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE type_class
        WHEN 'timestamp' THEN b IN ('pg_catalog.date'::pg_catalog.regtype, 'pg_catalog.timestamp'::pg_catalog.regtype,
                                    'pg_catalog.timestamptz'::pg_catalog.regtype)
        WHEN 'number' THEN b IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                                 'pg_catalog.int8'::pg_catalog.regtype, 'pg_catalog.numeric'::pg_catalog.regtype,
                                 'pg_catalog.float4'::pg_catalog.regtype, 'pg_catalog.float8'::pg_catalog.regtype)
        WHEN 'integer' THEN b IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                                  'pg_catalog.int8'::pg_catalog.regtype, 'pg_catalog.numeric'::pg_catalog.regtype)
        WHEN 'boolean' THEN b OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype
        -- ids and labels are read as text: a scalar value, not a document, row or array
        ELSE NOT (b IN ('pg_catalog.json'::pg_catalog.regtype, 'pg_catalog.jsonb'::pg_catalog.regtype)
                  OR bt.typtype IN ('c', 'p') OR bt.typcategory OPERATOR(pg_catalog.=) 'A')
    END
    FROM (SELECT CASE WHEN t.typtype OPERATOR(pg_catalog.=) 'd' THEN t.typbasetype ELSE t.oid END::pg_catalog.regtype AS b
          FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) typ) s
    JOIN pg_catalog.pg_type bt ON bt.oid OPERATOR(pg_catalog.=) s.b
$$;
COMMENT ON FUNCTION @extschema@.kpi_type_fits(oid, text) IS 'csmetrics internal: whether a column type is usable for a canonical role of the given type class';

-- The SQL type a role of class is cast to in the views.
CREATE FUNCTION @extschema@.kpi_role_type(type_class text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE type_class
        WHEN 'timestamp' THEN 'pg_catalog.timestamptz'
        WHEN 'number' THEN 'pg_catalog.numeric'
        WHEN 'integer' THEN 'pg_catalog.numeric'
        WHEN 'boolean' THEN 'pg_catalog.bool'
        ELSE 'pg_catalog.text'
    END
$$;
COMMENT ON FUNCTION @extschema@.kpi_role_type(text) IS 'csmetrics internal: the type a canonical column of the given type class has in the generated views';

-- Checks a registration and returns the resolved role -> column map; raises one error
-- listing every problem found. relation is NULL when relation_name did not resolve.
CREATE FUNCTION @extschema@.kpi_check_source(kind text, relation regclass, relation_name text, columns jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    problems text[] := '{}';
    states text[] := '{}';
    resolved jsonb := '{}';
    role_list text;
    spec record;
    key text;
    wanted text;
    att record;
    relkind "char";
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind) THEN
        RAISE EXCEPTION 'unknown source kind "%"', kind
            USING ERRCODE = '22023',
                  DETAIL = 'Kinds: ' || (SELECT string_agg(DISTINCT c.kind, ', ') FROM @extschema@.source_columns c) || '.';
    END IF;
    SELECT string_agg(c.role, ', ' ORDER BY c.position) INTO role_list
    FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind;

    IF columns IS NULL OR jsonb_typeof(columns) <> 'object' THEN
        problems := problems || 'columns must be a JSON object mapping canonical names to column names'::text;
        states := states || '22023'::text;
        columns := '{}';
    END IF;
    FOR key IN SELECT jsonb_object_keys(columns) ORDER BY 1 LOOP
        IF NOT EXISTS (SELECT 1 FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind AND c.role = key) THEN
            problems := problems || format('"%s" is not a column of kind %s (its columns: %s)', key, kind, role_list);
            states := states || '22023'::text;
        ELSIF jsonb_typeof(columns -> key) <> 'string' THEN
            problems := problems || format('the column for %s must be given as a JSON string, not %s', key, columns -> key);
            states := states || '22023'::text;
        END IF;
    END LOOP;

    IF relation IS NULL THEN
        problems := problems || format('relation %s does not exist', relation_name);
        states := states || '42P01'::text;
    ELSE
        SELECT c.relkind INTO relkind FROM pg_class c WHERE c.oid = relation;
        IF relkind IS NULL THEN
            problems := problems || 'the registered relation was dropped'::text;
            states := states || '42P01'::text;
        ELSIF relkind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
            problems := problems || format('%s is not a table, view, materialized view or foreign table', relation);
            states := states || '42809'::text;
        ELSE
            FOR spec IN SELECT * FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind ORDER BY c.position LOOP
                wanted := coalesce(columns ->> spec.role, spec.role);
                SELECT a.attname, a.atttypid INTO att FROM pg_attribute a
                WHERE a.attrelid = relation AND a.attname = wanted AND a.attnum > 0 AND NOT a.attisdropped;
                IF NOT FOUND THEN
                    IF spec.required OR columns ? spec.role THEN
                        problems := problems || format('column "%s" (for %s) does not exist in %s', wanted, spec.role, relation);
                        states := states || '42703'::text;
                    END IF;
                ELSIF NOT @extschema@.kpi_type_fits(att.atttypid, spec.type_class) THEN
                    problems := problems || format('column "%s" (for %s) has type %s; %s needs %s', wanted, spec.role,
                        format_type(att.atttypid, NULL), spec.role,
                        CASE spec.type_class
                            WHEN 'timestamp' THEN 'date, timestamp or timestamp with time zone'
                            WHEN 'number' THEN 'an integer, numeric or floating-point type'
                            WHEN 'integer' THEN 'an integer type or numeric'
                            WHEN 'boolean' THEN 'boolean'
                            ELSE 'a scalar type (text, an integer, uuid...), not json, a row or an array' END);
                    states := states || '42804'::text;
                ELSE
                    resolved := resolved || jsonb_build_object(spec.role, wanted);
                END IF;
            END LOOP;
        END IF;
    END IF;

    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION 'cannot register % as the % source: % problem%', coalesce(relation::text, relation_name), kind,
            cardinality(problems), CASE WHEN cardinality(problems) > 1 THEN 's' ELSE '' END
            USING ERRCODE = states[1],
                  DETAIL = array_to_string(problems, E';\n') || '.',
                  HINT = 'Map canonical names to your columns, e.g. columns => ''{"customer_id": "Account Id"}'', or register a view that renames and casts them.';
    END IF;
    RETURN resolved;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_check_source(text, regclass, text, jsonb) IS 'csmetrics internal: validates a registration and returns the resolved column map; reports every problem in one error';

-- Validates a source registration and records (or replaces) it. relation is NULL when
-- relation_name did not resolve.
CREATE FUNCTION @extschema@.kpi_register(kind text, relation regclass, relation_name text, columns jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    resolved jsonb := @extschema@.kpi_check_source(kind, relation, relation_name, columns);
BEGIN
    INSERT INTO @extschema@.sources AS s (kind, relation, columns)
    VALUES (kind, relation, resolved)
    ON CONFLICT ON CONSTRAINT sources_pkey
    DO UPDATE SET relation = EXCLUDED.relation, columns = EXCLUDED.columns, registered_at = now();
END $$;
COMMENT ON FUNCTION @extschema@.kpi_register(text, regclass, text, jsonb) IS 'csmetrics internal: validates and records a source registration';

-- Registers the relation holding one kind of CRM data.
CREATE FUNCTION @extschema@.register_source(kind text, relation regclass, columns jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql AS $$
    SELECT @extschema@.kpi_register(kind, relation, relation::pg_catalog.text, columns)
$$;
COMMENT ON FUNCTION @extschema@.register_source(text, regclass, jsonb) IS 'Registers the relation holding one kind of CRM data (customers, subscriptions, survey_responses, tickets, invoices, usage_events, renewals, trials, costs); columns maps canonical names to column names. Validates everything and reports every problem in one error';

-- Registers a source given by name. Deliberately SQL without a pinned search_path: the name
-- is resolved with the caller's search_path, as a regclass literal would be; everything the
-- body calls is schema-qualified.
CREATE FUNCTION @extschema@.register_source(kind text, relation text, columns jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql AS $$
    SELECT @extschema@.kpi_register(kind, pg_catalog.to_regclass(relation), relation, columns)
$$;
COMMENT ON FUNCTION @extschema@.register_source(text, text, jsonb) IS 'Registers a source given by name: like register_source(kind, regclass, columns), but a missing relation is reported together with the other problems';

-- Forgets the source of one kind.
CREATE FUNCTION @extschema@.unregister_source(kind text) RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM @extschema@.sources s WHERE s.kind OPERATOR(pg_catalog.=) unregister_source.kind RETURNING 1)
    SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 FROM d
$$;
COMMENT ON FUNCTION @extschema@.unregister_source(text) IS 'Removes the registration of a source kind; returns whether there was one';

---------------------------------------------------------------------------------------------
-- View generation. Every identifier that comes from the user goes through format('%I') or
-- quote_ident(); user text is never pasted into SQL.

-- The canonical form of a registered source as a SELECT over the relation: one column per
-- role, cast to its view type (NULL where the relation lacks an optional role); with_row adds
-- the whole source row as JSON text (for data_issues). NULL when kind is not registered.
CREATE FUNCTION @extschema@.kpi_source_sql(kind text, with_row boolean) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src record;
    cols text[] := '{}';
    spec record;
BEGIN
    SELECT s.relation, s.columns, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relname INTO src
    FROM @extschema@.sources s
    JOIN pg_class c ON c.oid = s.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE s.kind = kpi_source_sql.kind;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    FOR spec IN SELECT * FROM @extschema@.source_columns c WHERE c.kind = kpi_source_sql.kind ORDER BY c.position LOOP
        IF src.columns ? spec.role THEN
            cols := cols || format('(x.%I)::%s AS %I', src.columns ->> spec.role, @extschema@.kpi_role_type(spec.type_class), spec.role);
        ELSE
            cols := cols || format('NULL::%s AS %I', @extschema@.kpi_role_type(spec.type_class), spec.role);
        END IF;
    END LOOP;
    IF kind = 'customers' THEN
        -- Duplicate ids: the first row in a fixed order is used, the others are data issues.
        cols := cols || format('pg_catalog.row_number() OVER (PARTITION BY (x.%I)::pg_catalog.text ORDER BY pg_catalog.to_jsonb(x)::pg_catalog.text) AS dup_rank',
                               src.columns ->> 'customer_id');
    END IF;
    IF with_row THEN
        cols := cols || 'pg_catalog.to_jsonb(x)::pg_catalog.text AS source_row'::text;
    END IF;
    RETURN format('SELECT %s FROM %s AS x', array_to_string(cols, ', '), src.relname);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_sql(text, boolean) IS 'csmetrics internal: SELECT giving the canonical columns of a registered source';

-- The checks a source row must pass to count in the KPIs: (problem, SQL condition that is
-- true for a bad row). Columns are those of kpi_source_sql(), on alias x; the unknown-customer
-- check needs the customers CTE and is only made when customers are registered.
CREATE FUNCTION @extschema@.kpi_source_checks(kind text, with_customers boolean)
RETURNS TABLE (problem text, bad text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT c.problem, c.bad FROM (VALUES
        ('customers', 'customer_id is NULL', 'x.customer_id IS NULL'),
        ('customers', 'duplicate customer_id (the first row is used)', 'x.dup_rank > 1'),
        ('subscriptions', 'customer_id is NULL', 'x.customer_id IS NULL'),
        ('subscriptions', 'started_at is NULL', 'x.started_at IS NULL'),
        ('subscriptions', 'ended_at is before started_at', 'x.ended_at < x.started_at'),
        ('subscriptions', 'mrr is NULL', 'x.mrr IS NULL'),
        ('subscriptions', 'negative MRR', 'x.mrr < 0'),
        ('survey_responses', 'responded_at is NULL', 'x.responded_at IS NULL'),
        ('survey_responses', 'score is NULL', 'x.score IS NULL'),
        ('survey_responses', 'unknown survey (not nps, csat, ces or enps)', 'pg_catalog.lower(x.survey) NOT IN (''nps'', ''csat'', ''ces'', ''enps'')'),
        ('survey_responses', 'score is not a whole number', 'x.score <> pg_catalog.trunc(x.score)'),
        ('survey_responses', 'score out of range (NPS and eNPS: 0..10)', 'pg_catalog.lower(coalesce(x.survey, ''nps'')) IN (''nps'', ''enps'') AND x.score NOT BETWEEN 0 AND 10'),
        ('survey_responses', 'score out of range (CSAT: 1..5)', 'pg_catalog.lower(x.survey) = ''csat'' AND x.score NOT BETWEEN 1 AND 5'),
        ('survey_responses', 'score out of range (CES: 1..7)', 'pg_catalog.lower(x.survey) = ''ces'' AND x.score NOT BETWEEN 1 AND 7'),
        ('tickets', 'opened_at is NULL', 'x.opened_at IS NULL'),
        ('tickets', 'resolved_at is before opened_at', 'x.resolved_at < x.opened_at'),
        ('tickets', 'contacts is negative', 'x.contacts < 0'),
        ('invoices', 'due_at is NULL', 'x.due_at IS NULL'),
        ('invoices', 'amount is NULL', 'x.amount IS NULL'),
        ('invoices', 'negative amount', 'x.amount < 0'),
        ('usage_events', 'occurred_at is NULL', 'x.occurred_at IS NULL'),
        ('usage_events', 'negative quantity', 'x.quantity < 0'),
        ('renewals', 'due_at is NULL', 'x.due_at IS NULL'),
        ('renewals', 'renewed is NULL', 'x.renewed IS NULL'),
        ('renewals', 'negative amount', 'x.amount < 0'),
        ('trials', 'started_at is NULL', 'x.started_at IS NULL'),
        ('trials', 'converted_at is before started_at', 'x.converted_at < x.started_at'),
        ('costs', 'incurred_at is NULL', 'x.incurred_at IS NULL'),
        ('costs', 'amount is NULL', 'x.amount IS NULL'),
        ('costs', 'negative amount', 'x.amount < 0'),
        ('costs', 'unknown cost kind (not success or acquisition)', 'x.kind IS NULL OR x.kind NOT IN (''success'', ''acquisition'')')
    ) AS c(kind, problem, bad)
    WHERE c.kind OPERATOR(pg_catalog.=) kpi_source_checks.kind
    UNION ALL
    -- NOT IN over the (NULL-free) customer ids runs as one hashed subplan.
    SELECT 'unknown customer', 'x.customer_id NOT IN (SELECT k.customer_id FROM customers k)'
    WHERE with_customers AND kpi_source_checks.kind NOT IN ('customers', 'costs')
$$;
COMMENT ON FUNCTION @extschema@.kpi_source_checks(text, boolean) IS 'csmetrics internal: the checks a source row must pass to count in the KPIs, with the problem each reports';

-- The WITH list defining one clean CTE per registered kind (named after the kind): rows that
-- fail a check are left out (data_issues lists them); per-customer kinds get the segment.
-- The checks are ORed into one condition, which the planner estimates sensibly (ANDing a
-- dozen separate ones makes it expect a single row and pick nested loops).
CREATE FUNCTION @extschema@.kpi_source_ctes(kinds text[]) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    with_customers boolean := 'customers' = ANY (kinds);
    ctes text[] := '{}';
    k text;
    cond text;
BEGIN
    IF with_customers THEN
        SELECT coalesce('NOT coalesce(' || string_agg(format('(%s)', c.bad), ' OR ') || ', false)', 'true') INTO cond
        FROM @extschema@.kpi_source_checks('customers', false) c;
        ctes := ctes || format('customers AS (SELECT x.customer_id, x.name, coalesce(x.segment, %L) AS segment FROM (%s) AS x WHERE %s)',
                               '(none)', @extschema@.kpi_source_sql('customers', false), cond);
    END IF;
    FOREACH k IN ARRAY kinds LOOP
        CONTINUE WHEN k = 'customers';
        SELECT coalesce('NOT coalesce(' || string_agg(format('(%s)', c.bad), ' OR ') || ', false)', 'true') INTO cond
        FROM @extschema@.kpi_source_checks(k, with_customers) c;
        IF k = 'costs' THEN
            ctes := ctes || format('%I AS (SELECT x.* FROM (%s) AS x WHERE %s)', k, @extschema@.kpi_source_sql(k, false), cond);
        ELSIF with_customers THEN
            ctes := ctes || format('%I AS (SELECT x.*, k.segment FROM (%s) AS x LEFT JOIN customers k ON k.customer_id = x.customer_id WHERE %s)',
                                   k, @extschema@.kpi_source_sql(k, false), cond);
        ELSE
            ctes := ctes || format('%I AS (SELECT x.*, %L::text AS segment FROM (%s) AS x WHERE %s)',
                                   k, '(none)', @extschema@.kpi_source_sql(k, false), cond);
        END IF;
    END LOOP;
    RETURN array_to_string(ctes, E',\n');
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_ctes(text[]) IS 'csmetrics internal: WITH list of the clean source rows for the generated views';

-- The description of a view column, for COMMENT ON COLUMN (BI tools show it).
CREATE FUNCTION @extschema@.kpi_column_comment(column_name text, grain text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN column_name OPERATOR(pg_catalog.=) grain
                THEN 'first day of the ' OPERATOR(pg_catalog.||) grain
                ELSE pg_catalog.replace(d.descr, '{grain}', grain) END
    FROM (SELECT (('{
        "segment": "customer segment ((none) when the customer has none; (all) = every customer)",
        "responses": "number of valid answers",
        "promoters": "answers 9 or 10",
        "passives": "answers 7 or 8",
        "detractors": "answers 0 to 6",
        "nps": "Net Promoter Score, -100..100 (employee NPS in the enps views)",
        "nps_ci_lower": "lower bound of the 95% confidence interval of the NPS",
        "nps_ci_upper": "upper bound of the 95% confidence interval of the NPS",
        "csat": "CSAT: share of satisfied answers (4 or 5 on 1..5), a fraction",
        "mean_score": "mean score",
        "ces": "CES: mean effort score on 1..7",
        "ces_agreement": "share of CES answers 5 or more on 1..7 (agree that it was easy), a fraction",
        "customers_start": "customers at the start of the {grain}",
        "new_customers": "customers who started in the {grain} (new or returning)",
        "lost_customers": "customers at the start of the {grain} who left in it",
        "lost_new_customers": "customers who joined and left within the {grain}",
        "customers_end": "customers at the end of the {grain}",
        "churn_rate": "churn rate: lost / customers at start, a fraction",
        "retention_rate": "retention rate: (customers at end - new) / customers at start, a fraction",
        "customer_id": "customer identifier (as text)",
        "previous_mrr": "MRR at the end of the previous {grain}",
        "mrr": "monthly recurring revenue at the end of the {grain}",
        "mrr_change": "mrr - previous_mrr",
        "movement": "MRR movement: new, expansion, contraction, churn, reactivation or unchanged",
        "starting_mrr": "MRR at the start of the {grain}",
        "new_mrr": "MRR of new customers",
        "expansion_mrr": "MRR added by existing customers",
        "contraction_mrr": "MRR lost by customers who stayed",
        "churned_mrr": "MRR lost by customers who left",
        "reactivation_mrr": "MRR of returning customers",
        "net_new_mrr": "new + reactivation + expansion - contraction - churn",
        "nrr": "net revenue retention, a fraction (1 = all revenue kept)",
        "grr": "gross revenue retention, a fraction (at most 1)",
        "quick_ratio": "SaaS quick ratio: (new + expansion + reactivation) / (contraction + churn)",
        "paying_customers": "customers with MRR > 0 at the end of the period",
        "arpa": "average revenue per account: MRR / paying customers",
        "tickets_opened": "tickets opened in the {grain}",
        "tickets_resolved": "tickets resolved in the {grain}",
        "first_contact_resolutions": "tickets resolved in the {grain} in one contact",
        "fcr": "first contact resolution: resolved in one contact / resolved (with contact data), a fraction",
        "median_resolution_hours": "median hours from opening to resolution of the tickets resolved in the {grain}",
        "renewals_due": "contracts up for renewal in the {grain}",
        "renewed": "contracts renewed",
        "renewal_rate": "renewal rate by count, a fraction",
        "amount_due": "contract value up for renewal",
        "amount_renewed": "contract value renewed",
        "renewal_rate_value": "renewal rate by value, a fraction",
        "trials_started": "trials started in the {grain}",
        "trials_converted": "trials started in the {grain} that converted (so far)",
        "conversion_rate": "trial-to-paid conversion rate, a fraction",
        "median_days_to_convert": "median days from trial start to conversion",
        "customers_started": "customers whose first subscription started in the {grain}",
        "customers_reaching_value": "of those, customers with a usage event since (first value)",
        "median_days_to_first_value": "median days from the first subscription to the first usage event",
        "ltv": "lifetime value: ARPA / monthly churn rate, to the cent (NULL when churn is 0)",
        "ltv_km": "Kaplan-Meier lifetime value: ARPA x restricted mean lifetime, to the cent",
        "expected_lifetime": "Kaplan-Meier restricted mean lifetime in months",
        "crc": "customer retention cost per customer per month (success costs of the last 12 months / 12 / customers)",
        "cac": "customer acquisition cost (acquisition costs of the last 12 months / new customers in them)",
        "ltv_to_crc": "LTV : CRC = lifetime value / lifetime retention cost = ARPA / CRC",
        "ltv_to_cac": "LTV : CAC",
        "name": "customer name",
        "usage": "usage in the {grain} (sum of quantity, 1 per event by default)",
        "nps_answer": "the customer''s latest NPS answer within a year (0..10)",
        "tickets": "tickets opened in the {grain}",
        "days_late": "average days late of the invoices due within a year",
        "usage_health": "usage measure on 0..100",
        "nps_health": "NPS measure on 0..100",
        "support_health": "support measure on 0..100",
        "billing_health": "billing measure on 0..100",
        "health_score": "weighted health score 0..100 (model: csmetrics.health_measures)",
        "health_band": "red (<= 40), yellow (<= 70), green (<= 100) or thriving",
        "relative_band": "quartile band among the customers: healthy, at risk or unhealthy",
        "previous_health_score": "health score in the previous {grain}",
        "health_trend": "health_score - previous_health_score",
        "issue_id": "row number of the issue (stable for unchanged data)",
        "source": "source kind the row comes from",
        "relation": "the registered relation",
        "problem": "why the row is left out of the KPIs",
        "source_row": "the whole source row, as JSON",
        "as_of": "latest period found in the KPI views",
        "enps": "employee NPS, -100..100",
        "customers": "customers at the end of the latest period",
        "trial_conversion_rate": "trial-to-paid conversion rate, a fraction",
        "average_health_score": "mean health score of the current customers",
        "red_customers": "customers in the red health band"
    }'::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) column_name) AS descr) d
$$;
COMMENT ON FUNCTION @extschema@.kpi_column_comment(text, text) IS 'csmetrics internal: description of a KPI view column';

-- Replaces the tokens of a view template: {P} the period column, {G} the grain as a
-- literal, {STEP} one period as an interval, {S} "segment, " in _by_segment views.
CREATE FUNCTION @extschema@.kpi_expand(template text, grain text, by_segment boolean) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(template,
        '{P}', pg_catalog.quote_ident(grain)),
        '{G}', pg_catalog.quote_literal(grain)),
        '{STEP}', pg_catalog.quote_literal(CASE WHEN grain OPERATOR(pg_catalog.=) 'quarter' THEN '3 months'
                                                ELSE '1 ' OPERATOR(pg_catalog.||) grain END) OPERATOR(pg_catalog.||) '::pg_catalog.interval'),
        '{S}', CASE WHEN by_segment THEN 'segment, ' ELSE '' END)
$$;
COMMENT ON FUNCTION @extschema@.kpi_expand(text, text, boolean) IS 'csmetrics internal: fills in the grain and segment tokens of a view template';

-- Creates one KPI view (or materialized view with its unique index), comments it and every
-- column, checks that every column has a BI-friendly built-in type, and records it.
CREATE FUNCTION @extschema@.kpi_create_view(target_schema name, view_name text, query text, keys text[],
                                            description text, grain text, materialized boolean)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qname text := format('%I.%I', target_schema, view_name);
    relid oid;
    col record;
    note text;
BEGIN
    IF to_regclass(qname) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists and was not created by csmetrics', quote_ident(target_schema), quote_ident(view_name)
            USING ERRCODE = '42P07', HINT = 'Drop or rename it, or create the KPI views in another schema.';
    END IF;
    -- Rows come out in key order, as a reader of SELECT * expects.
    query := format('SELECT * FROM (%s) AS kpi ORDER BY %s', query, (SELECT string_agg(quote_ident(k), ', ') FROM unnest(keys) k));
    IF materialized THEN
        EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s WITH DATA', qname, query);
        EXECUTE format('CREATE UNIQUE INDEX %I ON %s (%s)', view_name || '_key', qname,
                       (SELECT string_agg(quote_ident(k), ', ') FROM unnest(keys) k));
        EXECUTE format('COMMENT ON MATERIALIZED VIEW %s IS %L', qname, description);
    ELSE
        EXECUTE format('CREATE VIEW %s AS %s', qname, query);
        EXECUTE format('COMMENT ON VIEW %s IS %L', qname, description);
    END IF;
    relid := qname::regclass;
    FOR col IN SELECT a.attname, a.atttypid FROM pg_attribute a
               WHERE a.attrelid = relid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LOOP
        IF col.atttypid NOT IN ('int8'::regtype, 'numeric'::regtype, 'float8'::regtype, 'date'::regtype,
                                'timestamptz'::regtype, 'text'::regtype) THEN
            RAISE EXCEPTION 'column %.% has type %, not a BI-friendly built-in type', qname, col.attname, format_type(col.atttypid, NULL);
        END IF;
        note := @extschema@.kpi_column_comment(col.attname, grain);
        IF note IS NULL THEN
            RAISE EXCEPTION 'no description for column %.%', qname, col.attname;
        END IF;
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', qname, col.attname, note);
    END LOOP;
    INSERT INTO @extschema@.kpi_views (target_schema, view_name, materialized, grain, position)
    VALUES (target_schema, view_name, materialized, grain,
            (SELECT coalesce(max(v.position), 0) + 1 FROM @extschema@.kpi_views v WHERE v.target_schema = kpi_create_view.target_schema));
    RETURN qname;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_create_view(name, text, text, text[], text, text, boolean) IS 'csmetrics internal: creates, comments, checks and records one KPI view';

-- The start of every period from first_period to last_period. Not inlined, and declared to
-- return a few dozen rows: generate_series() is estimated at 1000 rows, which makes the
-- planner expect millions of customer-periods and switch on JIT compilation for a query that
-- takes milliseconds.
CREATE FUNCTION @extschema@.kpi_periods(first_period date, last_period date, step interval)
RETURNS SETOF timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 48
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT pg_catalog.generate_series(first_period::pg_catalog.timestamptz, last_period::pg_catalog.timestamptz, step);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_periods(date, date, interval) IS 'csmetrics internal: period starts for the KPI views (a set-returning function with a realistic row estimate)';

-- Creates one KPI view from a template when its sources are registered and the csmetrics
-- functions it calls are installed; otherwise says (NOTICE) why it is skipped. Returns the
-- qualified view name, or NULL when skipped.
CREATE FUNCTION @extschema@.kpi_try_view(target_schema name, view_name text, needs text[], functions text[],
                                         available text[], template text, keys text[], description text,
                                         grain text, materialized boolean, by_segment boolean)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    missing text;
    kinds text[];
BEGIN
    SELECT string_agg(k, ', ') INTO missing FROM unnest(needs) k WHERE NOT k = ANY (available);
    IF missing IS NOT NULL THEN
        RAISE NOTICE 'skipping %.%: no valid % source registered', quote_ident(target_schema), quote_ident(view_name), missing;
        RETURN NULL;
    END IF;
    SELECT string_agg(f, ', ') INTO missing FROM unnest(functions) f
    WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.proname = f AND p.pronamespace = '@extschema@'::regnamespace);
    IF missing IS NOT NULL THEN
        RAISE NOTICE 'skipping %.%: csmetrics function % not installed', quote_ident(target_schema), quote_ident(view_name), missing;
        RETURN NULL;
    END IF;
    kinds := needs;
    IF 'customers' = ANY (available) AND NOT 'customers' = ANY (kinds) THEN
        kinds := 'customers'::text || kinds;
    END IF;
    RETURN @extschema@.kpi_create_view(target_schema, view_name,
        replace(@extschema@.kpi_expand(template, grain, by_segment), '{WITH}', 'WITH ' || @extschema@.kpi_source_ctes(kinds) || ','),
        CASE WHEN by_segment THEN 'segment'::text || keys ELSE keys END,
        description, grain, materialized);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_try_view(name, text, text[], text[], text[], text, text[], text, text, boolean, boolean) IS 'csmetrics internal: creates one KPI view if its sources and functions are there, else says why not';

-- Writes every KPI view whose sources are registered into target_schema, replacing the
-- views an earlier call made there, all in the caller's transaction.
CREATE FUNCTION @extschema@.create_kpi_views(target_schema name DEFAULT 'kpi', grain text DEFAULT 'month',
                                             materialized boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    available text[] := '{}';
    has_segment boolean;
    src record;
    old record;
    made text[] := '{}';
    v text;
    seg boolean;
    sfx text;
    t_spans text;
    t_bounds text;
    t_periods text;
    t_mrr text;
    t_moves text;
    t_survey text;
    body text;
    parts text[];
    cols text[];
    asof text[];
    k text;
    m record;
    problem text;
BEGIN
    IF grain IS NULL OR grain NOT IN ('day', 'week', 'month', 'quarter') THEN
        RAISE EXCEPTION 'invalid grain "%"', grain USING ERRCODE = '22023', DETAIL = 'The grain must be day, week, month or quarter.';
    END IF;
    IF target_schema IS NULL OR target_schema = '' OR target_schema IN ('@extschema@', 'pg_catalog', 'information_schema') OR target_schema LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'cannot create KPI views in schema %', coalesce(quote_ident(target_schema), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'Choose a schema of your own, such as kpi.';
    END IF;
    IF to_regnamespace(quote_ident(target_schema)) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %I', target_schema);
    END IF;

    -- Drop what an earlier call made here, newest first; all in this one transaction, so
    -- readers see either the old views or the new ones.
    FOR old IN SELECT v.view_name, c.relkind FROM @extschema@.kpi_views v
               LEFT JOIN pg_class c ON c.relname = v.view_name AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = v.target_schema)
               WHERE v.target_schema = create_kpi_views.target_schema ORDER BY v.position DESC LOOP
        IF old.relkind = 'v' THEN
            EXECUTE format('DROP VIEW %I.%I', target_schema, old.view_name);
        ELSIF old.relkind = 'm' THEN
            EXECUTE format('DROP MATERIALIZED VIEW %I.%I', target_schema, old.view_name);
        END IF;
    END LOOP;
    DELETE FROM @extschema@.kpi_views v WHERE v.target_schema = create_kpi_views.target_schema;

    -- Sources that are registered and still valid (the relation or a column may be gone).
    FOR src IN SELECT s.* FROM @extschema@.sources s ORDER BY s.kind LOOP
        BEGIN
            PERFORM @extschema@.kpi_check_source(src.kind, src.relation, src.relation::text, src.columns);
            available := available || src.kind;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS problem = PG_EXCEPTION_DETAIL;
            RAISE NOTICE 'the % source is no longer valid, its views are skipped: %', src.kind, problem;
        END;
    END LOOP;
    has_segment := 'customers' = ANY (available)
                   AND (SELECT s.columns ? 'segment' FROM @extschema@.sources s WHERE s.kind = 'customers');

    -- Shared pieces. A customer's spans are its subscriptions merged where they overlap or
    -- touch (SPEC §3); a new span starts where a subscription starts after every earlier one ended.
    t_spans := $t$
spans AS (
    SELECT customer_id, segment, min(started_at) AS started_at,
           CASE WHEN bool_or(ended_at IS NULL) THEN NULL ELSE max(ended_at) END AS ended_at
    FROM (SELECT a.*, count(*) FILTER (WHERE a.starts_span)
                          OVER (PARTITION BY a.customer_id ORDER BY a.started_at, a.ended_at NULLS LAST ROWS UNBOUNDED PRECEDING) AS span_no
          FROM (SELECT s.customer_id, s.segment, s.started_at, s.ended_at,
                       coalesce(s.started_at > max(coalesce(s.ended_at, 'infinity'))
                                OVER (PARTITION BY s.customer_id ORDER BY s.started_at, s.ended_at NULLS LAST
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS starts_span
                FROM subscriptions s) a) b
    GROUP BY customer_id, segment, span_no)$t$;
    t_bounds := $t$
bounds AS (
    SELECT r.first_period, r.last_period,
           (SELECT count(*)::int FROM generate_series(r.first_period::timestamptz, r.last_period::timestamptz, {STEP})) AS periods
    -- up to the last change, but never past the current period: a scheduled cancellation or
    -- a contract end date in the future is not yet a KPI
    FROM (SELECT date_trunc({G}, min(started_at))::date AS first_period,
                 least(date_trunc({G}, max(greatest(started_at, ended_at))),
                       date_trunc({G}, now()))::date AS last_period
          FROM subscriptions) r
    WHERE r.first_period <= r.last_period)$t$;
    t_periods := $t$
periods AS (
    SELECT p::date AS {P}, p AS period_start, p + {STEP} AS period_end
    FROM bounds b, @extschema@.kpi_periods(b.first_period, b.last_period, {STEP}) AS p)$t$;
    -- MRR of a customer for a period: its subscriptions in force at the period end (SPEC §3);
    -- then one row per customer and period from its first paying period on, without gaps.
    t_mrr := $t$
customer_mrr AS (
    SELECT s.customer_id, s.segment, p.{P}, sum(s.mrr) AS mrr
    FROM periods p JOIN subscriptions s
      ON s.started_at < p.period_end AND (s.ended_at IS NULL OR s.ended_at >= p.period_end)
    GROUP BY s.customer_id, s.segment, p.{P})$t$;
    t_moves := $t$
grid AS (
    SELECT c.customer_id, c.segment, p.{P}
    FROM (SELECT customer_id, segment, min({P}) AS first_paid FROM customer_mrr WHERE mrr > 0 GROUP BY customer_id, segment) c
    JOIN periods p ON p.{P} >= c.first_paid),
movements AS (
    SELECT g.customer_id, g.segment, g.{P}, coalesce(m.mrr, 0) AS mrr,
           coalesce(lag(coalesce(m.mrr, 0)) OVER w, 0) AS previous_mrr,
           coalesce(bool_or(coalesce(m.mrr, 0) > 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS seen_before,
           @extschema@.mrr_movement(coalesce(m.mrr, 0)) OVER w AS movement
    FROM grid g LEFT JOIN customer_mrr m ON m.customer_id = g.customer_id AND m.{P} = g.{P}
    WINDOW w AS (PARTITION BY g.customer_id ORDER BY g.{P}))$t$;
    -- Survey rows of one survey (the %L), by period.
    t_survey := $t$ q AS (
    SELECT {S}date_trunc({G}, responded_at)::date AS {P}, @extschema@.%s(score::int) AS s
    FROM survey_responses WHERE coalesce(lower(survey), 'nps') = %L
    GROUP BY {S}{P})
SELECT {S}{P}, $t$;

    FOREACH seg IN ARRAY CASE WHEN has_segment THEN ARRAY[false, true] ELSE ARRAY[false] END LOOP
        sfx := CASE WHEN seg THEN '_by_segment' ELSE '' END;

        -- NPS and eNPS: the same computation over customer and employee answers.
        FOR m IN SELECT * FROM (VALUES ('nps', 'Net Promoter Score'),
                                       ('enps', 'Employee NPS (survey enps)')) AS t(survey, label) LOOP
            made := made || @extschema@.kpi_try_view(target_schema, m.survey || '_by_' || grain || sfx, '{survey_responses}',
                '{nps_summary,responses,promoters,passives,detractors,nps,nps_ci_lower,nps_ci_upper}', available,
                '{WITH}' || format(t_survey, 'nps_summary', m.survey) || $t$
       @extschema@.responses(s)::bigint AS responses, @extschema@.promoters(s)::bigint AS promoters,
       @extschema@.passives(s)::bigint AS passives, @extschema@.detractors(s)::bigint AS detractors,
       @extschema@.nps(s)::float8 AS nps, @extschema@.nps_ci_lower(s, 0.95)::float8 AS nps_ci_lower,
       @extschema@.nps_ci_upper(s, 0.95)::float8 AS nps_ci_upper
FROM q$t$, ARRAY[grain], m.label || ' by ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END || ', with its 95% confidence interval',
                grain, materialized, seg);
        END LOOP;

        made := made || @extschema@.kpi_try_view(target_schema, 'csat_by_' || grain || sfx, '{survey_responses}',
            '{csat_summary,responses,csat,mean_score}', available,
            '{WITH}' || format(t_survey, 'csat_summary', 'csat') || $t$
       @extschema@.responses(s)::bigint AS responses, @extschema@.csat(s)::float8 AS csat,
       @extschema@.mean_score(s)::float8 AS mean_score
FROM q$t$, ARRAY[grain], 'Customer satisfaction (CSAT, top-two-box on 1..5) by ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END,
            grain, materialized, seg);

        made := made || @extschema@.kpi_try_view(target_schema, 'ces_by_' || grain || sfx, '{survey_responses}',
            '{ces_summary,responses,ces,share_at_least}', available,
            '{WITH}' || format(t_survey, 'ces_summary', 'ces') || $t$
       @extschema@.responses(s)::bigint AS responses, @extschema@.ces(s)::float8 AS ces,
       @extschema@.share_at_least(s, 5)::float8 AS ces_agreement
FROM q$t$, ARRAY[grain], 'Customer effort score (CES 2.0, 1..7) by ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END,
            grain, materialized, seg);

        made := made || @extschema@.kpi_try_view(target_schema, 'customer_flow_by_' || grain || sfx, '{subscriptions}',
            '{customer_flows,churn_rate,retention_rate}', available,
            '{WITH}' || t_spans || ',' || t_bounds || $t$
SELECT {S}f.period_start::date AS {P}, f.customers_start::bigint AS customers_start, f.new_customers::bigint AS new_customers,
       f.lost_customers::bigint AS lost_customers, f.lost_new_customers::bigint AS lost_new_customers,
       f.customers_end::bigint AS customers_end,
       @extschema@.churn_rate(f)::float8 AS churn_rate, @extschema@.retention_rate(f)::float8 AS retention_rate
FROM (SELECT {S}@extschema@.customer_flows(sp.started_at, sp.ended_at, b.first_period::timestamptz, {STEP}, b.periods) AS flows
      FROM spans sp CROSS JOIN bounds b
      GROUP BY {S}b.first_period, b.periods) q
CROSS JOIN LATERAL unnest(q.flows) AS f$t$, ARRAY[grain],
            'Customers at start and end, new and lost customers, churn and retention rate by ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END || ' (from subscriptions merged into customer spans)',
            grain, materialized, seg);

        IF NOT seg THEN
            made := made || @extschema@.kpi_try_view(target_schema, 'customer_mrr_movements', '{subscriptions}',
                '{mrr_movement}', available,
                '{WITH}' || t_bounds || ',' || t_periods || ',' || t_mrr || ',' || t_moves || $t$
SELECT customer_id, {S}{P}, previous_mrr, mrr, mrr - previous_mrr AS mrr_change, movement
FROM movements WHERE movement IS NOT NULL$t$, ARRAY['customer_id', grain],
                'MRR of each customer at the end of each ' || grain || ' and its movement class (new, expansion, contraction, churn, reactivation, unchanged)',
                grain, materialized, has_segment);
        END IF;

        made := made || @extschema@.kpi_try_view(target_schema, 'mrr_by_' || grain || sfx, '{subscriptions}',
            '{mrr_movement,mrr_movements,nrr,grr,quick_ratio,net_new_mrr,arpa}', available,
            '{WITH}' || t_bounds || ',' || t_periods || ',' || t_mrr || ',' || t_moves || $t$
SELECT {S}{P}, (q.m).ending_mrr::numeric AS mrr, (q.m).starting_mrr::numeric AS starting_mrr,
       (q.m).new_mrr::numeric AS new_mrr, (q.m).expansion_mrr::numeric AS expansion_mrr,
       (q.m).contraction_mrr::numeric AS contraction_mrr, (q.m).churned_mrr::numeric AS churned_mrr,
       (q.m).reactivation_mrr::numeric AS reactivation_mrr, @extschema@.net_new_mrr(q.m)::numeric AS net_new_mrr,
       @extschema@.nrr(q.m)::float8 AS nrr, @extschema@.grr(q.m)::float8 AS grr,
       @extschema@.quick_ratio(q.m)::float8 AS quick_ratio, (q.m).customers_end::bigint AS paying_customers,
       @extschema@.arpa(q.m)::numeric AS arpa
FROM (SELECT {S}{P}, @extschema@.mrr_movements(previous_mrr, mrr, seen_before) AS m
      FROM movements GROUP BY {S}{P}) q$t$, ARRAY[grain],
            'MRR and its movements, NRR, GRR, quick ratio and ARPA by ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END || ' (MRR = subscriptions in force at the period end)',
            grain, materialized, seg);

        made := made || @extschema@.kpi_try_view(target_schema, 'support_by_' || grain || sfx, '{tickets}', '{}', available, $t$
{WITH} opened AS (
    SELECT {S}date_trunc({G}, opened_at)::date AS {P}, count(*) AS tickets_opened
    FROM tickets GROUP BY {S}{P}),
resolved AS (
    SELECT {S}date_trunc({G}, resolved_at)::date AS {P}, count(*) AS tickets_resolved,
           count(*) FILTER (WHERE coalesce(first_contact_resolved, contacts <= 1)) AS first_contact_resolutions,
           count(coalesce(first_contact_resolved, contacts <= 1)) AS with_contact_data,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)::float8 / 3600) AS median_resolution_hours
    FROM tickets WHERE resolved_at IS NOT NULL GROUP BY {S}{P})
SELECT {S}{P}, coalesce(o.tickets_opened, 0) AS tickets_opened, coalesce(r.tickets_resolved, 0) AS tickets_resolved,
       coalesce(r.first_contact_resolutions, 0) AS first_contact_resolutions,
       r.first_contact_resolutions::float8 / nullif(r.with_contact_data, 0) AS fcr, r.median_resolution_hours
FROM opened o FULL JOIN resolved r USING ({S}{P})$t$, ARRAY[grain],
            'Support tickets opened and resolved, first contact resolution and median resolution time by ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END,
            grain, materialized, seg);

        made := made || @extschema@.kpi_try_view(target_schema, 'renewals_by_' || grain || sfx, '{renewals}', '{}', available, $t$
{WITH} q AS (
    SELECT {S}date_trunc({G}, due_at)::date AS {P}, count(*) AS renewals_due, count(*) FILTER (WHERE renewed) AS renewed,
           sum(amount) AS amount_due, sum(CASE WHEN renewed THEN amount ELSE 0 END) AS amount_renewed
    FROM renewals GROUP BY {S}{P})
SELECT {S}{P}, renewals_due, renewed, renewed::float8 / nullif(renewals_due, 0) AS renewal_rate,
       amount_due, amount_renewed, (amount_renewed / nullif(amount_due, 0))::float8 AS renewal_rate_value
FROM q$t$, ARRAY[grain],
            'Renewal rate by count and by value, by the ' || grain || ' the contracts were due' || CASE WHEN seg THEN ' and segment' ELSE '' END,
            grain, materialized, seg);

        made := made || @extschema@.kpi_try_view(target_schema, 'trials_by_' || grain || sfx, '{trials}', '{}', available, $t$
{WITH} q AS (
    SELECT {S}date_trunc({G}, started_at)::date AS {P}, count(*) AS trials_started, count(converted_at) AS trials_converted,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM converted_at - started_at)::float8 / 86400) AS median_days_to_convert
    FROM trials GROUP BY {S}{P})
SELECT {S}{P}, trials_started, trials_converted, trials_converted::float8 / nullif(trials_started, 0) AS conversion_rate,
       median_days_to_convert
FROM q$t$, ARRAY[grain],
            'Trial-to-paid conversion of the trials started in each ' || grain || CASE WHEN seg THEN ' and segment' ELSE '' END || ', and median days to convert',
            grain, materialized, seg);

        made := made || @extschema@.kpi_try_view(target_schema, 'time_to_value_by_' || grain || sfx, '{subscriptions,usage_events}', '{}', available, $t$
{WITH} firsts AS (
    SELECT customer_id, segment, min(started_at) AS started_at FROM subscriptions GROUP BY customer_id, segment),
value AS (
    SELECT f.customer_id, f.segment, f.started_at, min(u.occurred_at) AS first_value_at
    FROM firsts f LEFT JOIN usage_events u ON u.customer_id = f.customer_id AND u.occurred_at >= f.started_at
    GROUP BY f.customer_id, f.segment, f.started_at)
SELECT {S}date_trunc({G}, started_at)::date AS {P}, count(*) AS customers_started, count(first_value_at) AS customers_reaching_value,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_value_at - started_at)::float8 / 86400) AS median_days_to_first_value
FROM value GROUP BY {S}{P}$t$, ARRAY[grain],
            'Time to first value: days from a customer''s first subscription to its first usage event, by the ' || grain || ' it started' || CASE WHEN seg THEN ' and segment' ELSE '' END,
            grain, materialized, seg);
    END LOOP;

    -- Lifetime value, per segment and for all customers ('(all)'); always monthly, because
    -- LTV = monthly ARPA / monthly churn.
    body := $t$
lspans AS (SELECT '(all)'::text AS segment, started_at, ended_at FROM spans$t$
        || CASE WHEN has_segment THEN ' UNION ALL SELECT segment, started_at, ended_at FROM spans' ELSE '' END || $t$),
lmrr AS (SELECT '(all)'::text AS segment, month, mrr FROM customer_mrr$t$
        || CASE WHEN has_segment THEN ' UNION ALL SELECT segment, month, mrr FROM customer_mrr' ELSE '' END || $t$),
segs AS (SELECT DISTINCT segment FROM lspans),
last AS (SELECT max(month) AS month, max(period_end) AS data_end FROM periods),
arpa AS (
    SELECT m.segment, count(*) FILTER (WHERE m.mrr > 0) AS paying_customers,
           sum(m.mrr) / nullif(count(*) FILTER (WHERE m.mrr > 0), 0) AS arpa
    FROM lmrr m JOIN last l ON m.month = l.month GROUP BY m.segment),
churn AS (
    SELECT q.segment, avg(@extschema@.churn_rate(f)) AS churn_rate, sum(f.new_customers) AS new_customers,
           max(f.customers_end) FILTER (WHERE f.period_start::date = l.month) AS customers
    FROM (SELECT sp.segment, @extschema@.customer_flows(sp.started_at, sp.ended_at, b.first_period::timestamptz, {STEP}, b.periods) AS flows
          FROM lspans sp CROSS JOIN bounds b GROUP BY sp.segment, b.first_period, b.periods) q
    CROSS JOIN LATERAL unnest(q.flows) AS f CROSS JOIN last l
    WHERE f.period_start::date > (l.month - '12 months'::interval)::date
    GROUP BY q.segment),
tenures AS (
    SELECT sp.segment, (extract(year FROM age(coalesce(sp.ended_at, l.data_end), sp.started_at)) * 12
                        + extract(month FROM age(coalesce(sp.ended_at, l.data_end), sp.started_at)))::int AS tenure,
           sp.ended_at IS NOT NULL AS churned
    FROM lspans sp CROSS JOIN last l),
km AS (
    SELECT t.segment, @extschema@.expected_lifetime(@extschema@.survival_summary(t.tenure, t.churned)) AS expected_lifetime,
           @extschema@.ltv(a.arpa, t.tenure, t.churned) AS ltv_km
    FROM tenures t JOIN arpa a ON a.segment = t.segment GROUP BY t.segment),
cost AS ($t$
        || CASE WHEN 'costs' = ANY (available) THEN $t$
    SELECT sum(c.amount) FILTER (WHERE c.kind = 'success') AS success, sum(c.amount) FILTER (WHERE c.kind = 'acquisition') AS acquisition
    FROM costs c CROSS JOIN last l
    WHERE c.incurred_at >= (l.month - '11 months'::interval) AND c.incurred_at < l.data_end$t$
           ELSE ' SELECT NULL::numeric AS success, NULL::numeric AS acquisition' END || $t$),
base AS (
    SELECT s.segment, coalesce(a.paying_customers, 0) AS paying_customers, a.arpa, ch.churn_rate,
           @extschema@.ltv(a.arpa, ch.churn_rate) AS ltv, k.expected_lifetime, k.ltv_km,
           co.success / 12 / nullif(o.customers, 0) AS crc, co.acquisition / nullif(o.new_customers, 0) AS cac
    FROM segs s LEFT JOIN arpa a ON a.segment = s.segment LEFT JOIN churn ch ON ch.segment = s.segment
    LEFT JOIN km k ON k.segment = s.segment CROSS JOIN cost co LEFT JOIN churn o ON o.segment = '(all)')
SELECT segment, paying_customers, arpa, churn_rate::float8 AS churn_rate,
       -- money to the cent: the float churn rate and lifetime leave noise in further digits
       round(ltv::numeric, 2) AS ltv,
       expected_lifetime::float8 AS expected_lifetime, round(ltv_km::numeric, 2) AS ltv_km, crc, cac,
       (arpa / nullif(crc, 0))::float8 AS ltv_to_crc, (ltv / nullif(cac, 0))::float8 AS ltv_to_cac
FROM base$t$;
    made := made || @extschema@.kpi_try_view(target_schema, 'ltv',
        CASE WHEN 'costs' = ANY (available) THEN '{subscriptions,costs}' ELSE '{subscriptions}' END::text[],
        '{customer_flows,churn_rate,ltv,survival_summary,expected_lifetime}', available,
        replace(replace('{WITH}' || t_spans || ',' || t_bounds || ',' || t_periods || ',' || t_mrr || ',' || body,
                        '{P}', 'month'), '{STEP}', '''1 month''::pg_catalog.interval'),
        '{segment}',
        'Lifetime value per segment and for all customers (segment (all)): ARPA at the latest month, average monthly churn of the last 12 months, LTV = ARPA / churn, Kaplan-Meier LTV, retention and acquisition cost',
        'month', materialized, false);

    -- Customer health: the measures of each current customer in the latest period and the one
    -- before, normalised and weighted by the model in csmetrics.health_measures. The latest
    -- period is that of the latest event (usage, answer, ticket, invoice due); subscription
    -- end dates may lie in the future and do not count.
    parts := ARRAY(SELECT u.kind FROM unnest(ARRAY['usage_events', 'survey_responses', 'tickets', 'invoices']) AS u(kind) WHERE u.kind = ANY (available));
    IF NOT 'customers' = ANY (available) OR cardinality(parts) = 0 THEN
        RAISE NOTICE 'skipping %.customer_health: it needs customers and at least one of usage_events, survey_responses, tickets, invoices',
            quote_ident(target_schema);
    ELSE
        body := '{WITH} model AS (SELECT ';
        FOREACH k IN ARRAY ARRAY['usage', 'nps', 'support', 'billing'] LOOP
            body := body || format($t$coalesce(max(weight) FILTER (WHERE measure = %1$L), 0) AS %1$s_weight,
       coalesce(bool_or(higher_is_better) FILTER (WHERE measure = %1$L), true) AS %1$s_higher,
       max(normalization) FILTER (WHERE measure = %1$L) AS %1$s_norm,
       max(lower_bound) FILTER (WHERE measure = %1$L) AS %1$s_lo, max(upper_bound) FILTER (WHERE measure = %1$L) AS %1$s_hi, $t$, k);
        END LOOP;
        body := body || $t$true AS ok FROM @extschema@.health_measures),
asof AS (SELECT date_trunc({G}, greatest($t$
            || array_to_string(ARRAY(SELECT CASE u.kind
                    WHEN 'usage_events' THEN '(SELECT max(occurred_at) FROM usage_events)'
                    WHEN 'survey_responses' THEN '(SELECT max(responded_at) FROM survey_responses)'
                    WHEN 'tickets' THEN '(SELECT max(opened_at) FROM tickets)'
                    ELSE '(SELECT max(due_at) FROM invoices)' END
                FROM unnest(parts) AS u(kind)), ', ')
            || $t$))::date AS current_period),
periods AS (
    SELECT p.{P}, p.{P}::timestamptz AS period_start, (p.{P} + {STEP})::timestamptz AS period_end, p.{P} = a.current_period AS is_current
    FROM asof a CROSS JOIN LATERAL (VALUES (a.current_period), ((a.current_period - {STEP})::date)) AS p({P})
    WHERE a.current_period IS NOT NULL),
scope AS (
    SELECT c.customer_id, c.name, c.segment, p.{P}, p.period_start, p.period_end, p.is_current
    FROM customers c CROSS JOIN periods p$t$
            || CASE WHEN 'subscriptions' = ANY (available) THEN $t$
    WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.customer_id AND s.started_at < p.period_end
                    AND (s.ended_at IS NULL OR s.ended_at >= p.period_end))$t$ ELSE '' END || ')';
        IF 'usage_events' = ANY (available) THEN
            body := body || $t$,
usage_m AS (
    SELECT u.customer_id, p.{P}, sum(coalesce(u.quantity, 1))::float8 AS usage
    FROM usage_events u JOIN periods p ON u.occurred_at >= p.period_start AND u.occurred_at < p.period_end
    GROUP BY u.customer_id, p.{P})$t$;
        END IF;
        IF 'survey_responses' = ANY (available) THEN
            body := body || $t$,
nps_m AS (
    SELECT DISTINCT ON (r.customer_id, p.{P}) r.customer_id, p.{P}, r.score::float8 AS nps_answer
    FROM survey_responses r JOIN periods p ON r.responded_at < p.period_end AND r.responded_at >= p.period_end - '1 year'::interval
    WHERE coalesce(lower(r.survey), 'nps') = 'nps'
    ORDER BY r.customer_id, p.{P}, r.responded_at DESC)$t$;
        END IF;
        IF 'tickets' = ANY (available) THEN
            body := body || $t$,
support_m AS (
    SELECT t.customer_id, p.{P}, count(*) AS tickets
    FROM tickets t JOIN periods p ON t.opened_at >= p.period_start AND t.opened_at < p.period_end
    GROUP BY t.customer_id, p.{P})$t$;
        END IF;
        IF 'invoices' = ANY (available) THEN
            body := body || $t$,
billing_m AS (
    SELECT i.customer_id, p.{P},
           avg(greatest(0, extract(epoch FROM least(coalesce(i.paid_at, p.period_end), p.period_end) - i.due_at)::float8 / 86400)) AS days_late
    FROM invoices i JOIN periods p ON i.due_at < p.period_end AND i.due_at >= p.period_end - '1 year'::interval
    GROUP BY i.customer_id, p.{P})$t$;
        END IF;
        body := body || $t$,
raw AS (
    SELECT s.*, $t$
            || CASE WHEN 'usage_events' = ANY (available) THEN 'coalesce(um.usage, 0)' ELSE 'NULL::float8' END || ' AS usage, '
            || CASE WHEN 'survey_responses' = ANY (available) THEN 'nm.nps_answer' ELSE 'NULL::float8' END || ' AS nps_answer, '
            || CASE WHEN 'tickets' = ANY (available) THEN 'coalesce(tm.tickets, 0)' ELSE 'NULL::bigint' END || ' AS tickets, '
            || CASE WHEN 'invoices' = ANY (available) THEN 'bm.days_late' ELSE 'NULL::float8' END || ' AS days_late'
            || E'\n    FROM scope s'
            || CASE WHEN 'usage_events' = ANY (available) THEN ' LEFT JOIN usage_m um ON um.customer_id = s.customer_id AND um.{P} = s.{P}' ELSE '' END
            || CASE WHEN 'survey_responses' = ANY (available) THEN ' LEFT JOIN nps_m nm ON nm.customer_id = s.customer_id AND nm.{P} = s.{P}' ELSE '' END
            || CASE WHEN 'tickets' = ANY (available) THEN ' LEFT JOIN support_m tm ON tm.customer_id = s.customer_id AND tm.{P} = s.{P}' ELSE '' END
            || CASE WHEN 'invoices' = ANY (available) THEN ' LEFT JOIN billing_m bm ON bm.customer_id = s.customer_id AND bm.{P} = s.{P}' ELSE '' END
            || $t$),
normed AS (
    SELECT r.*$t$;
        FOREACH k IN ARRAY ARRAY['usage:usage', 'nps:nps_answer', 'support:tickets', 'billing:days_late'] LOOP
            body := body || format($t$,
           CASE WHEN md.%1$s_norm = 'rank'
                THEN @extschema@.health_score_ranked(ARRAY[r.%2$s::float8], ARRAY[1::float8], ARRAY[md.%1$s_higher]) OVER (PARTITION BY r.{P})
                ELSE @extschema@.health_normalize(r.%2$s::float8, md.%1$s_lo, md.%1$s_hi, md.%1$s_higher) END AS %1$s_health$t$,
                split_part(k, ':', 1), split_part(k, ':', 2));
        END LOOP;
        body := body || $t$
    FROM raw r CROSS JOIN model md),
scored AS (
    SELECT n.*, @extschema@.health_score(ARRAY[n.usage_health, n.nps_health, n.support_health, n.billing_health],
                                         ARRAY[md.usage_weight, md.nps_weight, md.support_weight, md.billing_weight]) AS health_score
    FROM normed n CROSS JOIN model md)
SELECT c.customer_id, c.name, c.segment, c.{P}, c.usage, c.nps_answer, c.tickets, c.days_late,
       c.usage_health, c.nps_health, c.support_health, c.billing_health, c.health_score::float8 AS health_score,
       @extschema@.health_band(c.health_score) AS health_band,
       @extschema@.health_quartile_band(c.health_score) OVER (PARTITION BY c.{P}) AS relative_band,
       p.health_score::float8 AS previous_health_score, (c.health_score - p.health_score)::float8 AS health_trend
FROM scored c LEFT JOIN scored p ON p.customer_id = c.customer_id AND NOT p.is_current
WHERE c.is_current$t$;
        made := made || @extschema@.kpi_try_view(target_schema, 'customer_health',
            ARRAY['customers'] || parts || CASE WHEN 'subscriptions' = ANY (available) THEN '{subscriptions}'::text[] ELSE '{}' END,
            '{health_score,health_normalize,health_score_ranked,health_band,health_quartile_band}', available,
            body, '{customer_id}',
            'Health of each current customer in the latest ' || grain || ': raw measures, measures on 0..100, weighted score (model: csmetrics.health_measures), band, quartile band and change against the previous ' || grain,
            grain, materialized, false);
    END IF;

    -- data_issues: every source row left out of the KPIs, once per problem.
    IF cardinality(available) = 0 THEN
        RAISE NOTICE 'skipping %.data_issues: no valid source registered', quote_ident(target_schema);
    ELSE
        parts := '{}';
        FOREACH k IN ARRAY available LOOP
            SELECT string_agg(format('(%L, %s)', c.problem, c.bad), ', ') INTO body
            FROM @extschema@.kpi_source_checks(k, 'customers' = ANY (available)) c;
            parts := parts || format('SELECT %L::text AS source, %L::text AS relation, %s AS customer_id, c.problem, x.source_row
    FROM (%s) AS x CROSS JOIN LATERAL (VALUES %s) AS c(problem, bad) WHERE c.bad',
                k, (SELECT s.relation::text FROM @extschema@.sources s WHERE s.kind = k),
                CASE WHEN k = 'costs' THEN 'NULL::text' ELSE 'x.customer_id' END,
                @extschema@.kpi_source_sql(k, true), body);
        END LOOP;
        made := made || @extschema@.kpi_create_view(target_schema, 'data_issues',
            CASE WHEN 'customers' = ANY (available) THEN 'WITH ' || @extschema@.kpi_source_ctes('{customers}') || ' ' ELSE '' END
            || 'SELECT row_number() OVER (ORDER BY i.source, i.problem, i.source_row, i.customer_id) AS issue_id, i.* FROM ('
            || array_to_string(parts, E'\n    UNION ALL ') || ') AS i',
            '{issue_id}',
            'Every source row left out of the KPIs, and why (one row per problem): nothing is dropped silently',
            grain, materialized);
    END IF;

    -- kpi_overview: one row with the latest value of each KPI, for dashboard number cards.
    -- Each source view is read once (its latest row, or for health one summary row) and every
    -- column taken from that row: over plain views, a subquery per column would compute the
    -- same view again for each of its columns.
    cols := '{}';
    asof := '{}';
    parts := '{}';      -- the WITH entries, one per source view
    FOR m IN SELECT * FROM (VALUES
            ('nps_by_' || grain, 'nps', 'nps'), ('nps_by_' || grain, 'nps_ci_lower', 'nps_ci_lower'),
            ('nps_by_' || grain, 'nps_ci_upper', 'nps_ci_upper'), ('enps_by_' || grain, 'nps', 'enps'),
            ('csat_by_' || grain, 'csat', 'csat'), ('ces_by_' || grain, 'ces', 'ces'),
            ('customer_flow_by_' || grain, 'customers_end', 'customers'),
            ('customer_flow_by_' || grain, 'churn_rate', 'churn_rate'),
            ('customer_flow_by_' || grain, 'retention_rate', 'retention_rate'),
            ('mrr_by_' || grain, 'mrr', 'mrr'), ('mrr_by_' || grain, 'net_new_mrr', 'net_new_mrr'),
            ('mrr_by_' || grain, 'nrr', 'nrr'), ('mrr_by_' || grain, 'grr', 'grr'),
            ('mrr_by_' || grain, 'quick_ratio', 'quick_ratio'), ('mrr_by_' || grain, 'arpa', 'arpa'),
            ('support_by_' || grain, 'fcr', 'fcr'), ('support_by_' || grain, 'median_resolution_hours', 'median_resolution_hours'),
            ('renewals_by_' || grain, 'renewal_rate', 'renewal_rate'),
            ('trials_by_' || grain, 'conversion_rate', 'trial_conversion_rate')) AS t(view_name, col, alias)
    LOOP
        CONTINUE WHEN format('%I.%I', target_schema, m.view_name) <> ALL (ARRAY(SELECT x FROM unnest(made) x WHERE x IS NOT NULL));
        k := format('%I', 'latest_' || m.view_name);
        IF NOT k = ANY (asof) THEN
            parts := parts || format('%s AS (SELECT * FROM %I.%I v ORDER BY v.%I DESC LIMIT 1)',
                                     k, target_schema, m.view_name, grain);
            asof := asof || k;
        END IF;
        cols := cols || format('%s.%I AS %I', k, m.col, m.alias);
    END LOOP;
    IF format('%I.%I', target_schema, 'ltv') = ANY (ARRAY(SELECT x FROM unnest(made) x WHERE x IS NOT NULL)) THEN
        parts := parts || format('latest_ltv AS (SELECT v.ltv, v.ltv_km FROM %I.ltv v WHERE v.segment = %L)',
                                 target_schema, '(all)');
        cols := cols || 'latest_ltv.ltv AS ltv'::text || 'latest_ltv.ltv_km AS ltv_km'::text;
    END IF;
    IF format('%I.%I', target_schema, 'customer_health') = ANY (ARRAY(SELECT x FROM unnest(made) x WHERE x IS NOT NULL)) THEN
        parts := parts || format('latest_health AS (SELECT avg(v.health_score)::float8 AS average_health_score, '
                                 'count(*) FILTER (WHERE v.health_band = %L) AS red_customers, max(v.%I) AS %I '
                                 'FROM %I.customer_health v)', 'red', grain, grain, target_schema);
        cols := cols || 'latest_health.average_health_score AS average_health_score'::text
                     || 'latest_health.red_customers AS red_customers'::text;
        asof := asof || 'latest_health'::text;
    END IF;
    IF cardinality(cols) = 0 THEN
        RAISE NOTICE 'skipping %.kpi_overview: no KPI view was created', quote_ident(target_schema);
    ELSE
        made := made || @extschema@.kpi_create_view(target_schema, 'kpi_overview',
            format('WITH %s SELECT coalesce(greatest(%s), %L::date) AS as_of, %s FROM (SELECT) AS one %s',
                   array_to_string(parts, ', '),
                   (SELECT string_agg(format('%s.%I', x, grain), ', ') FROM unnest(asof) x),
                   '-infinity', array_to_string(cols, ', '),
                   (SELECT string_agg(format('LEFT JOIN %s ON true', x), ' ')
                    FROM unnest(parts) p, LATERAL split_part(p, ' AS (', 1) x)),
            '{as_of}', 'One row: the latest value of each KPI (for dashboard number cards)', grain, materialized);
    END IF;

    PERFORM @extschema@.kpi_grant(to_regrole(quote_ident(r.role_name)), target_schema)
    FROM @extschema@.kpi_access r WHERE to_regrole(quote_ident(r.role_name)) IS NOT NULL;

    RETURN QUERY SELECT x FROM unnest(made) x WHERE x IS NOT NULL;
END $fn$;
COMMENT ON FUNCTION @extschema@.create_kpi_views(name, text, boolean) IS 'Creates (or atomically replaces) every KPI view whose sources are registered, in target_schema, by day, week, month or quarter, as plain or materialized views; says (NOTICE) which it skipped and why; returns the views made';

-- Grants a role read access to the KPI views of one schema (or of every schema).
CREATE FUNCTION @extschema@.kpi_grant(role regrole, target_schema name) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s name;
    v record;
BEGIN
    -- Only what still exists: a user may have dropped a KPI schema or view by hand.
    FOR s IN SELECT DISTINCT k.target_schema FROM @extschema@.kpi_views k
             JOIN pg_namespace ns ON ns.nspname = k.target_schema
             WHERE kpi_grant.target_schema IS NULL OR k.target_schema = kpi_grant.target_schema LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s', s, role);
    END LOOP;
    FOR v IN SELECT k.target_schema, k.view_name FROM @extschema@.kpi_views k
             JOIN pg_namespace ns ON ns.nspname = k.target_schema
             JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = k.view_name
             WHERE kpi_grant.target_schema IS NULL OR k.target_schema = kpi_grant.target_schema LOOP
        EXECUTE format('GRANT SELECT ON %I.%I TO %s', v.target_schema, v.view_name, role);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_grant(regrole, name) IS 'csmetrics internal: grants USAGE on the KPI schemas and SELECT on the KPI views';

-- Gives a role read access to every KPI view, now and after the views are re-created.
CREATE FUNCTION @extschema@.grant_kpi_access(role regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM @extschema@.kpi_grant(role, NULL);
    INSERT INTO @extschema@.kpi_access (role_name) VALUES ((SELECT rolname FROM pg_roles WHERE oid = role))
    ON CONFLICT DO NOTHING;
END $$;
COMMENT ON FUNCTION @extschema@.grant_kpi_access(regrole) IS 'Grants a (read-only BI) role USAGE on the KPI schemas and SELECT on every KPI view, now and whenever create_kpi_views() re-creates them; the role needs no access to the source tables';

-- Refreshes the materialized KPI views in dependency order, concurrently, so readers go on.
CREATE FUNCTION @extschema@.refresh_kpi_views(target_schema name DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
    started timestamptz;
    n bigint := 0;
BEGIN
    FOR v IN SELECT k.target_schema, k.view_name FROM @extschema@.kpi_views k
             JOIN pg_namespace ns ON ns.nspname = k.target_schema
             JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = k.view_name AND c.relkind = 'm'
             WHERE k.materialized AND (refresh_kpi_views.target_schema IS NULL OR k.target_schema = refresh_kpi_views.target_schema)
             ORDER BY k.target_schema, k.position LOOP
        started := clock_timestamp();
        EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', v.target_schema, v.view_name);
        RAISE NOTICE 'refreshed %.% in % ms', quote_ident(v.target_schema), quote_ident(v.view_name),
            round((extract(epoch FROM clock_timestamp() - started) * 1000)::numeric, 1);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.refresh_kpi_views(name) IS 'Refreshes every materialized KPI view (of one schema, or all) with REFRESH MATERIALIZED VIEW CONCURRENTLY, in dependency order; NOTICE per view with its time; returns how many were refreshed';

-- The schema of pg_cron's functions, or an error saying how to get pg_cron.
CREATE FUNCTION @extschema@.kpi_cron_schema() RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s name;
BEGIN
    -- pg_cron puts its functions in schema cron whatever its extension schema says, so look
    -- for the schedule() that belongs to the extension.
    SELECT n.nspname INTO s
    FROM pg_extension e
    JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
                    AND d.classid = 'pg_proc'::regclass
    JOIN pg_proc p ON p.oid = d.objid AND p.proname = 'schedule'
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE e.extname = 'pg_cron'
    LIMIT 1;
    IF s IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = '55000',
                  DETAIL = 'Scheduled refreshes of the KPI views use the pg_cron extension.',
                  HINT = format('Install the package postgresql-%s-cron, add pg_cron to shared_preload_libraries, set cron.database_name to this database, restart, and run CREATE EXTENSION pg_cron; or call csmetrics.refresh_kpi_views() from your own scheduler.',
                                current_setting('server_version_num')::int / 10000);
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_cron_schema() IS 'csmetrics internal: schema of the pg_cron extension, or a clear error when it is not installed';

-- Schedules refresh_kpi_views() with pg_cron, called dynamically (csmetrics does not require it).
CREATE FUNCTION @extschema@.schedule_kpi_refresh(schedule text) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    EXECUTE format('SELECT %I.schedule($1, $2, $3)', @extschema@.kpi_cron_schema())
        INTO job USING 'csmetrics_refresh_kpi_views', schedule, 'SELECT csmetrics.refresh_kpi_views()';
    RETURN job;
END $$;
COMMENT ON FUNCTION @extschema@.schedule_kpi_refresh(text) IS 'Schedules refresh_kpi_views() with pg_cron (cron syntax, e.g. ''0 3 * * *''; job name csmetrics_refresh_kpi_views, replaced when scheduled again); returns the job id. Clear error when pg_cron is not installed';

-- Removes the pg_cron job of schedule_kpi_refresh().
CREATE FUNCTION @extschema@.unschedule_kpi_refresh() RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    done boolean;
BEGIN
    EXECUTE format('SELECT %I.unschedule($1)', @extschema@.kpi_cron_schema()) INTO done USING 'csmetrics_refresh_kpi_views';
    RETURN done;
END $$;
COMMENT ON FUNCTION @extschema@.unschedule_kpi_refresh() IS 'Removes the pg_cron job made by schedule_kpi_refresh()';

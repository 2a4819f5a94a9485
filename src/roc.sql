-- roc: does a score predict churn? The ROC AUC of a score against a churned flag, exact with
-- ties counted half, and its storable summary roc_summary. C in src/roc.c.
-- roc_auc(score, churned) is the one-step aggregate; roc_summary(score, churned) keeps the
-- distinct scores with their retained and churned rows, rollup() merges stored summaries and
-- roc_auc(s) reads one. (An aggregate roc_auc(roc_summary) would clash with the accessor of
-- the same signature: roll up first, roc_auc(rollup(s)), as for churn_rate(rollup(flow)).)

CREATE TYPE @extschema@.roc_summary;

CREATE FUNCTION @extschema@.roc_summary_in(pg_catalog.cstring)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_in(pg_catalog.cstring) IS
'text input of roc_summary: v1 scores={...} retained={...} churned={...} (validated, canonical form only)';

CREATE FUNCTION @extschema@.roc_summary_out(@extschema@.roc_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'roc_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_out(@extschema@.roc_summary) IS
'text output of roc_summary: the distinct scores ascending, then the retained and the churned rows of each';

CREATE FUNCTION @extschema@.roc_summary_recv(pg_catalog.internal)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_recv(pg_catalog.internal) IS
'binary input of roc_summary (validated): version byte, int32 n, n float8 scores, n int64 retained, n int64 churned';

CREATE FUNCTION @extschema@.roc_summary_send(@extschema@.roc_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'roc_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_send(@extschema@.roc_summary) IS
'binary output of roc_summary: version byte, int32 n, n float8 scores, n int64 retained, n int64 churned';

CREATE TYPE @extschema@.roc_summary (
    INPUT = @extschema@.roc_summary_in,
    OUTPUT = @extschema@.roc_summary_out,
    RECEIVE = @extschema@.roc_summary_recv,
    SEND = @extschema@.roc_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.roc_summary IS
'storable ROC summary: every distinct score with its retained and churned rows; build with roc_summary(score, churned), merge with rollup, read with roc_auc';

CREATE FUNCTION @extschema@.roc_summary_eq(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'roc_summary_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_eq(@extschema@.roc_summary, @extschema@.roc_summary) IS
'true when two ROC summaries hold the same retained and churned rows at every score';

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.roc_summary,
    RIGHTARG = @extschema@.roc_summary,
    FUNCTION = @extschema@.roc_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=)
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.roc_summary, @extschema@.roc_summary) IS
'the same retained and churned rows at every score';

-- Accessors.
CREATE FUNCTION @extschema@.roc_auc(s @extschema@.roc_summary)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'roc_auc_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_auc(@extschema@.roc_summary) IS
'ROC AUC of a summary: P(a retained row scores higher than a churned row) + 1/2 P(equal scores); NULL when no row is retained or none churned';

CREATE FUNCTION @extschema@.customers(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customers(@extschema@.roc_summary) IS
'rows counted by a ROC summary, retained and churned';

CREATE FUNCTION @extschema@.retained(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_retained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retained(@extschema@.roc_summary) IS
'rows of a ROC summary that did not churn';

CREATE FUNCTION @extschema@.churned(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_churned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churned(@extschema@.roc_summary) IS
'rows of a ROC summary that churned';

-- Support functions. Not strict: the transitions make the state on the first row that has
-- a score and a flag, and skip rows without.
CREATE FUNCTION @extschema@.roc_summary_trans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_trans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'transition function of roc_auc(score, churned) and roc_summary(score, churned): counts one row';

CREATE FUNCTION @extschema@.roc_summary_mtrans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_mtrans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'moving-aggregate transition function of roc_auc(score, churned) and roc_summary(score, churned)';

CREATE FUNCTION @extschema@.roc_summary_inv(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_inv(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'moving-aggregate inverse of roc_summary_mtrans: uncounts a row that leaves the window frame';

CREATE FUNCTION @extschema@.roc_summary_combine(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_combine(@extschema@.roc_summary, @extschema@.roc_summary) IS
'combine function of the roc_summary aggregates and transition function of rollup(roc_summary): adds the second summary to the first';

CREATE FUNCTION @extschema@.roc_summary_rollup_mtrans(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_rollup_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_rollup_mtrans(@extschema@.roc_summary, @extschema@.roc_summary) IS
'moving-aggregate transition function of rollup(roc_summary)';

CREATE FUNCTION @extschema@.roc_summary_rollup_inv(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_rollup_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_rollup_inv(@extschema@.roc_summary, @extschema@.roc_summary) IS
'moving-aggregate inverse of rollup(roc_summary): subtracts a summary that leaves the window frame';

CREATE FUNCTION @extschema@.roc_summary_final(@extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_final(@extschema@.roc_summary) IS
'final function of roc_summary(score, churned) and rollup(roc_summary): the summary, or NULL when it counts no row';

-- Aggregates.
CREATE AGGREGATE @extschema@.roc_auc(score pg_catalog.float8, churned pg_catalog.bool) (
    SFUNC = @extschema@.roc_summary_trans, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_auc,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_mtrans, MINVFUNC = @extschema@.roc_summary_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_auc,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.roc_auc(pg_catalog.float8, pg_catalog.bool) IS
'ROC AUC of a score as a churn predictor: P(a retained row scores higher than a churned row) + 1/2 P(equal scores), exact; NULL when no row is retained or none churned';

CREATE AGGREGATE @extschema@.roc_summary(score pg_catalog.float8, churned pg_catalog.bool) (
    SFUNC = @extschema@.roc_summary_trans, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_summary_final,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_mtrans, MINVFUNC = @extschema@.roc_summary_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.roc_summary(pg_catalog.float8, pg_catalog.bool) IS
'roc_summary of (score, churned) rows, to store and roll up; NULL over no rows';

CREATE AGGREGATE @extschema@.rollup(s @extschema@.roc_summary) (
    SFUNC = @extschema@.roc_summary_combine, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_summary_final,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_rollup_mtrans, MINVFUNC = @extschema@.roc_summary_rollup_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.roc_summary) IS
'exact merge of ROC summaries (by period, segment...); NULL when they count no row';

-- kpi_score_ntiles(buckets, score, churned, tiebreak): internal to the health validation
-- views. The group's rows in order of score, then tiebreak (NULLs last), cut into ntiles as
-- ntile(buckets) cuts them, and for each ntile with rows its number, the roc_summary of its
-- rows and its lowest and highest score. Rows with a NULL score or churned flag are left
-- out, as roc_summary leaves them out. It keeps every row of the group (about 24 bytes each,
-- plus the tiebreak when it is passed by reference): no combine function.
CREATE TYPE @extschema@.kpi_score_ntile AS (
    ntile int,
    summary @extschema@.roc_summary,
    min_score float8,
    max_score float8
);
COMMENT ON TYPE @extschema@.kpi_score_ntile IS 'csmetrics internal: one ntile of the scores of a group (kpi_score_ntiles): its number, the roc_summary of its rows, its lowest and highest score';

CREATE FUNCTION @extschema@.kpi_score_ntiles_trans(pg_catalog.internal, pg_catalog.int4, pg_catalog.float8, pg_catalog.bool, anyelement)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_score_ntiles_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_score_ntiles_trans(pg_catalog.internal, pg_catalog.int4, pg_catalog.float8, pg_catalog.bool, anyelement) IS 'csmetrics internal: transition of kpi_score_ntiles (keeps each row)';

CREATE FUNCTION @extschema@.kpi_score_ntiles_final(pg_catalog.internal)
RETURNS @extschema@.kpi_score_ntile[]
AS 'MODULE_PATHNAME', 'kpi_score_ntiles_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_score_ntiles_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_score_ntiles (sorts the rows once and summarises each ntile)';

CREATE AGGREGATE @extschema@.kpi_score_ntiles(buckets pg_catalog.int4, score pg_catalog.float8, churned pg_catalog.bool, tiebreak anyelement) (
    SFUNC = @extschema@.kpi_score_ntiles_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_score_ntiles_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_score_ntiles(pg_catalog.int4, pg_catalog.float8, pg_catalog.bool, anyelement) IS 'csmetrics internal: the ntiles of a score over ORDER BY score, tiebreak (as ntile(buckets) cuts them), each with the roc_summary of its rows and its lowest and highest score';

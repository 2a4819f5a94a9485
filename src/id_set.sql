
-- ---------------------------------------------------------------------------------------
-- Known customers (src/id_set.c)
-- ---------------------------------------------------------------------------------------

-- kpi_id_set: a set of integer ids that is its own hash table. The clean relations of the
-- views test each row's customer against the set of the customers' ids, made once per scan
-- (an InitPlan), when those ids are integers: a probe into the value instead of the hash
-- table PostgreSQL builds for an EXISTS over the customers at every scan. A materialized
-- set stores it once (the helper customer_id_set) uncompressed (STORAGE external): writing it
-- then costs no compression, and each query reads it back once (kpi_id_set_contains keeps
-- what it read).
CREATE TYPE @extschema@.kpi_id_set;

CREATE FUNCTION @extschema@.kpi_id_set_in(pg_catalog.cstring)
RETURNS @extschema@.kpi_id_set
AS 'MODULE_PATHNAME', 'kpi_id_set_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_in(pg_catalog.cstring) IS 'text input of kpi_id_set (validated, versioned)';

CREATE FUNCTION @extschema@.kpi_id_set_out(@extschema@.kpi_id_set)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'kpi_id_set_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_out(@extschema@.kpi_id_set) IS 'text output of kpi_id_set; reads back exactly';

CREATE FUNCTION @extschema@.kpi_id_set_recv(pg_catalog.internal)
RETURNS @extschema@.kpi_id_set
AS 'MODULE_PATHNAME', 'kpi_id_set_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_recv(pg_catalog.internal) IS 'binary input of kpi_id_set (validated, versioned)';

CREATE FUNCTION @extschema@.kpi_id_set_send(@extschema@.kpi_id_set)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'kpi_id_set_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_send(@extschema@.kpi_id_set) IS 'binary output of kpi_id_set';

CREATE TYPE @extschema@.kpi_id_set (
    INPUT = @extschema@.kpi_id_set_in,
    OUTPUT = @extschema@.kpi_id_set_out,
    RECEIVE = @extschema@.kpi_id_set_recv,
    SEND = @extschema@.kpi_id_set_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.kpi_id_set IS 'csmetrics internal: a set of bigint ids stored as its own bitmap or hash table (made by kpi_id_set_agg, tested by kpi_id_set_contains); text form v1 ids={<id>,...}, ascending';

CREATE FUNCTION @extschema@.kpi_id_set_agg_trans(pg_catalog.internal, pg_catalog.int8)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_id_set_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_agg_trans(pg_catalog.internal, pg_catalog.int8) IS 'csmetrics internal: transition of kpi_id_set_agg (keeps each id)';

CREATE FUNCTION @extschema@.kpi_id_set_agg_final(pg_catalog.internal)
RETURNS @extschema@.kpi_id_set
AS 'MODULE_PATHNAME', 'kpi_id_set_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_agg_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_id_set_agg (hashes the ids once)';

CREATE AGGREGATE @extschema@.kpi_id_set_agg(id pg_catalog.int8) (
    SFUNC = @extschema@.kpi_id_set_agg_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_id_set_agg_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_id_set_agg(pg_catalog.int8) IS 'csmetrics internal: the set of the ids of the group (NULLs left out; an empty set over no row)';

CREATE FUNCTION @extschema@.kpi_id_set_contains_support(pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_id_set_contains_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_contains_support(pg_catalog.internal) IS 'csmetrics internal: planner support of kpi_id_set_contains (estimates that it keeps half of the rows, as for the EXISTS test it replaces)';

CREATE FUNCTION @extschema@.kpi_id_set_contains(set @extschema@.kpi_id_set, id pg_catalog.int8)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'kpi_id_set_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SUPPORT @extschema@.kpi_id_set_contains_support;
COMMENT ON FUNCTION @extschema@.kpi_id_set_contains(@extschema@.kpi_id_set, pg_catalog.int8) IS 'csmetrics internal: whether id is in the set';

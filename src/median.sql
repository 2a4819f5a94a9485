-- kpi_median(value): the median the views report per period (src/median.c). The same number
-- as percentile_cont(0.5) WITHIN GROUP (ORDER BY value), but an ordinary aggregate, which
-- the planner may compute by hashing the groups instead of sorting every row by them.
CREATE FUNCTION @extschema@.kpi_median_trans(pg_catalog.internal, pg_catalog.float8)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_median_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_trans(pg_catalog.internal, pg_catalog.float8) IS 'csmetrics internal: transition of kpi_median (keeps each value that is not NULL)';

CREATE FUNCTION @extschema@.kpi_median_combine(pg_catalog.internal, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_median_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_combine(pg_catalog.internal, pg_catalog.internal) IS 'csmetrics internal: combine function of kpi_median (the values of both states)';

CREATE FUNCTION @extschema@.kpi_median_serialize(pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'kpi_median_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_serialize(pg_catalog.internal) IS 'csmetrics internal: binary form of a kpi_median state, for parallel workers';

CREATE FUNCTION @extschema@.kpi_median_deserialize(pg_catalog.bytea, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_median_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_deserialize(pg_catalog.bytea, pg_catalog.internal) IS 'csmetrics internal: reads back the binary form of a kpi_median state';

CREATE FUNCTION @extschema@.kpi_median_final(pg_catalog.internal)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'kpi_median_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_median (sorts the values in place and interpolates the two middle ones as percentile_cont does)';

CREATE AGGREGATE @extschema@.kpi_median(value pg_catalog.float8) (
    SFUNC = @extschema@.kpi_median_trans, STYPE = pg_catalog.internal,
    COMBINEFUNC = @extschema@.kpi_median_combine,
    SERIALFUNC = @extschema@.kpi_median_serialize, DESERIALFUNC = @extschema@.kpi_median_deserialize,
    FINALFUNC = @extschema@.kpi_median_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_median(pg_catalog.float8) IS 'csmetrics internal: the median of the values that are not NULL, as percentile_cont(0.5) WITHIN GROUP (ORDER BY value) gives it (NaN sorts above every number), NULL without one; hashable, unlike percentile_cont';

-- health: customer health scores (docs/health.md), C in src/health.c.

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

-- The look-back measures of the health views (src/health_windows.c): one customer's rows as
-- arrays, measured in every window at once.
CREATE FUNCTION @extschema@.kpi_days_late(due_on pg_catalog.date[], due_at pg_catalog.timestamptz[], paid_at pg_catalog.timestamptz[],
                                          window_starts pg_catalog.date[], window_ends pg_catalog.date[],
                                          window_end_ats pg_catalog.timestamptz[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_days_late'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_days_late(pg_catalog.date[], pg_catalog.timestamptz[], pg_catalog.timestamptz[], pg_catalog.date[], pg_catalog.date[], pg_catalog.timestamptz[]) IS
'csmetrics internal: per window [window_starts[k], window_ends[k]), the mean days late of the invoices due in it (to the payment, or to window_end_ats[k] while unpaid; never below 0), NULL without one';

CREATE FUNCTION @extschema@.kpi_latest_in_windows(days pg_catalog.date[], instants pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                                  window_starts pg_catalog.date[], window_ends pg_catalog.date[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_latest_in_windows'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_latest_in_windows(pg_catalog.date[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.date[], pg_catalog.date[]) IS
'csmetrics internal: per window [window_starts[k], window_ends[k]), the value of the latest row whose day is in it (the lowest value among rows at that instant), NULL without one';

CREATE FUNCTION @extschema@.kpi_in_force_periods(started_on pg_catalog.date[], ended_on pg_catalog.date[], period_ends pg_catalog.date[])
RETURNS pg_catalog.int4[]
AS 'MODULE_PATHNAME', 'kpi_in_force_periods'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_in_force_periods(pg_catalog.date[], pg_catalog.date[], pg_catalog.date[]) IS
'csmetrics internal: the numbers k (ascending) of the periods at whose end period_ends[k] a row is in force (started_on before it, ended_on NULL or not before it)';

-- Usage and tickets per period (src/health_windows.c): an aggregate over one customer's rows,
-- the exact sum of each window's values at once. Internal state (the windows and an exact sum
-- per window), so no combine function: the health views group by customer, which under Citus
-- is taken whole to the shards.
CREATE FUNCTION @extschema@.kpi_sums_in_windows_trans(pg_catalog.internal, pg_catalog.date, pg_catalog.numeric, pg_catalog.date[], pg_catalog.date[])
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_sums_in_windows_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_sums_in_windows_trans(pg_catalog.internal, pg_catalog.date, pg_catalog.numeric, pg_catalog.date[], pg_catalog.date[]) IS 'csmetrics internal: transition of kpi_sums_in_windows (adds the value to the sum of every window holding the day)';

CREATE FUNCTION @extschema@.kpi_sums_in_windows_final(pg_catalog.internal)
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_sums_in_windows_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_sums_in_windows_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_sums_in_windows (each window''s sum as float8, NULL without a row)';

-- SSPACE: a group keeps its windows and 24 bytes per window, about 500 bytes for the dozen
-- periods the health views read.
CREATE AGGREGATE @extschema@.kpi_sums_in_windows(day pg_catalog.date, value pg_catalog.numeric, window_starts pg_catalog.date[], window_ends pg_catalog.date[]) (
    SFUNC = @extschema@.kpi_sums_in_windows_trans, STYPE = pg_catalog.internal, SSPACE = 512,
    FINALFUNC = @extschema@.kpi_sums_in_windows_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_sums_in_windows(pg_catalog.date, pg_catalog.numeric, pg_catalog.date[], pg_catalog.date[]) IS 'csmetrics internal: per window [window_starts[k], window_ends[k]), the exact sum of the values of the rows whose day is in it, as float8 (sum(value)::float8), NULL where no row falls in it; the windows are the same on every row of a group';

-- The rank normalization of the health views: each value's percentile rank in its period,
-- searched in the period's values sorted once (src/health.c).
CREATE FUNCTION @extschema@.kpi_sorted_sample(vals pg_catalog.float8[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_sorted_sample'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_sorted_sample(pg_catalog.float8[]) IS
'csmetrics internal: the values that are not NULL, sorted ascending (the sample of kpi_percentile_rank); a NaN or infinite value is an error';

CREATE FUNCTION @extschema@.kpi_percentile_rank(sample pg_catalog.float8[], value pg_catalog.float8, higher_is_better pg_catalog.bool)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'kpi_percentile_rank'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_percentile_rank(pg_catalog.float8[], pg_catalog.float8, pg_catalog.bool) IS
'csmetrics internal: the percentile rank of value (0..100, ties at the mid-rank, inverted when lower is better) among sample, the partition''s values sorted ascending; what health_score_ranked gives for one measure';

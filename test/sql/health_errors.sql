-- Every error path of the health family, with its SQLSTATE, message and detail.
SET search_path = csmetrics, public;

-- health_score: arrays
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_score('{1,2}', '{1}')$$),
    ($$SELECT csmetrics.health_score('{{1,2},{3,4}}', '{1,1,1,1}')$$),
    ($$SELECT csmetrics.health_score('{1,2}', '{{1,1}}')$$),
    ($$SELECT csmetrics.health_score('{}', '{}')$$),
    -- health_score: weights
    ($$SELECT csmetrics.health_score('{1,2}', '{1,NULL}')$$),
    ($$SELECT csmetrics.health_score('{1,2}', '{1,-0.5}')$$),
    ($$SELECT csmetrics.health_score('{1,2}', '{1,NaN}')$$),
    ($$SELECT csmetrics.health_score('{1,2}', '{Infinity,1}')$$),
    ($$SELECT csmetrics.health_score('{1,2}', '{0,0}')$$),
    ($$SELECT csmetrics.health_score('{NULL,NULL}', '{0,0}')$$),
    -- health_score: measures
    ($$SELECT csmetrics.health_score('{1,NaN}', '{1,1}')$$),
    ($$SELECT csmetrics.health_score('{Infinity,1}', '{1,1}')$$),
    ($$SELECT csmetrics.health_score('{1,-Infinity}', '{1,0}')$$),
    ($$SELECT csmetrics.health_score('{1e308,1e308}', '{10,10}')$$),
    ($$SELECT csmetrics.health_score('{1,1}', '{1e308,1e308}')$$),
    -- overflow to +Infinity, then to -Infinity: the NaN sum is caught too
    ($$SELECT csmetrics.health_score('{1e308,-1e308}', '{10,10}')$$)
) AS cases(statement);

-- health_points
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_points('{1,2,3}', '{1,2}')$$),
    ($$SELECT csmetrics.health_points('{{1},{2}}', '{1,2}')$$),
    ($$SELECT csmetrics.health_points('{1,2}', '{1,NULL}')$$),
    ($$SELECT csmetrics.health_points('{NULL,2}', '{NULL,1}')$$),
    ($$SELECT csmetrics.health_points('{1,2}', '{1,NaN}')$$),
    ($$SELECT csmetrics.health_points('{1,2}', '{-Infinity,1}')$$),
    ($$SELECT csmetrics.health_points('{-1,2}', '{1,1}')$$),
    ($$SELECT csmetrics.health_points('{NaN}', '{1}')$$),
    ($$SELECT csmetrics.health_points('{Infinity}', '{1}')$$),
    ($$SELECT csmetrics.health_points('{1e300,1e300}', '{1e10,1e10}')$$),
    ($$SELECT csmetrics.health_points('{1e300,1e300}', '{1e10,-1e10}')$$)
) AS cases(statement);

-- health_normalize
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_normalize('NaN', 0, 10)$$),
    ($$SELECT csmetrics.health_normalize(5, '-Infinity', 10)$$),
    ($$SELECT csmetrics.health_normalize(5, 0, 'NaN')$$),
    ($$SELECT csmetrics.health_normalize(5, 10, 10)$$),
    ($$SELECT csmetrics.health_normalize(5, 10, 0, false)$$)
) AS cases(statement);

-- health_band
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_band('NaN')$$),
    ($$SELECT csmetrics.health_band('NaN', '{50}', '{low,high}')$$),
    ($$SELECT csmetrics.health_band(10, '{50,50}', '{a,b,c}')$$),
    ($$SELECT csmetrics.health_band(10, '{50,20,80}', '{a,b,c,d}')$$),
    ($$SELECT csmetrics.health_band(10, '{50,NULL}', '{a,b,c}')$$),
    ($$SELECT csmetrics.health_band(10, '{50,Infinity}', '{a,b,c}')$$),
    ($$SELECT csmetrics.health_band(10, '{{20,50}}', '{a,b,c}')$$),
    ($$SELECT csmetrics.health_band(10, '{20,50}', '{a,b}')$$),
    ($$SELECT csmetrics.health_band(10, '{20,50}', '{a,b,c,d}')$$),
    ($$SELECT csmetrics.health_band(10, '{}', '{}')$$),
    ($$SELECT csmetrics.health_band(10, '{20,50}', '{a,NULL,c}')$$),
    ($$SELECT csmetrics.health_band(10, '{20}', '{{a},{b}}')$$)
) AS cases(statement);

-- health_score_ranked: the same checks on the partition's first row, plus per-row ones
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_score_ranked('{1,2}', '{1}', '{t}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1}', '{1}', '{t,f}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1}', '{1}', '{{t}}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{{1}}', '{1}', '{t}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1,2}', '{1,1}', '{t,NULL}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1,2}', NULL, '{t,t}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1,2}', '{1,1}', NULL) OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1,2}', '{1,-1}', '{t,t}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{1,2}', '{0,0}', '{t,t}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked('{}', '{}', '{}') OVER () FROM generate_series(1, 3)$$),
    ($$SELECT csmetrics.health_score_ranked(ARRAY[i::float8, 'NaN'], '{1,1}', '{t,t}') OVER () FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_ranked(ARRAY[i * 'Infinity'::float8], '{1}', '{t}') OVER () FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_ranked(CASE WHEN i = 2 THEN ARRAY[i, i] ELSE ARRAY[i] END, '{1}', '{t}') OVER () FROM generate_series(1, 3) i$$),
    -- weights and directions must be the same on every row of a partition
    ($$SELECT csmetrics.health_score_ranked(ARRAY[i, i], ARRAY[1, i], '{t,t}') OVER () FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_ranked(ARRAY[i, i], '{1,1}', ARRAY[true, i < 3]) OVER () FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_ranked(ARRAY[i, i], CASE WHEN i = 3 THEN NULL ELSE '{1,1}'::float8[] END, '{t,t}') OVER () FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_ranked(ARRAY[i, i], CASE WHEN i = 3 THEN '{1}' ELSE '{1,1}'::float8[] END, '{t,t}') OVER () FROM generate_series(1, 3) i$$)
) AS cases(statement);
-- ... but may differ between partitions
SELECT i % 2 AS part, i,
       csmetrics.health_score_ranked(ARRAY[i::float8, (-i)::float8], ARRAY[1, i % 2], '{t,t}')
         OVER (PARTITION BY i % 2) AS score
FROM generate_series(1, 6) i ORDER BY i;

-- health_quartile_band
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_quartile_band(CASE WHEN i = 2 THEN 'NaN'::float8 ELSE i END) OVER () FROM generate_series(1, 3) i$$)
) AS cases(statement);

-- health_score_agg reports the scalar's errors
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT csmetrics.health_score_agg(ARRAY[i], '{-1}') FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_agg(ARRAY[i::float8, 'NaN'], '{1,1}') FROM generate_series(1, 3) i$$),
    ($$SELECT csmetrics.health_score_agg(ARRAY[1e308], '{1}') FROM generate_series(1, 3) i$$)
) AS cases(statement);
-- a hand-made state (here an aggregate's INITCOND) is validated, never trusted
CREATE AGGREGATE regress.health_short_state(float8[], float8[]) (
    SFUNC = csmetrics.health_score_agg_transfn, STYPE = float8[], INITCOND = '{1,2}');
CREATE AGGREGATE regress.health_negative_n(float8[], float8[]) (
    SFUNC = csmetrics.health_score_agg_transfn, STYPE = float8[], INITCOND = '{-1,0,0}');
CREATE AGGREGATE regress.health_nan_sum(float8[], float8[]) (
    SFUNC = csmetrics.health_score_agg_transfn, STYPE = float8[], INITCOND = '{1,NaN,0}');
SELECT statement, regress.expect_error(statement) AS error
FROM (VALUES
    ($$SELECT regress.health_short_state(ARRAY[1::float8], '{1}')$$),
    ($$SELECT regress.health_negative_n(ARRAY[1::float8], '{1}')$$),
    ($$SELECT regress.health_nan_sum(ARRAY[1::float8], '{1}')$$)
) AS cases(statement);

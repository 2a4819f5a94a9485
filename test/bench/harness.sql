-- Benchmark harness: times two queries that give the same answer, in the same run, and
-- keeps the medians. Each query runs under EXPLAIN ANALYZE (TIMING OFF), so only server
-- execution is timed, never client transfer, and both sides are measured the same way.
CREATE SCHEMA IF NOT EXISTS bench;

-- The workloads' data: draw i of stream seed, uniform in [0, 1), from the first 52 bits of an
-- md5, the same on every PostgreSQL version (random() after setseed() is not); and a whole
-- number from lo to hi drawn like it.
CREATE OR REPLACE FUNCTION bench.rand(seed int, i bigint) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || substr(md5(seed::text || ':' || i::text), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
$$;
CREATE OR REPLACE FUNCTION bench.rand_int(seed int, i bigint, lo bigint, hi bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lo + floor(bench.rand(seed, i) * (hi - lo + 1))::bigint
$$;

CREATE TABLE IF NOT EXISTS bench.results (
    workload   text PRIMARY KEY,
    what       text NOT NULL,
    ours_ms    float8 NOT NULL,
    theirs_ms  float8 NOT NULL,
    goal       text NOT NULL,
    goal_ratio float8,            -- ratio theirs/ours that meets the goal; NULL: a figure without a goal
    ratio      float8 GENERATED ALWAYS AS (theirs_ms / ours_ms) STORED,
    seq        bigserial          -- the report lists workloads in the order they first ran
);

-- Execution time of one run of a query, in milliseconds.
CREATE OR REPLACE FUNCTION bench.run_once(query text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 ->> 'Execution Time')::float8;
END $$;

-- Wall-clock time of one run of any statement (one that EXPLAIN cannot run, such as a
-- refresh), in milliseconds.
CREATE OR REPLACE FUNCTION bench.time_statement(statement text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    EXECUTE statement;
    RETURN extract(epoch FROM clock_timestamp() - started)::float8 * 1000;
END $$;

-- Records one line of the report (a later run of the same workload replaces it).
CREATE OR REPLACE FUNCTION bench.record(workload text, what text, ours_ms float8, theirs_ms float8,
                                        goal text, goal_ratio float8)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO bench.results (workload, what, ours_ms, theirs_ms, goal, goal_ratio)
    VALUES (workload, what, ours_ms, theirs_ms, goal, goal_ratio)
    ON CONFLICT (workload) DO UPDATE
        SET what = EXCLUDED.what, ours_ms = EXCLUDED.ours_ms, theirs_ms = EXCLUDED.theirs_ms,
            goal = EXCLUDED.goal, goal_ratio = EXCLUDED.goal_ratio;
$$;

-- Median of reps runs of each query, alternating ours and theirs after one warm-up run
-- each (skipped with warmup => false, for queries that take minutes).
CREATE OR REPLACE FUNCTION bench.compare(workload text, what text, ours text, theirs text,
                                         goal text, goal_ratio float8, reps int DEFAULT 5,
                                         warmup boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    t_ours float8[] := '{}';
    t_theirs float8[] := '{}';
    i int;
BEGIN
    IF warmup THEN
        PERFORM bench.run_once(ours);
        PERFORM bench.run_once(theirs);
    END IF;
    FOR i IN 1 .. reps LOOP
        t_ours := t_ours || bench.run_once(ours);
        t_theirs := t_theirs || bench.run_once(theirs);
    END LOOP;
    PERFORM bench.record(workload, what,
            (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t_ours) x),
            (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t_theirs) x),
            goal, goal_ratio);
    RAISE NOTICE '% %: csmetrics % ms, reference % ms', workload, what,
        round((SELECT ours_ms FROM bench.results r WHERE r.workload = compare.workload)::numeric, 1),
        round((SELECT theirs_ms FROM bench.results r WHERE r.workload = compare.workload)::numeric, 1);
END $$;

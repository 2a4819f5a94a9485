-- B6 : nps_agg over 10M rows with 2 parallel workers against the same query with
-- none (goal 1.7x). bench.compare runs both queries in one session, so this file times them
-- itself in the same way (EXPLAIN ANALYZE, warm-up, median of 5, alternating), switching
-- max_parallel_workers_per_gather between runs, and records the result the same way.
\ir b1_survey_data.psql

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
DO $$
DECLARE
    query text := 'SELECT csmetrics.nps_agg(score) FROM bench.survey_responses';
    t_parallel float8[] := '{}';
    t_serial float8[] := '{}';
    i int;
BEGIN
    FOR i IN 0 .. 5 LOOP
        PERFORM set_config('max_parallel_workers_per_gather', '2', true);
        t_parallel := t_parallel || bench.run_once(query);
        PERFORM set_config('max_parallel_workers_per_gather', '0', true);
        t_serial := t_serial || bench.run_once(query);
    END LOOP;
    -- Drop the warm-up run (index 1), keep the median of the other five.
    INSERT INTO bench.results (workload, what, ours_ms, theirs_ms, goal, goal_ratio)
    VALUES ('B6', 'nps_agg, 2 parallel workers vs none, 10M rows',
            (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t_parallel[2:]) x),
            (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t_serial[2:]) x),
            '>= 1.7 x faster than serial', 1.7)
    ON CONFLICT (workload) DO UPDATE
        SET what = EXCLUDED.what, ours_ms = EXCLUDED.ours_ms, theirs_ms = EXCLUDED.theirs_ms,
            goal = EXCLUDED.goal, goal_ratio = EXCLUDED.goal_ratio;
    RAISE NOTICE 'B6: 2 workers % ms, serial % ms',
        (SELECT ours_ms FROM bench.results WHERE workload = 'B6'),
        (SELECT theirs_ms FROM bench.results WHERE workload = 'B6');
END $$;

-- B1 : nps_agg(score) over 10M rows, against count(score) (the cheapest built-in
-- aggregate reading the same column: the floor; goal within 1.10x) and against the
-- count(*) FILTER SQL (goal 1.2x faster). Serial: the server runs without parallel workers.
-- The 10M-row table is shared with b2 and b6 (created once).
\ir b1_survey_data.psql

SELECT bench.compare('B1a', 'nps_agg(score) vs count(score), 10M rows (goal: ratio >= 0.91)',
    'SELECT csmetrics.nps_agg(score) FROM bench.survey_responses',
    'SELECT count(score) FROM bench.survey_responses',
    '<= 1.10 x count(score)', 1 / 1.10);

SELECT bench.compare('B1b', 'nps_agg(score) vs count(*) FILTER SQL, 10M rows',
    'SELECT csmetrics.nps_agg(score) FROM bench.survey_responses',
    $$SELECT 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6))
                / count(score)
      FROM bench.survey_responses$$,
    '>= 1.2 x faster than FILTER SQL', 1.2);

-- B2 : NPS per customer, 100k groups over 10M rows, against the count(*) FILTER
-- SQL (goal 1.3x faster). Uses the table b1 creates (created here too if b1 did not run).
\ir b1_survey_data.psql

SELECT bench.compare('B2', 'NPS per customer, 100k groups, 10M rows, vs FILTER SQL',
    'SELECT customer_id, csmetrics.nps_agg(score) FROM bench.survey_responses GROUP BY customer_id',
    $$SELECT customer_id,
             100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6))
                 / count(score)
      FROM bench.survey_responses GROUP BY customer_id$$,
    '>= 1.3 x faster than FILTER SQL', 1.3);

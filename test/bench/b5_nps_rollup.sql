-- B5 : monthly NPS from stored daily rating_summary rows (the materialized-view
-- pattern) against monthly NPS from the raw rows with the FILTER SQL (goal 50x).
\ir b1_survey_data.psql
DROP TABLE IF EXISTS bench.survey_daily;
CREATE TABLE bench.survey_daily AS
SELECT responded_at AS day, csmetrics.nps_summary(score) AS s
FROM bench.survey_responses GROUP BY responded_at;
ANALYZE bench.survey_daily;

SELECT bench.compare('B5', 'monthly NPS from daily rating_summary rows vs from 10M raw rows',
    $$SELECT date_trunc('month', day) AS month, csmetrics.nps_agg(s)
      FROM bench.survey_daily GROUP BY 1$$,
    $$SELECT date_trunc('month', responded_at) AS month,
             100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6))
                 / count(score)
      FROM bench.survey_responses GROUP BY 1$$,
    '>= 50 x faster than raw rows', 50);

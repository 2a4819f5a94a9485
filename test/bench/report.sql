-- The benchmark table: medians, ratios, and whether each goal is met.
SELECT workload, what,
       round(ours_ms::numeric, 1)   AS csmetrics_ms,
       round(theirs_ms::numeric, 1) AS reference_ms,
       round(ratio::numeric, 2)     AS ratio,
       goal,
       CASE WHEN goal_ratio IS NULL THEN '' WHEN ratio >= goal_ratio THEN 'met' ELSE 'MISSED' END AS status
FROM bench.results
ORDER BY seq;

-- The benchmark table: medians, ratios, and whether each goal is met.
SELECT workload, what,
       round(ours_ms::numeric, 1)   AS csmetrics_ms,
       round(theirs_ms::numeric, 1) AS reference_ms,
       -- two decimals, or two significant digits for ratios far below 1
       CASE WHEN ratio >= 0.1 THEN round(ratio::numeric, 2)
            ELSE round(ratio::numeric, 1 - floor(log(ratio::numeric))::int) END AS ratio,
       goal,
       CASE WHEN goal_ratio IS NULL THEN '' WHEN ratio >= goal_ratio THEN 'met' ELSE 'MISSED' END AS status
FROM bench.results
ORDER BY seq;

-- Declarations every aggregate of every family must have: parallel safe, a combine
-- function, a transition state of a real SQL type (never internal, so Citus can ship it);
-- the extension script's security rules, checked on what it installed; and every function's
-- volatility.
SET search_path = csmetrics, public;

-- Aggregates breaking a rule: only kpi_subscription_flows and kpi_subscription_lifetimes,
-- which the flow and ltv views use on a single server, and kpi_score_ntiles, the deciles of
-- the health validation views: their state is every row, sorted at the end, so there is
-- nothing to combine or ship (under Citus the flow and ltv views count the spans with
-- customer_flows). And kpi_sums_in_windows, which the health views group by customer: under
-- Citus each customer's group is taken whole to its shard. And kpi_id_set_agg, the set of the
-- customer ids a clean relation tests its rows against, made once per scan on a single server
-- (under Citus the clean relations use a semi-join). And kpi_median, whose state is every
-- value of the group, combined across parallel workers in its binary form (under Citus the
-- views use percentile_cont).
SELECT p.oid::regprocedure AS aggregate,
       p.proparallel <> 's' AS not_parallel_safe,
       a.aggcombinefn = 0 AS no_combine,
       a.aggtranstype = 'internal'::regtype AS internal_state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'csmetrics'::regnamespace
  AND (p.proparallel <> 's' OR a.aggcombinefn = 0 OR a.aggtranstype = 'internal'::regtype)
ORDER BY p.oid::regprocedure::text;

-- Every aggregate's state type (but that internal one) has text input and output that read
-- back (Citus ships partial states as text) and binary send/receive.
SELECT DISTINCT a.aggtranstype::regtype::text AS state_type,
       t.typinput <> 0 AND t.typoutput <> 0 AS text_io,
       t.typsend <> 0 AND t.typreceive <> 0 AS binary_io
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_type t ON t.oid = a.aggtranstype
WHERE p.pronamespace = 'csmetrics'::regnamespace AND a.aggtranstype <> 'internal'::regtype
ORDER BY 1;

-- Aggregates without a moving-aggregate mode: only those whose state is not a set of
-- counts (floating-point or numeric sums have no exact inverse), kpi_subscription_flows
-- and kpi_subscription_lifetimes, which merge their subscriptions into spans only at the end,
-- kpi_score_ntiles, whose ntiles depend on every row of the group, kpi_sums_in_windows,
-- which groups a customer's rows whole, and kpi_median, which the views use over whole
-- groups only.
SELECT p.oid::regprocedure AS without_moving_mode
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'csmetrics'::regnamespace AND a.aggminvtransfn = 0
ORDER BY p.oid::regprocedure::text;

-- No SECURITY DEFINER anywhere; C functions are never volatile without reason.
SELECT p.oid::regprocedure AS security_definer
FROM pg_proc p WHERE p.pronamespace = 'csmetrics'::regnamespace AND p.prosecdef;

-- plpgsql functions (the views layer runs dynamic SQL) pin their search_path, so a
-- caller's search_path cannot redirect what they execute.
SELECT p.oid::regprocedure AS plpgsql_without_search_path
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'csmetrics'::regnamespace AND l.lanname = 'plpgsql'
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
ORDER BY p.oid::regprocedure::text;

-- Volatility: each function declares what it does, so the planner may fold, cache or index
-- on it exactly as far as that is safe.
-- C functions compute from their arguments alone: IMMUTABLE. The exceptions are STABLE
-- because their results follow the session's TimeZone: calendar steps of timestamptz series
-- (a month is a month in local time), series boundaries taken from the first value, and
-- dates reported as timestamptz at local midnight.
-- (Aggregates are left out: PostgreSQL records every aggregate as IMMUTABLE whatever its
-- support functions are; those are checked here as functions.)
WITH time_zone_dependent(fn) AS (VALUES
    ('customer_flow_final(customer_flow_state)'),
    ('customer_flows_trans(customer_flows_state,timestamp with time zone,timestamp with time zone,timestamp with time zone,interval,integer)'),
    ('customer_flows_inv(customer_flows_state,timestamp with time zone,timestamp with time zone,timestamp with time zone,interval,integer)'),
    ('customer_flows_final(customer_flows_state)'),
    ('kpi_subscription_flows_final(internal)'),
    ('kpi_subscription_lifetimes_final(internal)'),
    ('mrr_movement(numeric,timestamp with time zone)'),
    ('mrr_path_trans(mrr_path,timestamp with time zone,timestamp with time zone,numeric,timestamp with time zone,interval,integer)'),
    ('mrr_movements_series_trans(mrr_movements_series,mrr_path)'),
    ('mrr_movements_series_final(mrr_movements_series)'),
    ('mrr_movements(mrr_movements_series)'),
    ('customer_mrr_movements(mrr_path)'),
    ('customer_mrr_changes(mrr_path)'),
    ('kpi_mrr_movement_rows(mrr_path)'),
    ('cohort_summary_trans(cohort_summary,mrr_path)'),
    ('cohort_retention(cohort_summary)'))
SELECT coalesce(p.oid::regprocedure::text, t.fn || ' (listed, but there is no such function)') AS c_function,
       p.provolatile AS declared
FROM (SELECT p.* FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE p.pronamespace = 'csmetrics'::regnamespace AND l.lanname = 'c') p
FULL JOIN time_zone_dependent t ON t.fn = p.oid::regprocedure::text
WHERE p.oid IS NULL OR p.provolatile <> CASE WHEN t.fn IS NULL THEN 'i' ELSE 's' END
ORDER BY 1;

-- SQL and plpgsql functions, judged from their bodies (string literals, dollar-quoted ones
-- included, and comments left out: a message, a generated comment or the SQL template of a
-- view names things the function does not touch): one that
-- writes (INSERT, UPDATE, DELETE, dynamic SQL) or calls a VOLATILE function of the extension
-- is VOLATILE; else one that reads a table, the catalog, the clock, a setting or the time
-- zone (a cast to timestamptz), or calls a STABLE function of the extension, is STABLE;
-- else it computes from its arguments alone and is IMMUTABLE.
WITH bodies AS (
    SELECT p.oid, p.oid::regprocedure::text AS fn, p.provolatile,
           regexp_replace(regexp_replace(regexp_replace(p.prosrc, '\$([a-z_]*)\$.*?\$\1\$', '''''', 'g'),
                                         '''([^'']|'''')*''', '''''', 'g'), '--[^\n]*', '', 'g') AS code
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
    WHERE p.pronamespace = 'csmetrics'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
), callees AS (
    -- each function of the extension a body calls, at the least volatile of its overloads
    SELECT b.oid, max(c.volatility) AS callee
    FROM bodies b,
         LATERAL (SELECT min(c.provolatile) AS volatility
                  FROM regexp_matches(b.code, 'csmetrics\.(\w+)\s*\(', 'g') m
                  JOIN pg_proc c ON c.proname = m[1] AND c.pronamespace = 'csmetrics'::regnamespace
                  GROUP BY m[1]) c
    GROUP BY b.oid
), judged AS (
    SELECT b.fn, b.provolatile,
           b.code ~* '\m(insert|update|delete|execute)\M' OR coalesce(c.callee = 'v', false) AS writes,
           b.code ~* ('\mcsmetrics\.(sources|source_columns|source_checks|health_measures|health_validation_settings|onboarding_milestones'
                      '|onboarding_settings|action_rules|kpi_registry|kpi_columns|kpi_overview_columns|kpi_views|kpi_access)\M'
                      '|\mpg_(class|attribute|type|proc|namespace|depend|extension|index|roles|authid|trigger_depth)\M'
                      '|\m(now|clock_timestamp|current_date|current_timestamp|current_setting|to_regclass)\M'
                      '|::(pg_catalog\.)?(regclass|regrole|regnamespace|regproc|regprocedure|regtype|timestamptz)\M'
                      '|\mcron\.')
               OR coalesce(c.callee = 's', false) AS reads
    FROM bodies b LEFT JOIN callees c USING (oid)
)
SELECT fn AS function, provolatile AS declared, judged
FROM (SELECT fn, provolatile, CASE WHEN writes THEN 'v' WHEN reads THEN 's' ELSE 'i' END AS judged FROM judged) j
WHERE provolatile::text <> judged
ORDER BY 1;

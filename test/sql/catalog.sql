-- Declarations every aggregate of every family must have: parallel safe, a combine
-- function, a transition state of a real SQL type (never internal, so Citus can ship it);
-- and the extension script's security rules, checked on what it installed.
SET search_path = csmetrics, public;

-- Aggregates breaking a rule (expect none).
SELECT p.oid::regprocedure AS aggregate,
       p.proparallel <> 's' AS not_parallel_safe,
       a.aggcombinefn = 0 AS no_combine,
       a.aggtranstype = 'internal'::regtype AS internal_state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'csmetrics'::regnamespace
  AND (p.proparallel <> 's' OR a.aggcombinefn = 0 OR a.aggtranstype = 'internal'::regtype)
ORDER BY 1;

-- Every aggregate's state type has text input and output that read back (Citus ships
-- partial states as text) and binary send/receive.
SELECT DISTINCT a.aggtranstype::regtype AS state_type,
       t.typinput <> 0 AND t.typoutput <> 0 AS text_io,
       t.typsend <> 0 AND t.typreceive <> 0 AS binary_io
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
JOIN pg_type t ON t.oid = a.aggtranstype
WHERE p.pronamespace = 'csmetrics'::regnamespace
ORDER BY 1;

-- Aggregates without a moving-aggregate mode: only those whose state is not a set of
-- counts (floating-point or numeric sums have no exact inverse).
SELECT p.oid::regprocedure AS without_moving_mode
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'csmetrics'::regnamespace AND a.aggminvtransfn = 0
ORDER BY 1;

-- No SECURITY DEFINER anywhere; C functions are never volatile without reason.
SELECT p.oid::regprocedure AS security_definer
FROM pg_proc p WHERE p.pronamespace = 'csmetrics'::regnamespace AND p.prosecdef;

-- plpgsql functions (the views layer runs dynamic SQL) pin their search_path, so a
-- caller's search_path cannot redirect what they execute.
SELECT p.oid::regprocedure AS plpgsql_without_search_path
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'csmetrics'::regnamespace AND l.lanname = 'plpgsql'
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
ORDER BY 1;

-- csmetrics update script from 0.1.0 to 0.2.0.
--
-- Hand-written, to the same rules as the install script: plain CREATE for new objects, every
-- name qualified with @extschema@ or pg_catalog, nothing that depends on the caller's
-- search_path, no SECURITY DEFINER. The upgrade test (test/shell/upgrade.sh) checks that an
-- extension updated with this script has exactly the objects and definitions of a fresh
-- 0.2.0 install: every object added to src/*.sql must be added here too.

\echo Use "ALTER EXTENSION csmetrics UPDATE TO '0.2.0'" to load this file. \quit

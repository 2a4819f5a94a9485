-- Registering CRM tables for the KPI views (docs/views.md): every problem of a registration
-- reported at once, hostile names quoted and never executed, re-registering, a dropped or a
-- view source, unregistering.

-- Not echoed: the CRM of test/fixtures/crm.sql, nothing registered yet; search_path
-- csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm.sql
\set ECHO all

-- Registration errors: every problem at once, with the SQLSTATE of the first.
SELECT regress.expect_error($$SELECT register_source('customer', '"CRM Data"."Customers"')$$);
SELECT regress.expect_error($$SELECT register_source('subscriptions', '"CRM Data".nope', '{"customer": "x", "mrr": 5}')$$);
SELECT regress.expect_error($$SELECT register_source('subscriptions', '"CRM Data"."Sub""scriptions; DROP TABLE x; --"',
                                                     '{"customer_id": "Name", "started_at": "MRR $", "mrr": "Start Date"}')$$);
SELECT regress.expect_error($$SELECT register_source('customers', '"CRM Data"."Customers"', '["Customer ID"]')$$);
-- no relation at all: said so (not a blank name)
SELECT regress.expect_error($$SELECT register_source('subscriptions', NULL::text)$$);
SELECT regress.expect_error($$SELECT register_source('subscriptions', NULL::regclass)$$);
SELECT regress.expect_error($$SELECT register_source('survey_responses', '"CRM Data"."survey answers"',
                                                     '{"customer_id": "Customer ID", "responded_at": "When", "score": "Survey"}')$$);
SELECT regress.expect_error($$SELECT register_source('customers', 'csmetrics.sources_pkey')$$);
-- ids and labels must be scalar: a jsonb segment would make every customer its own segment
CREATE TABLE "CRM Data".synced_customers (id int, metadata jsonb, tags text[]);
SELECT regress.expect_error($$SELECT register_source('customers', '"CRM Data".synced_customers',
    '{"customer_id": "id", "segment": "metadata", "name": "tags"}')$$);
DROP TABLE "CRM Data".synced_customers;
-- Nothing was registered by the failures.
SELECT count(*) AS registered FROM sources;

-- Registration over the hostile names works, and stores the resolved column map.
SELECT register_source('customers', '"CRM Data"."Customers"', '{"customer_id": "Customer ID", "segment": "Segment \"Tier\"", "name": "Name"}');
SELECT register_source('subscriptions', '"CRM Data"."Sub""scriptions; DROP TABLE x; --"'::regclass,
                       '{"customer_id": "Customer ID", "started_at": "Start Date", "ended_at": "End; Date", "mrr": "MRR $"}');
SELECT register_source('survey_responses', '"CRM Data"."survey answers"',
                       '{"customer_id": "Customer ID", "responded_at": "When", "score": "x\"; DROP TABLE y; --", "survey": "Survey"}');
SELECT register_source(k, ('"CRM Data".' || k)::regclass)
FROM unnest(ARRAY['tickets', 'invoices', 'usage_events', 'renewals', 'trials', 'costs']) k;
SELECT kind, relation, columns FROM sources ORDER BY kind;

-- Re-registering replaces.
SELECT register_source('costs', '"CRM Data".costs', '{"kind": "kind"}');
SELECT count(*) FROM sources WHERE kind = 'costs';

-- The views. NOTICEs say what was skipped (nothing here).
SELECT * FROM create_kpi_views('KPI "Views"') ORDER BY 1;
-- The hostile names were quoted, never executed.
SELECT to_regclass('public.x') IS NOT NULL AS x_still_there, to_regclass('public.y') IS NOT NULL AS y_still_there;

-- A dropped source relation: its views are skipped with a NOTICE, the others are made.
CREATE TABLE "CRM Data".trials2 AS SELECT * FROM "CRM Data".trials;
SELECT register_source('trials', '"CRM Data".trials2');
DROP TABLE "CRM Data".trials2;
SELECT count(*) FROM create_kpi_views('kpi_partial');
SELECT to_regclass('kpi_partial.trials_by_month') IS NULL AS trials_skipped, to_regclass('kpi_partial.nps_by_month') IS NOT NULL AS nps_made;
-- A view can be registered: messier data is cleaned up in a view first.
CREATE VIEW "CRM Data".trials_clean AS SELECT customer_id AS who, started_at::timestamp AS began, converted_at AS paid FROM "CRM Data".trials;
SELECT register_source('trials', '"CRM Data".trials_clean', '{"customer_id": "who", "started_at": "began", "converted_at": "paid"}');
SELECT count(*) FROM create_kpi_views('kpi_partial');
SELECT (SELECT sum(trials_started) FROM kpi_partial.trials_by_month) = (SELECT sum(trials_started) FROM "KPI ""Views""".trials_by_month) AS same_trials;
SELECT unregister_source('trials'), unregister_source('trials');

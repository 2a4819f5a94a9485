-- Source data at the edges of what the views read, each a case that once gave a wrong number
-- or a broken view: MRR with more fraction digits than the MRR aggregates sum (ARR / 12, a
-- float), a source column named r, rows without customer in the _by_segment views, a month
-- whose only churn is MRR, a contacts count that is not whole, an invoice without customer,
-- a date past the range of timestamps, unknown customers with integer and text ids, and a
-- refresh of a schema that has no KPI views.
SET search_path = csmetrics, public;
SET client_min_messages = warning;
SET datestyle = ISO;
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
CREATE SCHEMA edges_src;

-- MRR fed as ARR / 12 (16 fraction digits) and as a float: rounded to 8 fraction digits in
-- the clean relation, so every MRR view works; amounts with 8 digits or fewer, and trailing
-- zeros, keep their digits. Nothing is listed as an issue.
CREATE TABLE edges_src.subs (account int, starts date, ends date, arr numeric);
INSERT INTO edges_src.subs VALUES (1, '2026-01-01', NULL, 1200), (2, '2026-01-01', NULL, 1000),
    (3, '2026-01-01', '2026-03-01', 120.0000000000);
CREATE VIEW edges_src.subs_monthly AS SELECT account, starts, ends, arr / 12 AS mrr FROM edges_src.subs;
SELECT register_source('subscriptions', 'edges_src.subs_monthly', '{"customer_id": "account", "started_at": "starts", "ended_at": "ends"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT customer_id, mrr FROM edges_kpi_internal.subscriptions ORDER BY customer_id;
SELECT month, mrr, churned_mrr, paying_customers FROM edges_kpi.mrr_by_month WHERE month <= '2026-03-01' ORDER BY month;
SELECT customer_id, month, mrr, movement FROM edges_kpi.customer_mrr_movements WHERE month <= '2026-03-01' ORDER BY customer_id, month;
SELECT count(*) AS issues FROM edges_kpi.data_issues;
-- the same as a materialized set
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_mat', 'month', true, 'UTC');
SELECT count(*) AS differences
FROM ((SELECT * FROM edges_mat.mrr_by_month EXCEPT ALL SELECT * FROM edges_kpi.mrr_by_month)
      UNION ALL (SELECT * FROM edges_kpi.mrr_by_month EXCEPT ALL SELECT * FROM edges_mat.mrr_by_month)) d;
CREATE TABLE edges_src.subs_float (account int, starts date, ends date, mrr float8);
INSERT INTO edges_src.subs_float VALUES (1, '2026-01-01', NULL, 1000.0 / 12), (2, '2026-01-01', NULL, 0.125);
SELECT register_source('subscriptions', 'edges_src.subs_float', '{"customer_id": "account", "started_at": "starts", "ended_at": "ends"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT customer_id, mrr FROM edges_kpi_internal.subscriptions ORDER BY customer_id;
SELECT mrr FROM edges_kpi.mrr_by_month WHERE month = '2026-01-01';

-- A column named r: data_issues still shows the whole row.
CREATE TABLE edges_src.tickets (account int, o timestamptz, r timestamptz);
INSERT INTO edges_src.tickets VALUES (1, '2026-03-05 10:00+00', '2026-03-04 09:00+00'), (2, '2026-03-05 10:00+00', '2026-03-05 12:00+00');
SELECT register_source('tickets', 'edges_src.tickets', '{"customer_id": "account", "opened_at": "o", "resolved_at": "r"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT problem, source_row, source_row::jsonb ->> 'account' AS account FROM edges_kpi.data_issues;

-- Rows without customer (an anonymous answer, a ticket) are in the segment (none) of the
-- _by_segment views, like customers without segment.
CREATE TABLE edges_src.accounts (id int, plan text);
INSERT INTO edges_src.accounts VALUES (1, 'SMB'), (2, NULL);
CREATE TABLE edges_src.answers (account int, at date, score int);
INSERT INTO edges_src.answers VALUES (1, '2026-10-05', 9), (2, '2026-10-06', 3), (NULL, '2026-10-07', 10);
TRUNCATE edges_src.tickets;
INSERT INTO edges_src.tickets VALUES (NULL, '2026-10-05 10:00+00', '2026-10-05 12:00+00'), (1, '2026-10-05 10:00+00', NULL);
SELECT register_source('customers', 'edges_src.accounts', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('survey_responses', 'edges_src.answers', '{"customer_id": "account", "responded_at": "at"}');
SELECT unregister_source('subscriptions');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT segment, responses, promoters, detractors FROM edges_kpi.nps_by_month_by_segment ORDER BY segment;
SELECT segment, tickets_opened, tickets_resolved FROM edges_kpi.support_by_month_by_segment WHERE month = '2026-10-01' ORDER BY segment;

-- A whole number of contacts only, and invoices of a customer only: a contacts count of 0.5
-- and an invoice without customer are listed, not counted.
CREATE TABLE edges_src.tickets_contacts (account int, opened date, resolved date, contacts numeric);
INSERT INTO edges_src.tickets_contacts VALUES (1, '2026-10-01', '2026-10-02', 0.5), (1, '2026-10-01', '2026-10-02', 2);
CREATE TABLE edges_src.bills (account int, due date, paid date, amount numeric);
INSERT INTO edges_src.bills VALUES (NULL, '2026-10-01', NULL, 500), (1, '2026-10-01', '2026-10-01', 100);
SELECT unregister_source('survey_responses');
SELECT register_source('tickets', 'edges_src.tickets_contacts', '{"customer_id": "account", "opened_at": "opened", "resolved_at": "resolved"}');
SELECT register_source('invoices', 'edges_src.bills', '{"customer_id": "account", "due_at": "due", "paid_at": "paid"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT month, tickets_resolved, first_contact_resolutions, fcr FROM edges_kpi.support_by_month WHERE month = '2026-10-01';
SELECT source, problem FROM edges_kpi.data_issues ORDER BY source, problem;
SELECT count(*) AS clean_invoices FROM edges_kpi_internal.invoices;

-- A month whose only churn is MRR (a move to a free plan, with a reason): no customer was lost,
-- so no top churn reason.
CREATE TABLE edges_src.subs_reasons (account int, starts date, ends date, mrr numeric, reason text);
INSERT INTO edges_src.subs_reasons VALUES (1, '2026-01-01', NULL, 100, NULL), (2, '2026-01-01', '2026-03-10', 50, 'price'),
    (2, '2026-03-10', NULL, 0, NULL);
DELETE FROM csmetrics.sources;
SELECT register_source('subscriptions', 'edges_src.subs_reasons', '{"customer_id": "account", "started_at": "starts", "ended_at": "ends", "churn_reason": "reason"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT month, churn_reason, lost_customers, churned_mrr FROM edges_kpi.churn_by_reason_by_month ORDER BY month, churn_reason;
SELECT as_of, churn_rate, top_churn_reason FROM edges_kpi.kpi_overview;
-- In the month the customer was lost (on a timeline cut at March 2026), the reason shows.
CREATE TABLE edges_src.subs_lost (account int, starts date, ends date, mrr numeric, reason text);
INSERT INTO edges_src.subs_lost VALUES (1, '2026-01-01', NULL, 100, NULL), (2, '2026-01-01', '2026-03-10', 50, 'price');
SELECT register_source('subscriptions', 'edges_src.subs_lost', '{"customer_id": "account", "started_at": "starts", "ended_at": "ends", "churn_reason": "reason"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT month, churn_reason, lost_customers FROM edges_kpi.churn_by_reason_by_month ORDER BY month;
SELECT as_of, churn_rate, top_churn_reason FROM edges_kpi.kpi_overview;

-- A date past the range of timestamps (a typo'd year 300000) is listed as not a finite time,
-- like 'infinity', and the views read the other rows.
CREATE TABLE edges_src.subs_far (account int, starts date, ends date, mrr numeric);
INSERT INTO edges_src.subs_far VALUES (1, '2026-01-01', NULL, 100), (2, '2026-01-01', '300000-01-01', 50);
SELECT register_source('subscriptions', 'edges_src.subs_far', '{"customer_id": "account", "started_at": "starts", "ended_at": "ends"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT customer_id, problem FROM edges_kpi.data_issues;
SELECT month, mrr FROM edges_kpi.mrr_by_month ORDER BY month LIMIT 1;

-- Unknown customers are found the same way whatever the type of the ids: integer ids of one
-- type are looked up in a set of the customers' ids, other ids (text here) joined to them.
-- The extreme ids, a row without customer (allowed for tickets) and a customers row that
-- fails its checks (no id) are among them.
DELETE FROM csmetrics.sources;
CREATE TABLE edges_src.people (id bigint, plan text);
INSERT INTO edges_src.people VALUES (1, 'SMB'), (2, 'SMB'), (9223372036854775807, 'ENT'), (NULL, 'SMB');
CREATE TABLE edges_src.cases (account bigint, opened timestamptz, resolved timestamptz);
INSERT INTO edges_src.cases VALUES (1, '2026-10-01 10:00+00', '2026-10-01 12:00+00'), (3, '2026-10-01 10:00+00', NULL),
    (-9223372036854775808, '2026-10-02 10:00+00', NULL), (9223372036854775807, '2026-10-02 10:00+00', NULL),
    (NULL, '2026-10-03 10:00+00', NULL), (3, '2026-10-04 10:00+00', '2026-10-03 10:00+00');
CREATE VIEW edges_src.people_text AS SELECT id::text AS id, plan FROM edges_src.people;
CREATE VIEW edges_src.cases_text AS SELECT account::text AS account, opened, resolved FROM edges_src.cases;
SELECT register_source('customers', 'edges_src.people', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('tickets', 'edges_src.cases', '{"customer_id": "account", "opened_at": "opened", "resolved_at": "resolved"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT source, customer_id, problem FROM edges_kpi.data_issues ORDER BY source, problem, customer_id;
SELECT count(*) AS clean_tickets FROM edges_kpi_internal.tickets;
SELECT pg_get_viewdef('edges_kpi.data_issues') LIKE '%kpi_id_set_contains(k.ids, x.customer_id)%' AS probes_id_set;
CREATE TEMP TABLE issues_by_set AS SELECT source, customer_id, problem, source_row::jsonb - 'account' - 'id' AS source_row FROM edges_kpi.data_issues;
SELECT register_source('customers', 'edges_src.people_text', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('tickets', 'edges_src.cases_text', '{"customer_id": "account", "opened_at": "opened", "resolved_at": "resolved"}');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT pg_get_viewdef('edges_kpi.data_issues') LIKE '%kpi_id_set%' AS probes_id_set;
SELECT count(*) AS differences
FROM ((SELECT source, customer_id, problem, source_row::jsonb - 'account' - 'id' FROM edges_kpi.data_issues EXCEPT ALL SELECT * FROM issues_by_set)
      UNION ALL (SELECT * FROM issues_by_set EXCEPT ALL SELECT source, customer_id, problem, source_row::jsonb - 'account' - 'id' FROM edges_kpi.data_issues)) d;
-- No valid customer at all: every ticket of a customer is of an unknown one (an empty set,
-- not NULL, which would leave them out of data_issues too).
SELECT register_source('customers', 'edges_src.people', '{"customer_id": "id", "segment": "plan"}');
SELECT register_source('tickets', 'edges_src.cases', '{"customer_id": "account", "opened_at": "opened", "resolved_at": "resolved"}');
DELETE FROM edges_src.people WHERE id IS NOT NULL;
SELECT count(*) > 0 AS views_made FROM create_kpi_views('edges_kpi', 'month', time_zone => 'UTC');
SELECT source, customer_id, problem FROM edges_kpi.data_issues ORDER BY source, problem, customer_id;
SELECT count(*) AS clean_tickets FROM edges_kpi_internal.tickets;

-- Refreshing a schema without KPI views is an error, not a silent 0.
SELECT regress.expect_error('SELECT csmetrics.refresh_kpi_views(''edges_typo'')') AS refresh_typo;
SELECT refresh_kpi_views('edges_mat') >= 0 AS refreshed;

\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
DROP SCHEMA edges_src CASCADE;

-- Views stop at the current period: a scheduled cancellation or a contract end date in the
-- future is not yet a KPI (kpi_overview must not report a month to come as "now"). The
-- checks hold on any day the suite runs.
SET search_path = csmetrics, public;
SET client_min_messages = warning;
CREATE SCHEMA future_src;
CREATE TABLE future_src.subs (customer_id text, started_at date, ended_at date, mrr numeric);
INSERT INTO future_src.subs VALUES
    ('a', '2024-01-01', NULL, 100),
    ('b', '2024-01-01', '2999-06-15', 100);     -- cancellation scheduled far ahead
-- start from no registrations, whatever earlier suites left (test/fixtures/views_reset.sql,
-- not echoed)
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SELECT register_source('subscriptions', 'future_src.subs');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'month');

SELECT max(month) = date_trunc('month', now())::date AS series_ends_at_current_month,
       count(*) FILTER (WHERE month > now()) AS months_in_the_future
FROM future_kpi.mrr_by_month;
SELECT as_of = date_trunc('month', now())::date AS as_of_is_current_month,
       customers, churn_rate, mrr
FROM future_kpi.kpi_overview;

-- In ltv both spans are still active at the end of the current month, the one with the end
-- to come too: censored there, after the same whole months since January 2024, so the
-- Kaplan-Meier lifetime is those months + 1.
SELECT segment, paying_customers,
       expected_lifetime = 1 + (SELECT date_part('year', a) * 12 + date_part('month', a)
                                FROM age(date_trunc('month', now()) + interval '1 month', timestamp '2024-01-01') a) AS both_censored
FROM future_kpi.ltv;

-- Only future data: nothing to report yet, and no error.
TRUNCATE future_src.subs;
INSERT INTO future_src.subs VALUES ('c', '2999-01-01', NULL, 5);
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'month');
SELECT count(*) AS months FROM future_kpi.mrr_by_month;
SELECT count(*) AS months FROM future_kpi.customer_flow_by_month;

-- A start far in the past, most often a mistyped year (1024 for 2024), would make the series
-- longer than the 10,000 periods the aggregates hold. Every view over it fails with an error
-- that names the series and the earliest start (the flows also its customer), and a hint:
-- not with a bare count of periods from inside an aggregate. A week grain reaches that limit
-- after 191 years; at a quarter grain the same data is a series of 4002 periods.
SET datestyle = 'ISO';
TRUNCATE future_src.subs;
INSERT INTO future_src.subs VALUES ('a', '2024-01-01', '2024-06-15', 100), ('typo', '1024-03-05', '1024-04-01', 100);
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'month');
SELECT v AS view_name, regress.expect_error(format('SELECT * FROM future_kpi.%I', v)) AS error
FROM unnest(ARRAY['mrr_by_month', 'customer_mrr_movements', 'customer_flow_by_month', 'cohort_retention_by_month',
                  'ltv', 'kpi_overview']) AS v;
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT month FROM future_kpi.mrr_by_month;
\set SHOW_CONTEXT errors
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'quarter');
SELECT min(quarter), max(quarter), count(*) AS quarters, sum(new_mrr) AS new_mrr FROM future_kpi.mrr_by_quarter;
SELECT min(quarter), max(quarter), count(*) AS quarters, sum(new_customers) AS new_customers FROM future_kpi.customer_flow_by_quarter;
-- The limit itself: 10,000 weeks from the week of 1832-01-02 to that of 2023-08-25 (Mondays
-- 1832-01-02 and 2023-08-21), then one week more.
TRUNCATE future_src.subs;
INSERT INTO future_src.subs VALUES ('a', '1832-01-02', '2023-08-25', 100);
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'week');
SELECT count(*) AS weeks, min(week), max(week) FROM future_kpi.mrr_by_week;
SELECT count(*) AS weeks, min(week), max(week) FROM future_kpi.customer_flow_by_week;
UPDATE future_src.subs SET started_at = started_at - 7;
SELECT regress.expect_error('SELECT * FROM future_kpi.mrr_by_week') AS error;
SELECT regress.expect_error('SELECT * FROM future_kpi.customer_flow_by_week') AS error;
RESET datestyle;

-- Rows dated ahead in other sources do not make a period to come current either: an upcoming
-- renewal leaves kpi_overview at the current month with the renewal rate of the latest month
-- that has come (June 2024: renewed), and an invoice due next millennium leaves the health
-- period at the current month (its customer's invoices of the year before: none).
CREATE TABLE future_src.accounts (id text);
INSERT INTO future_src.accounts VALUES ('a'), ('b');
CREATE TABLE future_src.renewals (customer_id text, due_at date, renewed boolean);
INSERT INTO future_src.renewals VALUES ('a', '2024-06-15', true), ('b', '2999-02-15', false);
CREATE TABLE future_src.invoices (customer_id text, due_at date, paid_at date, amount numeric);
INSERT INTO future_src.invoices VALUES ('a', '2024-02-01', '2024-02-01', 100), ('b', '2999-01-15', NULL, 100);
TRUNCATE future_src.subs;
INSERT INTO future_src.subs VALUES ('a', '2024-01-01', NULL, 100), ('b', '2024-01-01', NULL, 100);
SELECT register_source('customers', 'future_src.accounts', '{"customer_id": "id"}');
SELECT register_source('renewals', 'future_src.renewals');
SELECT register_source('invoices', 'future_src.invoices');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'month');
SELECT max(month) > now() AS renewals_ahead_are_listed FROM future_kpi.renewals_by_month;
SELECT as_of = date_trunc('month', now())::date AS as_of_is_current_month, renewal_rate
FROM future_kpi.kpi_overview;
SELECT customer_id, month = date_trunc('month', now())::date AS current_month, days_late
FROM future_kpi.customer_health ORDER BY customer_id;
SELECT unregister_source('renewals'), unregister_source('invoices'), unregister_source('customers');

-- Dropping a KPI schema by hand leaves csmetrics' list of views behind; granting access
-- afterwards skips what is gone instead of failing.
DROP SCHEMA future_kpi CASCADE;
CREATE ROLE future_reader;
SELECT grant_kpi_access('future_reader');
DROP OWNED BY future_reader;
DROP ROLE future_reader;
DELETE FROM csmetrics.kpi_access WHERE role_name = 'future_reader';
DELETE FROM csmetrics.sources;
DROP SCHEMA future_src CASCADE;

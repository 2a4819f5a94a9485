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

-- Only future data: nothing to report yet, and no error.
TRUNCATE future_src.subs;
INSERT INTO future_src.subs VALUES ('c', '2999-01-01', NULL, 5);
SELECT count(*) > 0 AS views_made FROM create_kpi_views('future_kpi', 'month');
SELECT count(*) AS months FROM future_kpi.mrr_by_month;
SELECT count(*) AS months FROM future_kpi.customer_flow_by_month;

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

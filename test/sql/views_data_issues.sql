-- data_issues lists every source row a KPI view leaves out, and why; kpi_overview shows the
-- latest value of each KPI.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- data_issues: every row left out, and why.
SELECT source, customer_id, problem FROM "KPI ""Views""".data_issues ORDER BY source, problem, customer_id;

-- kpi_overview: one row, the latest value of each KPI.
SELECT count(*) AS rows FROM "KPI ""Views""".kpi_overview;
SELECT o.as_of, o.mrr = (SELECT mrr FROM "KPI ""Views""".mrr_by_month ORDER BY month DESC LIMIT 1) AS mrr_is_latest,
       o.nps = (SELECT nps FROM "KPI ""Views""".nps_by_month ORDER BY month DESC LIMIT 1) AS nps_is_latest,
       o.ltv = (SELECT ltv FROM "KPI ""Views""".ltv WHERE segment = '(all)') AS ltv_ok
FROM "KPI ""Views""".kpi_overview o;

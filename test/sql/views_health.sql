-- The customer_health view follows the health model in csmetrics.health_measures.

-- Not echoed: the registered CRM of test/fixtures/crm_views.sql with its KPI views in the
-- schema "KPI Views"; search_path csmetrics, public; time zone UTC; ISO dates.
\set ECHO none
\i test/fixtures/crm_views.sql
\set ECHO all

-- Customer health follows the model: scores recomputed here from the view's own measures.
SELECT count(*) AS customers,
       count(*) FILTER (WHERE abs(health_score - health_score(ARRAY[usage_health, nps_health, support_health, billing_health],
                                                              ARRAY[40, 10, 20, 30]::float8[])) > 1e-9) AS score_mismatches,
       count(*) FILTER (WHERE abs(nps_health - health_normalize(nps_answer, 0, 10, true)) > 1e-9) AS nps_mismatches,
       count(*) FILTER (WHERE abs(billing_health - health_normalize(days_late, 0, 30, false)) > 1e-9) AS billing_mismatches,
       count(*) FILTER (WHERE health_band IS DISTINCT FROM health_band(health_score)) AS band_mismatches,
       count(*) FILTER (WHERE usage_health IS NULL) AS without_usage
FROM "KPI ""Views""".customer_health;
-- usage is ranked among the current customers (percentile rank, ties share the mean rank).
SELECT count(*) AS rank_mismatches FROM (
    SELECT usage_health, 100 * ((count(*) FILTER (WHERE u2 < usage)) + (count(*) FILTER (WHERE u2 = usage) - 1) / 2.0)
                         / (count(*) - 1) AS expected
    FROM (SELECT h.customer_id, h.usage, h.usage_health, o.usage AS u2
          FROM "KPI ""Views""".customer_health h CROSS JOIN "KPI ""Views""".customer_health o) s
    GROUP BY customer_id, usage, usage_health) r
WHERE abs(usage_health - expected) > 1e-9;
SELECT relative_band, count(*) FROM "KPI ""Views""".customer_health GROUP BY 1 ORDER BY 1;
-- The model is live: a new weight changes the plain view at once.
UPDATE health_measures SET weight = 0 WHERE measure IN ('usage', 'support', 'billing');
SELECT count(*) FILTER (WHERE abs(health_score - nps_health) > 1e-9) AS not_nps_only FROM "KPI ""Views""".customer_health;
INSERT INTO health_measures VALUES ('usage', 40, true, 'rank', NULL, NULL), ('support', 20, false, 'bounds', 0, 5),
                                   ('billing', 30, false, 'bounds', 0, 30);   -- INSERT replaces
SELECT measure, weight, higher_is_better, normalization, lower_bound, upper_bound FROM health_measures ORDER BY measure;
-- Every built-in measure ranked at once (support and billing fewer is better; customers
-- without an answer or an invoice have no NPS or billing value, and no rank): each measure's
-- health against its percentile rank among the current customers that have a value.
INSERT INTO health_measures VALUES ('usage', 40, true, 'rank', NULL, NULL), ('nps', 10, true, 'rank', NULL, NULL),
                                   ('support', 20, false, 'rank', NULL, NULL), ('billing', 30, false, 'rank', NULL, NULL);
WITH m AS (SELECT customer_id, measure, raw_value, health FROM "KPI ""Views""".customer_health_measures),
e AS (SELECT a.customer_id, a.measure,
             CASE WHEN a.raw_value IS NULL THEN NULL
                  WHEN count(b.raw_value) = 1 THEN 50
                  ELSE 100 * (count(*) FILTER (WHERE b.raw_value < a.raw_value)
                              + (count(*) FILTER (WHERE b.raw_value = a.raw_value) - 1) / 2.0) / (count(b.raw_value) - 1) END AS p
      FROM m AS a JOIN m AS b ON b.measure = a.measure
      GROUP BY a.customer_id, a.measure, a.raw_value)
SELECT m.measure, count(*) AS customers, count(m.raw_value) AS with_value, count(DISTINCT m.raw_value) AS distinct_values,
       count(m.health) AS ranked,
       count(*) FILTER (WHERE (m.health IS NULL) <> (e.p IS NULL)
                           OR abs(m.health - CASE WHEN m.measure IN ('support', 'billing') THEN 100 - e.p ELSE e.p END) > 1e-9) AS mismatches
FROM m JOIN e USING (customer_id, measure)
GROUP BY m.measure ORDER BY m.measure;
INSERT INTO health_measures VALUES ('usage', 40, true, 'rank', NULL, NULL), ('nps', 10, true, 'bounds', 0, 10),
                                   ('support', 20, false, 'bounds', 0, 5), ('billing', 30, false, 'bounds', 0, 30);
-- Usage and tickets are taken in the period of each event's day, at every grain: against the
-- events of [period start, next period start) counted here.
SET client_min_messages = warning;
SELECT g.grain, (SELECT count(*) FROM create_kpi_views('hg_' || g.grain, g.grain)) > 0 AS made
FROM (VALUES ('day'), ('week'), ('quarter')) AS g(grain) ORDER BY 1;
RESET client_min_messages;
CREATE TEMP VIEW hg_counts AS
SELECT h.grain, h.customer_id, h.period, h.usage, h.tickets,
       coalesce((SELECT sum(coalesce(u.quantity, 1)) FROM "KPI ""Views""_internal".usage_events u
                 WHERE u.customer_id::text = h.customer_id AND u.occurred_on >= h.period AND u.occurred_on < h.period_end), 0)::float8 AS usage_expected,
       (SELECT count(*) FROM "KPI ""Views""_internal".tickets t
        WHERE t.customer_id::text = h.customer_id AND t.opened_on >= h.period AND t.opened_on < h.period_end) AS tickets_expected
FROM (SELECT 'day' AS grain, customer_id, day AS period, day + 1 AS period_end, usage, tickets FROM hg_day.customer_health
      UNION ALL
      SELECT 'week', customer_id, week, week + 7, usage, tickets FROM hg_week.customer_health
      UNION ALL
      SELECT 'quarter', customer_id, quarter, (quarter + interval '3 months')::date, usage, tickets FROM hg_quarter.customer_health) AS h;
SELECT grain, min(period) AS period, count(*) AS customers, count(*) FILTER (WHERE usage > 0) AS with_usage,
       count(*) FILTER (WHERE tickets > 0) AS with_tickets,
       count(*) FILTER (WHERE usage IS DISTINCT FROM usage_expected) AS usage_mismatches,
       count(*) FILTER (WHERE tickets IS DISTINCT FROM tickets_expected) AS ticket_mismatches
FROM hg_counts GROUP BY grain ORDER BY grain;
DROP VIEW hg_counts;
SET client_min_messages = warning;
DROP SCHEMA hg_day, hg_day_internal, hg_week, hg_week_internal, hg_quarter, hg_quarter_internal CASCADE;
RESET client_min_messages;

-- The latest period is that of the latest event the checks keep. Later events they leave out
-- (an unknown customer's usage, a negative quantity) do not move it, also when one is the
-- latest row of its source; a later event they keep does, from any source, also from one
-- whose column is a date (invoices).
CREATE TEMP VIEW hl_as_of AS
SELECT (SELECT max(month) FROM "KPI ""Views""".customer_health) AS health_month,
       (SELECT max(month) FROM "KPI ""Views""".customer_health_measures) AS measures_month,
       (SELECT count(*) FROM "KPI ""Views""".data_issues WHERE source = 'usage_events') AS usage_issues;
SELECT health_month AS month_before, usage_issues AS issues_before FROM hl_as_of \gset
INSERT INTO "CRM Data".usage_events VALUES (999999, :'month_before'::date + interval '3 months 4 days', 1),
                                           (1, :'month_before'::date + interval '2 months 9 hours', -5);
SELECT health_month = :'month_before' AS health_unchanged, measures_month = :'month_before' AS measures_unchanged,
       usage_issues - :issues_before AS new_usage_issues
FROM hl_as_of;
INSERT INTO "CRM Data".usage_events VALUES (1, :'month_before'::date + interval '1 month 10 days', 3);
SELECT health_month - :'month_before'::date AS days_later, measures_month = health_month AS measures_agree FROM hl_as_of;
INSERT INTO "CRM Data".invoices VALUES (1, :'month_before'::date + interval '2 months 3 days', NULL, 10);
SELECT health_month - :'month_before'::date AS days_later, measures_month = health_month AS measures_agree FROM hl_as_of;
DELETE FROM "CRM Data".usage_events WHERE occurred_at > :'month_before'::date + interval '1 month';
DELETE FROM "CRM Data".invoices WHERE due_at > :'month_before'::date + interval '1 month';
SELECT health_month = :'month_before' AS back_to_before FROM hl_as_of;
DROP VIEW hl_as_of;

-- views/retention.sql: cohort retention and churn by reason, from the customers' MRR paths
-- (the mrr_paths helper, shared with the MRR views) and spans.

-- Builder of cohort_retention_by_<grain>: the cohort triangle of the customers' MRR paths in
-- one cohort_summary per view (or per segment), unfolded by cohort_retention(): one row per
-- cohort (the period a customer first paid in) and number of periods since.
CREATE FUNCTION @extschema@.kpi_view_cohort_retention(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}r.cohort::date AS cohort, r.periods_since_start, r.customers, r.retained_customers, r.logo_retention,
       r.starting_mrr, r.mrr, r.revenue_retention, r.gross_revenue_retention
FROM (SELECT {{segment}}@extschema@.cohort_summary(p.path) AS summary
      FROM {{mrr_paths}} AS p{{group_by_segment}}) AS q
CROSS JOIN LATERAL @extschema@.cohort_retention(q.summary) AS r$t$,
        -- a date series reports its cohorts as local midnight: ::date gives the date back in
        -- any reader's time zone
        ctx || jsonb_build_object('group_by_segment', CASE WHEN (ctx ->> 'by_segment')::boolean THEN ' GROUP BY p.segment' ELSE '' END));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_cohort_retention(jsonb) IS 'csmetrics internal: builder of cohort_retention_by_<grain>';

-- The churn events behind churn_by_reason_by_<grain>, a query ending in the CTE events (one
-- row per event: period_start, churn_reason, lost 1 or 0, churned_mrr, with the segment first
-- when by_segment is true). Two counts, each the same as in the view it splits:
--   churned_mrr: the MRR movement churn of mrr_by_<grain> (a customer paying at the end of
--     the previous period and not at the end of this one), from customer_mrr_changes() over
--     the MRR paths. Its reason: of the paying subscriptions in force at the end of the
--     previous period (they all ended within this one), the one that ended last.
--   lost_customers: the lost customers of customer_flow_by_<grain> (a span that started
--     before the period and ended in it). Its reason: of the span's subscriptions, the one
--     that ends it.
-- Ties between subscriptions that ended at the same instant: the larger MRR, then the later
-- start, then a reason before none, then the reasons in byte order. A blank reason is none;
-- none is shown as 'unknown'.
CREATE FUNCTION @extschema@.kpi_churn_events(ctx jsonb, by_segment boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
WITH subs AS {{row_cte}}(
    SELECT customer_id, started_at, ended_at, started_on, ended_on, mrr, nullif(btrim(churn_reason), '') AS churn_reason{{subs_segment}}
    FROM {{subscriptions}}),
bounds AS MATERIALIZED ({{bounds}}),
mrr_churn AS (
    SELECT p.customer_id, m.period_start::date AS period_start, m.previous_mrr AS churned_mrr
    FROM {{mrr_paths}} AS p CROSS JOIN LATERAL @extschema@.customer_mrr_changes(p.path) AS m
    WHERE m.movement = 'churn'),
mrr_churn_reason AS (
    SELECT DISTINCT ON (c.customer_id, c.period_start) c.period_start, c.churned_mrr, s.churn_reason{{s_segment}}
    FROM mrr_churn AS c
    JOIN subs AS s ON s.customer_id = c.customer_id AND s.mrr > 0 AND s.started_on < c.period_start
                  AND (s.ended_on IS NULL OR s.ended_on >= c.period_start)
    ORDER BY c.customer_id, c.period_start, {{last_ended}}),
lost AS (
    SELECT sp.customer_id, sp.ended_at, @extschema@.kpi_period_start(sp.ended_on, {{grain}}) AS period_start
    FROM {{spans}} AS sp CROSS JOIN bounds AS b
    WHERE sp.ended_on IS NOT NULL AND sp.started_on < @extschema@.kpi_period_start(sp.ended_on, {{grain}})
      AND @extschema@.kpi_period_start(sp.ended_on, {{grain}}) <= b.last_period),
lost_reason AS (
    SELECT DISTINCT ON (l.customer_id, l.ended_at) l.period_start, s.churn_reason{{s_segment}}
    FROM lost AS l
    JOIN subs AS s ON s.customer_id = l.customer_id AND s.ended_at = l.ended_at
    ORDER BY l.customer_id, l.ended_at, {{last_ended}}),
events AS (
    SELECT {{event_segment}}period_start, coalesce(churn_reason, 'unknown') AS churn_reason, 1 AS lost, 0::numeric AS churned_mrr
    FROM lost_reason
    UNION ALL
    SELECT {{event_segment}}period_start, coalesce(churn_reason, 'unknown'), 0, churned_mrr
    FROM mrr_churn_reason)$t$,
        -- the segment, where it is wanted, from the subscription that gives the reason (the
        -- clean subscriptions carry their customer's; elsewhere that lookup is dropped)
        ctx || jsonb_build_object(
            'subs_segment', CASE WHEN by_segment THEN ', segment' ELSE '' END,
            's_segment', CASE WHEN by_segment THEN ', s.segment' ELSE '' END,
            'event_segment', CASE WHEN by_segment THEN 'segment, ' ELSE '' END,
            'bounds', @extschema@.kpi_series_bounds(ctx, ctx ->> 'spans', ctx ->> 'grain'),
            'last_ended', 's.ended_at DESC NULLS LAST, s.mrr DESC, s.started_at DESC, s.churn_reason COLLATE pg_catalog."C" ASC NULLS LAST'));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_churn_events(jsonb, boolean) IS 'csmetrics internal: the query of the churn events (lost customers and churned MRR with their reasons) up to the CTE events';

-- Builder of churn_summaries (a helper, made in materialized sets only): the churn events
-- counted by segment, period and reason, in one pass, which both variants of
-- churn_by_reason_by_<grain> add up. The events are those the views find (which subscription
-- gives an event its reason does not depend on the segment), split by segment; their counts
-- and MRR are exact sums, so adding up the segments gives each period's and reason's.
CREATE FUNCTION @extschema@.kpi_view_churn_summaries(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (ctx ->> 'materialized')::boolean THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_churn_events(ctx, true) || @extschema@.kpi_render($t$
SELECT e.segment, e.period_start AS {{period}}, e.churn_reason, sum(e.lost)::bigint AS lost_customers, sum(e.churned_mrr) AS churned_mrr
FROM events AS e
GROUP BY e.segment, e.period_start, e.churn_reason$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_churn_summaries(jsonb) IS 'csmetrics internal: builder of the churn_summaries helper relation (materialized sets only)';

-- Builder of churn_by_reason_by_<grain>: the churn events (kpi_churn_events) counted by period
-- and reason, or in a materialized set the counts of churn_summaries added up; each reason's
-- share of its period's churn. A reason with only one of the two counts gets 0 for the other.
CREATE FUNCTION @extschema@.kpi_view_churn_by_reason(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    summaries boolean := ctx -> 'made' ? 'churn_summaries';
BEGIN
    RETURN CASE WHEN summaries THEN '' ELSE @extschema@.kpi_churn_events(ctx, (ctx ->> 'by_segment')::boolean) END
        || @extschema@.kpi_render($t$
SELECT {{segment}}e.{{source_period}} AS {{period}}, e.churn_reason, sum(e.{{lost}})::bigint AS lost_customers,
       sum(e.churned_mrr) AS churned_mrr,
       sum(e.{{lost}})::float8 / nullif(sum(sum(e.{{lost}})) OVER w, 0) AS share_of_lost_customers,
       (sum(e.churned_mrr) / nullif(sum(sum(e.churned_mrr)) OVER w, 0))::float8 AS share_of_churned_mrr
FROM {{events}} AS e
GROUP BY {{segment}}e.{{source_period}}, e.churn_reason
WINDOW w AS (PARTITION BY {{segment}}e.{{source_period}})$t$,
            ctx || CASE WHEN summaries
                        THEN jsonb_build_object('events', ctx ->> 'churn_summaries', 'source_period', ctx ->> 'period', 'lost', 'lost_customers')
                        ELSE '{"events": "events", "source_period": "period_start", "lost": "lost"}'::jsonb END);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_churn_by_reason(jsonb) IS 'csmetrics internal: builder of churn_by_reason_by_<grain>';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, internal, description) VALUES
    (345, 'churn_summaries', 'flow', '@extschema@.kpi_view_churn_summaries', '{subscriptions}', ARRAY['segment', '{{grain_name}}', 'churn_reason'], true,
     'The churn events (customers lost and MRR churned) counted by segment, {{grain_name}} and churn reason (helper of churn_by_reason in a materialized set)');

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, by_segment, overview_pick,
                                      description, column_descriptions) VALUES
    (340, 'cohort_retention_by_{{grain_name}}', 'revenue', '@extschema@.kpi_view_cohort_retention', '{subscriptions}',
     ARRAY['cohort', 'periods_since_start'], true, NULL,
     'Cohort retention{{and_segment}}: customers grouped by the {{grain_name}} they first paid in, and for each {{grain_name}} since then how many still pay (logo retention) and how much (revenue retention and gross revenue retention)',
     '{"customers": "customers in the cohort (first paying in its period)",
       "starting_mrr": "MRR of the cohort at the end of its first period",
       "mrr": "MRR of the cohort''s customers at the end of the period periods_since_start after the cohort''s first"}'),
    (350, 'churn_by_reason_by_{{grain_name}}', 'flow', '@extschema@.kpi_view_churn_by_reason', '{subscriptions}',
     ARRAY['{{grain_name}}', 'churn_reason'], true, 'summary',
     'Customers lost and MRR churned by {{grain_name}}{{and_segment}} and churn reason (the reason of the subscription that ended last; unknown when it has none), with each reason''s share of the period''s churn',
     '{"lost_customers": "customers lost in the period for this reason: customers at its start who left in it, as lost_customers of customer_flow_by_<grain>",
       "churned_mrr": "MRR churned in the period for this reason: the MRR of customers paying at the end of the previous period and not at its end, as churned_mrr of mrr_by_<grain>"}');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('cohort', 'first day of the {{grain_name}} the cohort''s customers first paid in (MRR > 0 at its end)'),
    ('periods_since_start', '{{grain_name}}s since the cohort''s first (0: the cohort''s own {{grain_name}})'),
    ('retained_customers', 'customers of the cohort paying (MRR > 0) at the end of the {{grain_name}}; one who left and came back counts again'),
    ('logo_retention', 'retained_customers / customers, a fraction'),
    ('revenue_retention', 'cohort net revenue retention: mrr / starting_mrr, a fraction (above 1 when expansion outweighs churn)'),
    ('gross_revenue_retention', 'cohort gross revenue retention: the sum over its customers of least(MRR then, starting MRR) / starting_mrr, a fraction (at most 1)'),
    ('churn_reason', 'why the customers left: the churn_reason of their subscription that ended last (unknown when it has none)'),
    ('share_of_lost_customers', 'lost_customers / all customers lost in the {{grain_name}}, a fraction'),
    ('share_of_churned_mrr', 'churned_mrr / all MRR churned in the {{grain_name}}, a fraction');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (235, 'top_churn_reason', 'churn_by_reason_by_{{grain_name}}',
     -- the latest period is that of customer_flow_by_<grain>, made whenever this view is (both
     -- need the subscriptions alone), over the same series; kpi_overview reads it first
     '(pg_catalog.array_agg(v.churn_reason ORDER BY v.lost_customers DESC, v.churned_mrr DESC, v.churn_reason COLLATE pg_catalog."C")'
     ' FILTER (WHERE v.{{period}} = (SELECT f.as_of FROM latest_customer_flow_by_{{grain_name}} AS f) AND v.lost_customers > 0))[1]',
     'text', 'churn reason of the most customers lost in the latest period (ties: more MRR churned, then the reason in byte order); NULL when no customer was lost in it');

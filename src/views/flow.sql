-- views/flow.sql: customer flow (customers at start and end, new and lost customers, churn
-- and retention) by period, from the customers' spans.

-- The period series of the views that follow subscriptions: from the period of the first
-- start to that of the last change (a start or an end), but never past the current period: a
-- scheduled cancellation or a contract end date in the future is not yet a KPI. One row
-- (first_period, last_period, periods), or none when there is nothing to show yet. rows is a
-- relation with the columns started_on and last_change_on; grain a grain literal. All three
-- are computed by the aggregate itself, once: as columns of a subquery they would be computed
-- again for every row joined to them.
CREATE FUNCTION @extschema@.kpi_series_bounds(ctx jsonb, rows text, grain text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    ctx := ctx || jsonb_build_object('bounds_rows', rows, 'bounds_grain', grain);
    ctx := ctx || jsonb_build_object(
        'first_period', @extschema@.kpi_render('@extschema@.kpi_period_start(min(r.started_on), {{bounds_grain}})', ctx),
        'last_period', @extschema@.kpi_render($t$least(@extschema@.kpi_period_start(max(r.last_change_on), {{bounds_grain}}),
                 @extschema@.kpi_period_start({{today}}, {{bounds_grain}}))$t$, ctx));
    RETURN @extschema@.kpi_render($t$SELECT {{first_period}} AS first_period,
           {{last_period}} AS last_period,
           @extschema@.kpi_period_count({{first_period}}, {{last_period}}, {{bounds_grain}}) AS periods
    FROM {{bounds_rows}} AS r
    HAVING {{first_period}} <= {{last_period}}$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_series_bounds(jsonb, text, text) IS 'csmetrics internal: SELECT of the first and last period (and their count) of the series over subscriptions';

-- Builder of spans (a helper relation): each customer's subscriptions merged where they
-- overlap or touch. A new span starts where a subscription starts after every earlier one
-- of the customer has ended. Merged as instants, then given as local dates (started_on,
-- ended_on) for the period series; last_change_on is the last start or end of its
-- subscriptions (an end may lie in the future of an open span's other subscriptions). The
-- customer's segment is joined to the finished spans, so that a view that shows no segment
-- does not look customers up at all (the planner drops the join).
CREATE FUNCTION @extschema@.kpi_view_spans(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT sp.*, {{segment_value}} AS segment
FROM (
SELECT b.customer_id, min(b.started_at) AS started_at,
       CASE WHEN bool_or(b.ended_at IS NULL) THEN NULL ELSE max(b.ended_at) END AS ended_at,
       (min(b.started_at) AT TIME ZONE {{zone}})::date AS started_on,
       CASE WHEN bool_or(b.ended_at IS NULL) THEN NULL ELSE (max(b.ended_at) AT TIME ZONE {{zone}})::date END AS ended_on,
       max(greatest(b.started_on, b.ended_on)) AS last_change_on
FROM (SELECT a.*, count(*) FILTER (WHERE a.starts_span)
                      OVER (PARTITION BY a.customer_id ORDER BY a.started_at, a.ended_at NULLS LAST ROWS UNBOUNDED PRECEDING) AS span_no
      FROM (SELECT s.customer_id, s.started_at, s.ended_at, s.started_on, s.ended_on,
                   coalesce(s.started_at > max(coalesce(s.ended_at, 'infinity'))
                            OVER (PARTITION BY s.customer_id ORDER BY s.started_at, s.ended_at NULLS LAST
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS starts_span
            FROM {{subscriptions}} AS s) AS a) AS b
GROUP BY b.customer_id, b.span_no) AS sp{{segment_join}}$t$,
        ctx || @extschema@.kpi_segment_keys(ctx, 'subscriptions', 'sp', true));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_spans(jsonb) IS 'csmetrics internal: builder of the spans helper relation (subscriptions merged where they overlap or touch)';

-- Builder of customer_flow_by_<grain>: one pass gives every period of the series. A plain
-- view on a single server reads the subscriptions with kpi_subscription_flows(), which
-- merges them into spans itself (cheaper than the spans view's sort and window passes). The
-- others count the spans with customer_flows(): a materialized set has them stored, a
-- _by_segment view needs one series for all segments, and under Citus the flows of each
-- shard's spans are summed up in the shard (the spans are read twice there; a plain spans
-- view is otherwise computed once).
CREATE FUNCTION @extschema@.kpi_view_customer_flow(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    from_subscriptions boolean := NOT ((ctx ->> 'by_segment')::boolean OR (ctx ->> 'materialized')::boolean
                                       OR (ctx ->> 'distributed')::boolean);
    head text := '';
    flows text;
BEGIN
    IF from_subscriptions THEN
        -- (today as a subquery: computed once, not for every row)
        flows := $one$
FROM (SELECT @extschema@.kpi_subscription_flows(s.customer_id, s.started_at, s.ended_at, s.started_on, s.ended_on,
                                                 {{grain}}, (SELECT {{today}})) AS flows
      FROM {{subscriptions}} AS s) AS q$one$;
    ELSE
        head := $w$
WITH sp AS {{row_cte}}(SELECT {{segment}}s.customer_id, s.started_on, s.ended_on, s.last_change_on FROM {{spans}} AS s)$w$;
        flows := $spans$
FROM (SELECT {{segment}}@extschema@.customer_flows(sp.started_on, sp.ended_on, b.first_period, {{step}}, b.periods) AS flows
      FROM sp CROSS JOIN ({{bounds}}) AS b
      GROUP BY {{segment}}b.first_period, b.periods) AS q$spans$;
        ctx := ctx || jsonb_build_object('bounds', @extschema@.kpi_series_bounds(ctx, 'sp', ctx ->> 'grain'));
    END IF;
    RETURN @extschema@.kpi_render(head || $t$
SELECT {{segment}}f.period_start::date AS {{period}}, f.customers_start::bigint AS customers_start,
       f.new_customers::bigint AS new_customers, f.lost_customers::bigint AS lost_customers,
       f.lost_new_customers::bigint AS lost_new_customers, f.customers_end::bigint AS customers_end,
       @extschema@.churn_rate(f)::float8 AS churn_rate, @extschema@.retention_rate(f)::float8 AS retention_rate$t$ || flows || $u$
CROSS JOIN LATERAL unnest(q.flows) AS f$u$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_flow(jsonb) IS 'csmetrics internal: builder of customer_flow_by_<grain>';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, by_segment, internal,
                                      overview_pick, description) VALUES
    (200, 'spans', 'flow', '@extschema@.kpi_view_spans', '{subscriptions}', ARRAY['customer_id', 'started_at'], false, true, NULL,
     'Each customer''s subscriptions merged into spans where they overlap or touch (helper of the flow and LTV views)'),
    (210, 'customer_flow_by_{{grain_name}}', 'flow', '@extschema@.kpi_view_customer_flow', '{subscriptions}', ARRAY['{{grain_name}}'], true, false, 'latest',
     'Customers at start and end, new and lost customers, churn and retention rate by {{grain_name}}{{and_segment}} (from subscriptions merged into customer spans)');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('customers_start', 'customers at the start of the {{grain_name}}'),
    ('new_customers', 'customers who started in the {{grain_name}} (new or returning)'),
    ('lost_customers', 'customers at the start of the {{grain_name}} who left in it'),
    ('lost_new_customers', 'customers who joined and left within the {{grain_name}}'),
    ('customers_end', 'customers at the end of the {{grain_name}}'),
    ('churn_rate', 'churn rate: lost / customers at start, a fraction'),
    ('retention_rate', 'retention rate: (customers at end - new) / customers at start, a fraction');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (70, 'customers', 'customer_flow_by_{{grain_name}}', 'v.customers_end', 'bigint', 'customers at the end of the latest period'),
    (80, 'churn_rate', 'customer_flow_by_{{grain_name}}', 'v.churn_rate', 'float8', 'churn rate of the latest period, a fraction'),
    (90, 'retention_rate', 'customer_flow_by_{{grain_name}}', 'v.retention_rate', 'float8', 'retention rate of the latest period, a fraction');

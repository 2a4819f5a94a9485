-- views/revenue.sql: MRR and its movements by period, each customer's MRR movements, and
-- lifetime value.
--
-- A customer's MRR for a period is the sum of its subscriptions in force at the period end
-- (started before it, not ended before it). The helper mrr_paths holds each customer's MRR
-- path over the series (mrr_path(): its MRR at every period end, as change points); the
-- MRR views read the paths with the one-pass aggregates of src/mrr_paths.sql, so that their
-- cost follows the rows and the output, never customers x periods.

-- Builder of mrr_paths (a helper relation): one row per customer, its MRR path over the
-- series of the views' periods, and its segment (joined to the paths: a view that shows no
-- segment does not look customers up). The subscriptions are read once (bounds and paths; under
-- Citus twice, so that the paths are made in the shards).
CREATE FUNCTION @extschema@.kpi_view_mrr_paths(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
WITH subs AS {{row_cte}}(SELECT customer_id, started_on, ended_on, mrr FROM {{subscriptions}})
SELECT p.customer_id, p.path, {{segment_value}} AS segment
FROM (SELECT s.customer_id, @extschema@.mrr_path(s.started_on, s.ended_on, s.mrr, b.first_period, {{step}}, b.periods) AS path
      FROM subs AS s CROSS JOIN ({{bounds}}) AS b
      GROUP BY s.customer_id, b.first_period, b.periods) AS p{{segment_join}}$t$,
        ctx || jsonb_build_object('bounds', @extschema@.kpi_series_bounds(ctx,
            '(SELECT s.started_on, greatest(s.started_on, s.ended_on) AS last_change_on FROM subs AS s)',
            ctx ->> 'grain'))
            || @extschema@.kpi_segment_keys(ctx, 'subscriptions', 'p', true));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_mrr_paths(jsonb) IS 'csmetrics internal: builder of the mrr_paths helper relation (the MRR path of each customer over the series)';

-- Builder of customer_mrr_movements: each customer's row for every period from its first
-- paying period on (periods with no MRR before or after left out), unfolded from its path.
-- The paths are put in the order of the customers first, and kpi_mrr_movement_rows() gives
-- each customer's periods in order (making each date and amount once, not once per row), so
-- the view's rows come in key order as they are made: its registry row sorts them by customer
-- only, which the sorted paths already are, and nothing sorts the millions of rows again.
CREATE FUNCTION @extschema@.kpi_view_customer_mrr_movements(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT p.customer_id, p.segment, m.period_start AS {{period}}, m.previous_mrr, m.mrr, m.mrr_change, m.movement
FROM (SELECT p.customer_id::text AS customer_id, p.segment, p.path FROM {{mrr_paths}} AS p ORDER BY 1) AS p
CROSS JOIN LATERAL @extschema@.kpi_mrr_movement_rows(p.path) AS m$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_mrr_movements(jsonb) IS 'csmetrics internal: builder of customer_mrr_movements';

-- Builder of mrr_by_<grain>: the movements of every period (of each segment) in one pass
-- over the customers' paths, each period's row computed once and read field by field. A
-- period shows from the first one whose end finds a paying customer (of the segment) on.
CREATE FUNCTION @extschema@.kpi_view_mrr(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}{{period}}, (m).ending_mrr::numeric AS mrr, (m).starting_mrr::numeric AS starting_mrr,
       (m).new_mrr::numeric AS new_mrr, (m).expansion_mrr::numeric AS expansion_mrr,
       (m).contraction_mrr::numeric AS contraction_mrr, (m).churned_mrr::numeric AS churned_mrr,
       (m).reactivation_mrr::numeric AS reactivation_mrr, @extschema@.net_new_mrr(m)::numeric AS net_new_mrr,
       @extschema@.nrr(m)::float8 AS nrr, @extschema@.grr(m)::float8 AS grr,
       @extschema@.quick_ratio(m)::float8 AS quick_ratio, (m).customers_end::bigint AS paying_customers,
       round(@extschema@.arpa(m), 2)::numeric AS arpa
FROM (SELECT {{segment}}(m).period_start::date AS {{period}}, m,
             bool_or((m).customers_end > 0) OVER ({{partition_by_segment}}ORDER BY (m).period_start) AS paid_yet
      FROM (SELECT {{segment}}@extschema@.mrr_movements(p.path) AS movements
            FROM {{mrr_paths}} AS p{{group_by_segment}}) AS q
      CROSS JOIN LATERAL unnest(q.movements) AS m) AS r
WHERE r.paid_yet$t$,
        ctx || CASE WHEN (ctx ->> 'by_segment')::boolean
                    THEN '{"group_by_segment": "\n            GROUP BY segment", "partition_by_segment": "PARTITION BY segment "}'::jsonb
                    ELSE '{"group_by_segment": "", "partition_by_segment": ""}' END);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_mrr(jsonb) IS 'csmetrics internal: builder of mrr_by_<grain>';

-- Builder of ltv: per segment and for all customers ('(all)'). Always monthly, whatever the
-- grain, because LTV = monthly ARPA / monthly churn: ARPA at the end of the latest month,
-- mean monthly churn of the last 12 months (the flows of the spans), Kaplan-Meier lifetime
-- from the spans' tenures in whole months up to the data end (the end of the latest month:
-- an end after it is still to come), and the success and acquisition costs of the last 12
-- months when costs are registered.
--
-- On a single server, kpi_subscription_lifetimes() gives the flows, the tenures and the MRR
-- at the end of every segment in one pass over the subscriptions. Under Citus, where that
-- aggregate (every row kept, no combine function) would bring all subscriptions to the
-- coordinator, SQL computes the same from the spans (counted in the shards) and the
-- subscriptions. Both give the same rows.
CREATE FUNCTION @extschema@.kpi_view_ltv(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    segmented boolean := (ctx ->> 'segmented')::boolean;
    pieces text;
BEGIN
    IF NOT (ctx ->> 'distributed')::boolean THEN
        -- a segment with no customer in force at the end of the latest month has no ARPA
        -- and shows no lifetime
        pieces := $t$
WITH lt AS (
    SELECT l.* FROM (SELECT @extschema@.kpi_subscription_lifetimes(s.customer_id, s.started_at, s.ended_at, s.started_on, s.ended_on,
                                                                   {{lifetime_segment}}, s.mrr, {{zone}}, (SELECT {{today}})) AS lifetimes
                     FROM {{subscriptions}} AS s) AS q
    CROSS JOIN LATERAL unnest(q.lifetimes) AS l),
segs AS (SELECT l.segment FROM lt AS l),
last AS (SELECT max(l.latest_month) AS month, (max(l.latest_month) + '1 month'::interval)::date AS data_end FROM lt AS l),
arpa AS (
    SELECT l.segment, l.paying_customers, l.mrr / nullif(l.paying_customers, 0) AS arpa, l.survival
    FROM lt AS l WHERE l.customers_in_force > 0),
flows AS (SELECT l.segment, l.recent_flows AS flows FROM lt AS l),
km AS (
    SELECT a.segment, t.expected_lifetime, a.arpa * t.expected_lifetime::numeric AS ltv_km
    FROM arpa AS a CROSS JOIN LATERAL (SELECT @extschema@.expected_lifetime(a.survival) AS expected_lifetime) AS t),$t$;
    ELSE
        pieces := $t$
WITH sp AS {{row_cte}}(SELECT s.started_at, s.ended_at, s.started_on, s.ended_on, s.last_change_on{{sp_segment}} FROM {{spans}} AS s),
lspans AS (
    SELECT '(all)'::text AS segment, started_at, ended_at, started_on, ended_on, last_change_on FROM sp{{spans_by_segment}}),
segs AS (SELECT DISTINCT segment FROM lspans),
bounds AS ({{bounds}}),
last AS (SELECT max(b.last_period) AS month, (max(b.last_period) + '1 month'::interval)::date AS data_end FROM bounds AS b),
at_end AS (
    SELECT s.customer_id{{at_end_segment}}, sum(s.mrr) AS mrr
    FROM {{subscriptions}} AS s CROSS JOIN last AS l
    WHERE s.started_on < l.data_end AND (s.ended_on IS NULL OR s.ended_on >= l.data_end)
    GROUP BY s.customer_id{{at_end_segment}}),
lmrr AS (SELECT '(all)'::text AS segment, mrr FROM at_end{{mrr_by_segment}}),
arpa AS (
    SELECT m.segment, count(*) FILTER (WHERE m.mrr > 0) AS paying_customers,
           sum(m.mrr) / nullif(count(*) FILTER (WHERE m.mrr > 0), 0) AS arpa
    FROM lmrr AS m GROUP BY m.segment),
flows AS (
    SELECT sp.segment, @extschema@.customer_flows(sp.started_on, sp.ended_on, b.first_period, '1 month'::interval, b.periods) AS flows
    FROM lspans AS sp CROSS JOIN bounds AS b GROUP BY sp.segment, b.first_period, b.periods),
span_tenures AS (
    -- whole months from start to end, as wall time in the views' time zone, once per span,
    -- as float8 (extract() would make numerics); a span that lasts past the data end (open,
    -- or with an end to come) is still active there, one that starts after it not counted
    SELECT {{tenure_segment}}(date_part('year', t.age) * 12 + date_part('month', t.age))::int AS tenure, t.churned
    FROM (SELECT {{tenure_sp_segment}}age(CASE WHEN sp.ended_on < l.data_end THEN sp.ended_at AT TIME ZONE {{zone}} ELSE l.data_end::timestamp END,
                                              sp.started_at AT TIME ZONE {{zone}}) AS age,
                 coalesce(sp.ended_on < l.data_end, false) AS churned
          FROM sp CROSS JOIN last AS l WHERE sp.started_on < l.data_end) AS t),
tenures AS (SELECT '(all)'::text AS segment, tenure, churned FROM span_tenures{{tenures_by_segment}}),
km AS (
    SELECT t.segment, @extschema@.expected_lifetime(@extschema@.survival_summary(t.tenure, t.churned)) AS expected_lifetime,
           @extschema@.ltv(a.arpa, t.tenure, t.churned) AS ltv_km
    FROM tenures AS t JOIN arpa AS a ON a.segment = t.segment GROUP BY t.segment),$t$;
    END IF;
    RETURN @extschema@.kpi_render(pieces || $t$
churn AS (
    -- (the mean in period order: a float sum in another order can differ in its last bit)
    SELECT q.segment, avg(@extschema@.churn_rate(f) ORDER BY f.period_start) AS churn_rate, sum(f.new_customers) AS new_customers,
           max(f.customers_end) FILTER (WHERE f.period_start::date = l.month) AS customers
    FROM flows AS q CROSS JOIN LATERAL unnest(q.flows) AS f CROSS JOIN last AS l
    WHERE f.period_start::date > (l.month - '12 months'::interval)::date
    GROUP BY q.segment),
cost AS ({{costs_of_the_year}}),
base AS (
    SELECT s.segment, coalesce(a.paying_customers, 0) AS paying_customers, a.arpa, ch.churn_rate,
           @extschema@.ltv(a.arpa, ch.churn_rate) AS ltv, k.expected_lifetime, k.ltv_km,
           co.success / 12 / nullif(o.customers, 0) AS crc, co.acquisition / nullif(o.new_customers, 0) AS cac
    FROM segs AS s LEFT JOIN arpa AS a ON a.segment = s.segment LEFT JOIN churn AS ch ON ch.segment = s.segment
    LEFT JOIN km AS k ON k.segment = s.segment CROSS JOIN cost AS co LEFT JOIN churn AS o ON o.segment = '(all)')
-- money to the cent (ratios from the exact values): the float churn rate and lifetime, and
-- the divisions, leave noise in further digits
SELECT segment, paying_customers, round(arpa, 2) AS arpa, churn_rate::float8 AS churn_rate,
       round(ltv::numeric, 2) AS ltv, expected_lifetime::float8 AS expected_lifetime, round(ltv_km::numeric, 2) AS ltv_km,
       round(crc, 2) AS crc, round(cac, 2) AS cac,
       (arpa / nullif(crc, 0))::float8 AS ltv_to_crc, (ltv / nullif(cac, 0))::float8 AS ltv_to_cac
FROM base$t$,
        ctx || jsonb_build_object(
            'lifetime_segment', CASE WHEN segmented THEN 's.segment' ELSE 'NULL::text' END,
            'bounds', @extschema@.kpi_series_bounds(ctx, 'sp', quote_literal('month')),
            'spans_by_segment', CASE WHEN segmented
                THEN E'\n    UNION ALL SELECT segment, started_at, ended_at, started_on, ended_on, last_change_on FROM sp'
                ELSE '' END,
            'mrr_by_segment', CASE WHEN segmented THEN ' UNION ALL SELECT segment, mrr FROM at_end' ELSE '' END,
            'tenures_by_segment', CASE WHEN segmented THEN ' UNION ALL SELECT segment, tenure, churned FROM span_tenures' ELSE '' END,
            'tenure_segment', CASE WHEN segmented THEN 't.segment, ' ELSE '' END,
            'tenure_sp_segment', CASE WHEN segmented THEN 'sp.segment, ' ELSE '' END,
            'costs_of_the_year', CASE WHEN @extschema@.kpi_has(ctx, 'costs') THEN @extschema@.kpi_render($c$
    SELECT sum(c.amount) FILTER (WHERE c.kind = 'success') AS success, sum(c.amount) FILTER (WHERE c.kind = 'acquisition') AS acquisition
    FROM {{costs}} AS c CROSS JOIN last AS l
    WHERE c.incurred_on >= (l.month - '11 months'::interval)::date AND c.incurred_on < l.data_end$c$, ctx)
                ELSE 'SELECT NULL::numeric AS success, NULL::numeric AS acquisition' END,
            'at_end_segment', CASE WHEN segmented THEN ', s.segment' ELSE '' END,
            'sp_segment', CASE WHEN segmented THEN ', s.segment' ELSE '' END));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_ltv(jsonb) IS 'csmetrics internal: builder of ltv';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, optional_sources, keys, by_segment, internal,
                                      materialize, overview_pick, description, column_descriptions, sort_keys) VALUES
    (300, 'mrr_paths', 'revenue', '@extschema@.kpi_view_mrr_paths', '{subscriptions}', '{}', ARRAY['customer_id'],
     false, true, true, NULL,
     'MRR path of each customer: its MRR at the end of every {{grain_name}} of the series (helper of the MRR views)', '{}', NULL),
    (310, 'customer_mrr_movements', 'revenue', '@extschema@.kpi_view_customer_mrr_movements', '{subscriptions}', '{}',
     ARRAY['customer_id', '{{grain_name}}'], false, false, false, NULL,
     'MRR of each customer at the end of each {{grain_name}} and its movement class (new, expansion, contraction, churn, reactivation, unchanged)', '{}', ARRAY['customer_id']),
    (320, 'mrr_by_{{grain_name}}', 'revenue', '@extschema@.kpi_view_mrr', '{subscriptions}', '{}', ARRAY['{{grain_name}}'], true, false, true, 'latest',
     'MRR and its movements, NRR, GRR, quick ratio and ARPA by {{grain_name}}{{and_segment}} (MRR = subscriptions in force at the period end)', '{}', NULL),
    (330, 'ltv', 'revenue', '@extschema@.kpi_view_ltv', '{subscriptions}', '{costs}', ARRAY['segment'], false, false, true, 'all',
     'Lifetime value per segment and for all customers (segment (all)): ARPA at the latest month, average monthly churn of the last 12 months, LTV = ARPA / churn, Kaplan-Meier LTV, retention and acquisition cost',
     '{"churn_rate": "mean monthly churn rate of the last 12 months, a fraction",
       "paying_customers": "customers with MRR > 0 at the end of the latest month",
       "arpa": "average revenue per account at the end of the latest month: MRR / paying customers, to the cent"}', NULL);

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('previous_mrr', 'MRR at the end of the previous {{grain_name}}'),
    ('mrr', 'monthly recurring revenue at the end of the {{grain_name}}'),
    ('mrr_change', 'mrr - previous_mrr'),
    ('movement', 'MRR movement: new, expansion, contraction, churn, reactivation or unchanged'),
    ('starting_mrr', 'MRR at the start of the {{grain_name}}'),
    ('new_mrr', 'MRR of new customers'),
    ('expansion_mrr', 'MRR added by existing customers'),
    ('contraction_mrr', 'MRR lost by customers who stayed'),
    ('churned_mrr', 'MRR lost by customers who left'),
    ('reactivation_mrr', 'MRR of returning customers'),
    ('net_new_mrr', 'new + reactivation + expansion - contraction - churn'),
    ('nrr', 'net revenue retention, a fraction (1 = all revenue kept)'),
    ('grr', 'gross revenue retention, a fraction (at most 1)'),
    ('quick_ratio', 'SaaS quick ratio: (new + expansion + reactivation) / (contraction + churn)'),
    ('paying_customers', 'customers with MRR > 0 at the end of the period'),
    ('arpa', 'average revenue per account: MRR / paying customers, to the cent'),
    ('ltv', 'lifetime value: ARPA / monthly churn rate, to the cent (NULL when churn is 0)'),
    ('ltv_km', 'Kaplan-Meier lifetime value: ARPA x restricted mean lifetime, to the cent'),
    ('expected_lifetime', 'Kaplan-Meier restricted mean lifetime in months'),
    ('crc', 'customer retention cost per customer per month (success costs of the last 12 months / 12 / customers), to the cent'),
    ('cac', 'customer acquisition cost (acquisition costs of the last 12 months / new customers in them), to the cent'),
    ('ltv_to_crc', 'LTV : CRC = lifetime value / lifetime retention cost = ARPA / CRC'),
    ('ltv_to_cac', 'LTV : CAC');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (100, 'mrr', 'mrr_by_{{grain_name}}', 'v.mrr', 'numeric', 'MRR at the end of the latest period'),
    (110, 'net_new_mrr', 'mrr_by_{{grain_name}}', 'v.net_new_mrr', 'numeric', 'net new MRR of the latest period'),
    (120, 'nrr', 'mrr_by_{{grain_name}}', 'v.nrr', 'float8', 'net revenue retention of the latest period, a fraction'),
    (130, 'grr', 'mrr_by_{{grain_name}}', 'v.grr', 'float8', 'gross revenue retention of the latest period, a fraction'),
    (140, 'quick_ratio', 'mrr_by_{{grain_name}}', 'v.quick_ratio', 'float8', 'SaaS quick ratio of the latest period'),
    (150, 'arpa', 'mrr_by_{{grain_name}}', 'v.arpa', 'numeric', 'average revenue per account at the end of the latest period, to the cent'),
    (200, 'ltv', 'ltv', 'v.ltv', 'numeric', 'lifetime value of all customers, to the cent'),
    (210, 'ltv_km', 'ltv', 'v.ltv_km', 'numeric', 'Kaplan-Meier lifetime value of all customers, to the cent');

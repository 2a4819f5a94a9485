-- views/support.sql: support tickets, renewals, trials and time to first value by period.

-- Builder of support_by_<grain>: tickets opened and resolved in each period; first contact
-- resolution and median resolution time (an instant difference) of the resolved ones. The
-- tickets are read once for both counts (under Citus twice: the opened ones are counted in
-- the shards).
CREATE FUNCTION @extschema@.kpi_view_support(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
WITH tickets AS {{row_cte}}(
    SELECT {{segment}}opened_at, opened_on, resolved_at, resolved_on, first_contact_resolved, contacts FROM {{tickets}}),
opened AS (
    SELECT {{segment}}@extschema@.kpi_period_start(t.opened_on, {{grain}}) AS {{period}}, count(*) AS tickets_opened
    FROM tickets AS t GROUP BY {{segment}}{{period}}),
resolved AS (
    SELECT {{segment}}@extschema@.kpi_period_start(t.resolved_on, {{grain}}) AS {{period}}, count(*) AS tickets_resolved,
           count(*) FILTER (WHERE coalesce(t.first_contact_resolved, t.contacts <= 1)) AS first_contact_resolutions,
           count(coalesce(t.first_contact_resolved, t.contacts <= 1)) AS with_contact_data,
           {{median_of}}extract(epoch FROM t.resolved_at - t.opened_at)::float8 / 3600) AS median_resolution_hours
    FROM tickets AS t WHERE t.resolved_at IS NOT NULL GROUP BY {{segment}}{{period}})
SELECT {{segment}}{{period}}, coalesce(o.tickets_opened, 0) AS tickets_opened, coalesce(r.tickets_resolved, 0) AS tickets_resolved,
       coalesce(r.first_contact_resolutions, 0) AS first_contact_resolutions,
       r.first_contact_resolutions::float8 / nullif(r.with_contact_data, 0) AS fcr, r.median_resolution_hours
FROM opened AS o FULL JOIN resolved AS r USING ({{segment}}{{period}})$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_support(jsonb) IS 'csmetrics internal: builder of support_by_<grain>';

-- Builder of renewals_by_<grain>, by the period the contracts were due.
CREATE FUNCTION @extschema@.kpi_view_renewals(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}{{period}}, renewals_due, renewed, renewed::float8 / nullif(renewals_due, 0) AS renewal_rate,
       amount_due, amount_renewed, (amount_renewed / nullif(amount_due, 0))::float8 AS renewal_rate_value
FROM (SELECT {{segment}}@extschema@.kpi_period_start(r.due_on, {{grain}}) AS {{period}}, count(*) AS renewals_due,
             count(*) FILTER (WHERE r.renewed) AS renewed,
             sum(r.amount) AS amount_due, sum(CASE WHEN r.renewed THEN r.amount ELSE 0 END) AS amount_renewed
      FROM {{renewals}} AS r GROUP BY {{segment}}{{period}}) AS q$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_renewals(jsonb) IS 'csmetrics internal: builder of renewals_by_<grain>';

-- Builder of trials_by_<grain>, by the period the trials started.
CREATE FUNCTION @extschema@.kpi_view_trials(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}{{period}}, trials_started, trials_converted, trials_converted::float8 / nullif(trials_started, 0) AS conversion_rate,
       median_days_to_convert
FROM (SELECT {{segment}}@extschema@.kpi_period_start(t.started_on, {{grain}}) AS {{period}}, count(*) AS trials_started,
             count(t.converted_at) AS trials_converted,
             {{median_of}}extract(epoch FROM t.converted_at - t.started_at)::float8 / 86400) AS median_days_to_convert
      FROM {{trials}} AS t GROUP BY {{segment}}{{period}}) AS q$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_trials(jsonb) IS 'csmetrics internal: builder of trials_by_<grain>';

-- Each customer's first subscription start and its first usage event since: the query of the
-- helper first_values, or of time_to_value_by_<grain> itself outside a materialized set. The
-- two sources' ids are compared as each is matched with the customers (kpi_pair_key): as
-- they are when all the types agree, as text otherwise, the subscriptions then grouped by
-- that text. The first usage is found by joining the usage events with each customer's first
-- start, taken again from the subscriptions grouped by the customer alone, and grouping by
-- the customer: a start per customer, over the same rows, is the earliest start of its
-- (customer, segment) rows. Grouped by the customer, the planner knows each start row is
-- one customer's, so it hashes them and probes them with the usage events; over the
-- CTE f, whose rows it cannot count, it could hash every usage event instead and sort every
-- joined row for the grouping (half of the helper's time at 100k customers where it did).
CREATE FUNCTION @extschema@.kpi_first_values(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    subscription_key text := @extschema@.kpi_pair_key(ctx, 'subscriptions', 'usage_events', NULL);
BEGIN
    RETURN @extschema@.kpi_render($t$WITH f AS {{row_cte}}(
    SELECT {{subscription_id}}, segment, min(started_at) AS started_at, min(started_on) AS started_on
    FROM {{subscriptions}} GROUP BY {{subscription_key}}, segment)
SELECT f.customer_id, f.segment, f.started_at, f.started_on, v.first_value_at
FROM f LEFT JOIN (SELECT g.customer_id, min(u.occurred_at) AS first_value_at
                  FROM (SELECT {{subscription_id}}, min(started_at) AS started_at
                        FROM {{subscriptions}} GROUP BY {{subscription_key}}) AS g
                  JOIN {{usage_events}} AS u ON {{usage_key}} = g.customer_id AND u.occurred_at >= g.started_at
                  GROUP BY g.customer_id) AS v ON v.customer_id = f.customer_id$t$,
        ctx || jsonb_build_object(
            'subscription_key', subscription_key,
            'subscription_id', subscription_key || CASE WHEN subscription_key = 'customer_id' THEN '' ELSE ' AS customer_id' END,
            'usage_key', @extschema@.kpi_pair_key(ctx, 'usage_events', 'subscriptions', 'u')));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_first_values(jsonb) IS 'csmetrics internal: SELECT of each customer''s first subscription start and first usage event since';

-- Builder of first_values (a helper, made in materialized sets only, where both variants of
-- time_to_value_by_<grain> read it).
CREATE FUNCTION @extschema@.kpi_view_first_values(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (ctx ->> 'materialized')::boolean THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_first_values(ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_first_values(jsonb) IS 'csmetrics internal: builder of the first_values helper relation (materialized sets only)';

-- Builder of time_to_value_by_<grain>: days from a customer's first subscription to its
-- first usage event since, by the period it started.
CREATE FUNCTION @extschema@.kpi_view_time_to_value(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}@extschema@.kpi_period_start(started_on, {{grain}}) AS {{period}}, count(*) AS customers_started,
       count(first_value_at) AS customers_reaching_value,
       {{median_of}}extract(epoch FROM first_value_at - started_at)::float8 / 86400) AS median_days_to_first_value
FROM ({{first_values_query}}) AS v
GROUP BY {{segment}}{{period}}$t$,
        ctx || jsonb_build_object('first_values_query', CASE WHEN ctx -> 'made' ? 'first_values'
                                                             THEN 'SELECT * FROM ' || (ctx ->> 'first_values')
                                                             ELSE @extschema@.kpi_first_values(ctx) END));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_time_to_value(jsonb) IS 'csmetrics internal: builder of time_to_value_by_<grain>';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, internal, description) VALUES
    (425, 'first_values', 'support', '@extschema@.kpi_view_first_values', '{subscriptions,usage_events}', ARRAY['customer_id'], true,
     'Each customer''s first subscription start and first usage event since (helper of time_to_value in a materialized set)');

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, by_segment, overview_pick, description) VALUES
    (400, 'support_by_{{grain_name}}', 'support', '@extschema@.kpi_view_support', '{tickets}', ARRAY['{{grain_name}}'], true, 'latest',
     'Support tickets opened and resolved, first contact resolution and median resolution time by {{grain_name}}{{and_segment}}'),
    (410, 'renewals_by_{{grain_name}}', 'support', '@extschema@.kpi_view_renewals', '{renewals}', ARRAY['{{grain_name}}'], true, 'latest',
     'Renewal rate by count and by value, by the {{grain_name}} the contracts were due{{and_segment}}'),
    (420, 'trials_by_{{grain_name}}', 'support', '@extschema@.kpi_view_trials', '{trials}', ARRAY['{{grain_name}}'], true, 'latest',
     'Trial-to-paid conversion of the trials started in each {{grain_name}}{{and_segment}}, and median days to convert'),
    (430, 'time_to_value_by_{{grain_name}}', 'support', '@extschema@.kpi_view_time_to_value', '{subscriptions,usage_events}',
     ARRAY['{{grain_name}}'], true, NULL,
     'Time to first value: days from a customer''s first subscription to its first usage event, by the {{grain_name}} it started{{and_segment}}');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('tickets_opened', 'tickets opened in the {{grain_name}}'),
    ('tickets_resolved', 'tickets resolved in the {{grain_name}}'),
    ('first_contact_resolutions', 'tickets resolved in the {{grain_name}} in one contact'),
    ('fcr', 'first contact resolution: resolved in one contact / resolved (with contact data), a fraction'),
    ('median_resolution_hours', 'median hours from opening to resolution of the tickets resolved in the {{grain_name}}'),
    ('renewals_due', 'contracts up for renewal in the {{grain_name}}'),
    ('renewed', 'contracts renewed'),
    ('renewal_rate', 'renewal rate by count, a fraction'),
    ('amount_due', 'contract value up for renewal'),
    ('amount_renewed', 'contract value renewed'),
    ('renewal_rate_value', 'renewal rate by value, a fraction'),
    ('trials_started', 'trials started in the {{grain_name}}'),
    ('trials_converted', 'trials started in the {{grain_name}} that converted (so far)'),
    ('conversion_rate', 'trial-to-paid conversion rate, a fraction'),
    ('median_days_to_convert', 'median days from trial start to conversion'),
    ('customers_started', 'customers whose first subscription started in the {{grain_name}}'),
    ('customers_reaching_value', 'of those, customers with a usage event since (first value)'),
    ('median_days_to_first_value', 'median days from the first subscription to the first usage event');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (160, 'fcr', 'support_by_{{grain_name}}', 'v.fcr', 'float8', 'first contact resolution of the latest period, a fraction'),
    (170, 'median_resolution_hours', 'support_by_{{grain_name}}', 'v.median_resolution_hours', 'float8', 'median resolution time of the latest period, in hours'),
    (180, 'renewal_rate', 'renewals_by_{{grain_name}}', 'v.renewal_rate', 'float8', 'renewal rate of the latest period, a fraction'),
    (190, 'trial_conversion_rate', 'trials_by_{{grain_name}}', 'v.conversion_rate', 'float8', 'trial-to-paid conversion rate of the latest period, a fraction');

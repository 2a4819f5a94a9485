-- views/onboarding.sql: onboarding and activation, from the milestones customers reach and the
-- onboarding model in the onboarding_milestones configuration table.
--
-- A customer starts at its first subscription. Its onboarding score is the weight of the
-- model's milestones it has reached over the weight of all of them (0..100); it is activated
-- once it has reached every required milestone, at the moment it first reached the last of
-- them; it is stalled while not activated when it has reached no milestone for
-- onboarding_settings.stalled_after_days days (14 by default).

---------------------------------------------------------------------------------------------
-- The onboarding model (configuration tables, kept by pg_dump).

CREATE TABLE @extschema@.onboarding_milestones (
    milestone text   PRIMARY KEY CONSTRAINT milestone_is_not_blank CHECK (btrim(milestone) <> ''),
    weight    float8 NOT NULL DEFAULT 1
                     CONSTRAINT weight_is_0_to_1000000 CHECK (weight >= 0 AND weight <= 1000000),
    required  boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.onboarding_milestones IS 'csmetrics: the onboarding model of customer_onboarding and onboarding_by_<grain>: the milestones a new customer should reach (empty by default: the onboarding views are made once it has rows; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.onboarding_milestones.milestone IS 'name of the milestone, as the milestones source writes it (compared exactly)';
COMMENT ON COLUMN @extschema@.onboarding_milestones.weight IS 'its weight in the onboarding score, relative to the others (0 to 1000000; 0 = counted but not scored)';
COMMENT ON COLUMN @extschema@.onboarding_milestones.required IS 'true when a customer must reach it to be activated';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.onboarding_milestones', '');

CREATE TABLE @extschema@.onboarding_settings (
    stalled_after_days int NOT NULL DEFAULT 14
                           CONSTRAINT stalled_after_days_is_1_to_36500
                           CHECK (stalled_after_days BETWEEN 1 AND 36500)
);
COMMENT ON TABLE @extschema@.onboarding_settings IS 'csmetrics: settings of the onboarding views, one row (inserting a row replaces it; kept by pg_dump)';
COMMENT ON COLUMN @extschema@.onboarding_settings.stalled_after_days IS 'a customer not yet activated is stalled when it has reached no milestone for this many days (default 14)';

CREATE TRIGGER replace_settings BEFORE INSERT ON @extschema@.onboarding_settings
    FOR EACH ROW EXECUTE FUNCTION @extschema@.kpi_config_replace();
COMMENT ON TRIGGER replace_settings ON @extschema@.onboarding_settings IS 'INSERT replaces the settings row';

INSERT INTO @extschema@.onboarding_settings (stalled_after_days) VALUES (14);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.onboarding_settings', '');

---------------------------------------------------------------------------------------------
-- The views.

-- Builder of customer_onboarding: each customer that has started (its first subscription
-- start is past), the model's milestones it has reached (each at the first time), its score,
-- activation and whether it is stalled. Milestone rows outside the model are in data_issues.
CREATE FUNCTION @extschema@.kpi_view_customer_onboarding(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$
WITH model AS (SELECT milestone, weight, required FROM @extschema@.onboarding_milestones),
totals AS (
    SELECT count(*) AS milestones_total, sum(weight) AS weight_total, count(*) FILTER (WHERE required) AS required_total
    FROM model),
settings AS (
    SELECT pg_catalog.make_interval(days => coalesce(min(stalled_after_days), 14)) AS stalled_after FROM @extschema@.onboarding_settings),
starts AS (
    SELECT customer_id, segment, min(started_at) AS started_at
    FROM {{subscriptions}}
    GROUP BY customer_id, segment
    HAVING min(started_at) <= pg_catalog.now()),
reached AS (
    SELECT m.customer_id, m.milestone, min(m.reached_at) AS reached_at
    FROM {{milestones}} AS m GROUP BY m.customer_id, m.milestone),
progress AS (
    SELECT r.customer_id, count(*) AS milestones_reached, sum(md.weight) AS weight_reached,
           count(*) FILTER (WHERE md.required) AS required_reached,
           max(r.reached_at) FILTER (WHERE md.required) AS last_required_at, max(r.reached_at) AS last_reached_at
    FROM reached AS r JOIN model AS md ON md.milestone = r.milestone
    GROUP BY r.customer_id),
x AS (
    SELECT s.customer_id, s.segment, s.started_at, coalesce(p.milestones_reached, 0) AS milestones_reached,
           t.milestones_total, 100 * coalesce(p.weight_reached, 0) / nullif(t.weight_total, 0) AS onboarding_score,
           coalesce(p.required_reached, 0) = t.required_total AS activated,
           -- a model that requires nothing activates a customer at its start
           coalesce(p.last_required_at, s.started_at) AS last_required_at,
           greatest(s.started_at, p.last_reached_at) AS last_progress_at
    FROM starts AS s CROSS JOIN totals AS t LEFT JOIN progress AS p ON {{progress_match}})
SELECT x.customer_id::text AS customer_id, {{name}} AS name, x.segment, x.started_at, x.milestones_reached,
       x.milestones_total, x.onboarding_score::float8 AS onboarding_score, x.activated,
       CASE WHEN x.activated THEN x.last_required_at END AS activated_at,
       CASE WHEN x.activated THEN greatest(0, extract(epoch FROM x.last_required_at - x.started_at)::float8 / 86400) END
           AS days_to_activation,
       NOT x.activated AND x.last_progress_at < pg_catalog.now() - st.stalled_after AS stalled
FROM x CROSS JOIN settings AS st{{customer_join}}$t$,
        ctx || jsonb_build_object(
            'progress_match', CASE WHEN @extschema@.kpi_role_column_type('milestones', 'customer_id')
                                        = @extschema@.kpi_role_column_type('subscriptions', 'customer_id')
                                   THEN 'p.customer_id = s.customer_id'
                                   ELSE 'p.customer_id::pg_catalog.text = s.customer_id::pg_catalog.text' END,
            'name', CASE WHEN @extschema@.kpi_has(ctx, 'customers') THEN 'k.name' ELSE 'NULL::text' END,
            'customer_join', CASE WHEN @extschema@.kpi_has(ctx, 'customers')
                                  THEN E'\n' || @extschema@.kpi_customer_join(ctx, 'subscriptions') ELSE '' END));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_onboarding(jsonb) IS 'csmetrics internal: builder of customer_onboarding';

-- Builder of onboarding_by_<grain>: the customers of customer_onboarding by the period they
-- started in (their start cohort). NULL (no view) when customer_onboarding was not made. The
-- mean score adds the scores in ascending order: a float8 sum depends on the order of its
-- terms, which would otherwise be that of the rows, and differ between plans.
CREATE FUNCTION @extschema@.kpi_view_onboarding(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (ctx -> 'made') ? 'customer_onboarding' THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}@extschema@.kpi_period_start((o.started_at AT TIME ZONE {{zone}})::date, {{grain}}) AS {{period}},
       count(*) AS customers_started, count(*) FILTER (WHERE o.activated) AS customers_activated,
       count(*) FILTER (WHERE o.activated)::float8 / count(*) AS activation_rate,
       {{median_of}}o.days_to_activation) AS median_days_to_activation,
       avg(o.onboarding_score ORDER BY o.onboarding_score) AS mean_onboarding_score
FROM {{customer_onboarding}} AS o
GROUP BY {{segment}}{{period}}$t$,
        ctx || jsonb_build_object('customer_onboarding', ctx -> 'made' ->> 'customer_onboarding'));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_onboarding(jsonb) IS 'csmetrics internal: builder of onboarding_by_<grain>';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, optional_sources, config_tables, keys,
                                      by_segment, description) VALUES
    (600, 'customer_onboarding', 'onboarding', '@extschema@.kpi_view_customer_onboarding', '{subscriptions,milestones}', '{customers}',
     '{onboarding_milestones,onboarding_settings}', ARRAY['customer_id'], false,
     'Onboarding of each customer that has started (first subscription): milestones of the model (csmetrics.onboarding_milestones) reached, onboarding score, activation, and whether it is stalled'),
    (610, 'onboarding_by_{{grain_name}}', 'onboarding', '@extschema@.kpi_view_onboarding', '{subscriptions,milestones}', '{customers}',
     '{onboarding_milestones,onboarding_settings}', ARRAY['{{grain_name}}'], true,
     'Activation of the customers who started in each {{grain_name}}{{and_segment}} (start cohort): activation rate, median days to activation and mean onboarding score');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('started_at', 'start of the customer''s first subscription'),
    ('milestones_reached', 'milestones of the onboarding model the customer has reached'),
    ('milestones_total', 'milestones in the onboarding model (csmetrics.onboarding_milestones)'),
    ('onboarding_score', 'onboarding score 0..100: weight of the milestones reached / weight of all milestones x 100'),
    ('activated', 'whether the customer has reached every required milestone'),
    ('activated_at', 'when the customer first reached the last of its required milestones (its start when the model requires none)'),
    ('days_to_activation', 'days from started_at to activated_at (0 when activated before its start, e.g. in a trial)'),
    ('stalled', 'not activated, and no milestone reached for csmetrics.onboarding_settings.stalled_after_days days (default 14)'),
    ('customers_activated', 'of those, customers activated so far'),
    ('activation_rate', 'customers_activated / customers_started, a fraction'),
    ('median_days_to_activation', 'median days to activation of the customers activated'),
    ('mean_onboarding_score', 'mean onboarding score of the customers started (0..100)');

-- views/health.sql: customer_health, the health score of every current customer, following
-- the model in the health_measures configuration table.

-- The health model that the customer_health view follows.
CREATE TABLE @extschema@.health_measures (
    measure          text    PRIMARY KEY CHECK (measure IN ('usage', 'nps', 'support', 'billing')),
    weight           float8  NOT NULL CHECK (weight >= 0 AND weight < 'infinity'),
    higher_is_better boolean NOT NULL,
    normalization    text    NOT NULL CHECK (normalization IN ('rank', 'bounds')),
    lower_bound      float8,
    upper_bound      float8,
    CHECK (normalization = 'rank' OR (lower_bound IS NOT NULL AND upper_bound IS NOT NULL AND lower_bound < upper_bound))
);
COMMENT ON TABLE @extschema@.health_measures IS 'csmetrics: the health model of the customer_health view (kept by pg_dump; inserting an existing measure replaces it; weight 0 switches a measure off)';
COMMENT ON COLUMN @extschema@.health_measures.measure IS 'usage (usage quantity in the period), nps (latest NPS answer within a year), support (tickets opened in the period), billing (average days late of invoices due within a year)';
COMMENT ON COLUMN @extschema@.health_measures.weight IS 'relative weight (non-negative; 0 = not used)';
COMMENT ON COLUMN @extschema@.health_measures.higher_is_better IS 'false for measures where less is better (tickets, days late)';
COMMENT ON COLUMN @extschema@.health_measures.normalization IS 'rank (percentile within the customer base) or bounds (lower_bound..upper_bound mapped to 0..100)';
COMMENT ON COLUMN @extschema@.health_measures.lower_bound IS 'raw value mapped to 0 (or 100 when lower is better), for bounds';
COMMENT ON COLUMN @extschema@.health_measures.upper_bound IS 'raw value mapped to 100 (or 0 when lower is better), for bounds';

-- Makes INSERT replace a measure of the same name. A restore runs CREATE EXTENSION (which
-- inserts the default model) and then loads the dumped rows: each replaces its default.
CREATE FUNCTION @extschema@.health_measures_replace() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM @extschema@.health_measures WHERE measure OPERATOR(pg_catalog.=) NEW.measure;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.health_measures_replace() IS 'csmetrics internal: trigger making INSERT into health_measures replace an existing measure (so pg_restore can load a changed model over the default one)';
CREATE TRIGGER replace_measure BEFORE INSERT ON @extschema@.health_measures
    FOR EACH ROW EXECUTE FUNCTION @extschema@.health_measures_replace();
COMMENT ON TRIGGER replace_measure ON @extschema@.health_measures IS 'INSERT of an existing measure replaces it';

INSERT INTO @extschema@.health_measures VALUES
    ('usage', 40, true, 'rank', NULL, NULL),
    ('nps', 10, true, 'bounds', 0, 10),
    ('support', 20, false, 'bounds', 0, 5),
    ('billing', 30, false, 'bounds', 0, 30);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.health_measures', '');

-- The sources customer_health reads for its measures: the name of their rows in its query,
-- the columns it needs, and the local date of their events.
CREATE FUNCTION @extschema@.kpi_health_sources()
RETURNS TABLE (n int, kind text, rows text, columns text, day text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    VALUES (1, 'usage_events', 'usage_rows', 'occurred_on, quantity', 'occurred_on'),
           (2, 'survey_responses', 'answer_rows', 'responded_at, responded_on, score, survey', 'responded_on'),
           (3, 'tickets', 'ticket_rows', 'opened_on', 'opened_on'),
           (4, 'invoices', 'invoice_rows', 'due_at, due_on, paid_at', 'due_on')
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_sources() IS 'csmetrics internal: the sources of the customer_health measures, as its builder reads them';

-- Template keys for one measure of customer_health, from the rows of one source kind:
-- <cte>_cte defines the CTE <cte> (query: one row per customer and period), <cte>_join joins
-- it to the customer rows s, and <key> is the measure's value for them (value). Without that source:
-- no CTE, no join, and a NULL of the measure's type.
CREATE FUNCTION @extschema@.kpi_health_measure(ctx jsonb, kind text, cte text, key text, value text, type text, query text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT @extschema@.kpi_has(ctx, kind) THEN
        RETURN jsonb_build_object(cte || '_cte', '', cte || '_join', '', key, 'NULL::' || type);
    END IF;
    ctx := ctx || jsonb_build_object('cte', cte, 'query', @extschema@.kpi_render(query, ctx));
    RETURN jsonb_build_object(
        cte || '_cte', @extschema@.kpi_render(E',\n{{cte}} AS ({{query}})', ctx),
        cte || '_join', @extschema@.kpi_render(' LEFT JOIN {{cte}} ON {{cte}}.customer_id = s.customer_id AND {{cte}}.{{period}} = s.{{period}}', ctx),
        key, value);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_health_measure(jsonb, text, text, text, text, text, text) IS 'csmetrics internal: template keys of one customer_health measure (its CTE, its join and its value), or NULL without its source';

-- Builder of customer_health: the measures of each current customer in the latest period and
-- the one before, normalised and weighted by the model in health_measures. The latest period
-- is that of the latest event (usage, answer, ticket, invoice due); subscription end dates
-- may lie in the future and do not count. A current customer has a subscription in force at
-- the period end (every customer when subscriptions are not registered).
CREATE FUNCTION @extschema@.kpi_view_customer_health(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    model text := '';
    normed text := '';
    measure text;
BEGIN
    -- one row holding the model: weight, direction, normalisation and bounds of each measure
    FOREACH measure IN ARRAY ARRAY['usage', 'nps', 'support', 'billing'] LOOP
        model := model || @extschema@.kpi_render($m$coalesce(max(weight) FILTER (WHERE measure = '{{measure}}'), 0) AS {{measure}}_weight,
       coalesce(bool_or(higher_is_better) FILTER (WHERE measure = '{{measure}}'), true) AS {{measure}}_higher,
       max(normalization) FILTER (WHERE measure = '{{measure}}') AS {{measure}}_norm,
       max(lower_bound) FILTER (WHERE measure = '{{measure}}') AS {{measure}}_lo, max(upper_bound) FILTER (WHERE measure = '{{measure}}') AS {{measure}}_hi,
       $m$, jsonb_build_object('measure', measure));
    END LOOP;
    -- each measure on 0..100: ranked among the customers of the period, or mapped from bounds
    FOREACH measure IN ARRAY ARRAY['usage:usage', 'nps:nps_answer', 'support:tickets', 'billing:days_late'] LOOP
        normed := normed || @extschema@.kpi_render($m$,
           CASE WHEN md.{{measure}}_norm = 'rank'
                THEN @extschema@.health_score_ranked(ARRAY[r.{{raw}}::float8], ARRAY[1::float8], ARRAY[md.{{measure}}_higher]) OVER (PARTITION BY r.{{period}})
                ELSE @extschema@.health_normalize(r.{{raw}}::float8, md.{{measure}}_lo, md.{{measure}}_hi, md.{{measure}}_higher) END AS {{measure}}_health$m$,
            jsonb_build_object('measure', split_part(measure, ':', 1), 'raw', split_part(measure, ':', 2), 'period', ctx ->> 'period'));
    END LOOP;
    ctx := ctx || jsonb_build_object(
        'model', model,
        'normed', normed,
        -- each source is read once: its rows give the latest event and its measure (under
        -- Citus twice, so that the measures are taken in the shards)
        'source_rows', (SELECT string_agg(@extschema@.kpi_render(',
' || e.rows || ' AS {{row_cte}}(SELECT customer_id, ' || e.columns || ' FROM {{' || e.kind || '}})', ctx), '' ORDER BY e.n)
                        FROM @extschema@.kpi_health_sources() AS e WHERE @extschema@.kpi_has(ctx, e.kind)),
        'latest_event', (SELECT string_agg('(SELECT max(' || e.day || ') FROM ' || e.rows || ')', ', ' ORDER BY e.n)
                         FROM @extschema@.kpi_health_sources() AS e WHERE @extschema@.kpi_has(ctx, e.kind)),
        'current_only', CASE WHEN @extschema@.kpi_has(ctx, 'subscriptions') THEN @extschema@.kpi_render($m$
    WHERE EXISTS (SELECT FROM {{subscriptions}} AS s WHERE s.customer_id = c.customer_id AND s.started_on < p.period_end
                    AND (s.ended_on IS NULL OR s.ended_on >= p.period_end))$m$, ctx) ELSE '' END);
    -- the measures of the registered sources; NULL for the others
    ctx := ctx || @extschema@.kpi_health_measure(ctx, 'usage_events', 'usage_m', 'usage_value', 'coalesce(usage_m.usage, 0)', 'float8', $m$
    SELECT u.customer_id, p.{{period}}, sum(coalesce(u.quantity, 1))::float8 AS usage
    FROM usage_rows AS u JOIN periods AS p ON u.occurred_on >= p.{{period}} AND u.occurred_on < p.period_end
    GROUP BY u.customer_id, p.{{period}}$m$);
    -- the latest NPS answer within a year: the lowest score of answers given at the same
    -- latest instant, so that the pick is the same on every run
    ctx := ctx || @extschema@.kpi_health_measure(ctx, 'survey_responses', 'nps_m', 'nps_answer_value', 'nps_m.nps_answer', 'float8', $m$
    SELECT DISTINCT ON (r.customer_id, p.{{period}}) r.customer_id, p.{{period}}, r.score::float8 AS nps_answer
    FROM answer_rows AS r
    JOIN periods AS p ON r.responded_on < p.period_end AND r.responded_on >= (p.period_end - '1 year'::interval)::date
    WHERE coalesce(lower(r.survey), 'nps') = 'nps'
    ORDER BY r.customer_id, p.{{period}}, r.responded_at DESC, r.score$m$);
    ctx := ctx || @extschema@.kpi_health_measure(ctx, 'tickets', 'support_m', 'tickets_value', 'coalesce(support_m.tickets, 0)', 'bigint', $m$
    SELECT t.customer_id, p.{{period}}, count(*) AS tickets
    FROM ticket_rows AS t JOIN periods AS p ON t.opened_on >= p.{{period}} AND t.opened_on < p.period_end
    GROUP BY t.customer_id, p.{{period}}$m$);
    -- days late: from the due instant to the payment, or to the period end while unpaid
    ctx := ctx || @extschema@.kpi_health_measure(ctx, 'invoices', 'billing_m', 'days_late_value', 'billing_m.days_late', 'float8', $m$
    SELECT i.customer_id, p.{{period}},
           avg(greatest(0, extract(epoch FROM least(coalesce(i.paid_at, p.period_end_at), p.period_end_at) - i.due_at)::float8 / 86400)) AS days_late
    FROM invoice_rows AS i
    JOIN periods AS p ON i.due_on < p.period_end AND i.due_on >= (p.period_end - '1 year'::interval)::date
    GROUP BY i.customer_id, p.{{period}}$m$);
    RETURN @extschema@.kpi_render($t$
WITH model AS (
    SELECT {{model}}true AS ok FROM @extschema@.health_measures){{source_rows}},
asof AS MATERIALIZED (SELECT @extschema@.kpi_period_start(greatest({{latest_event}}), {{grain}}) AS current_period),
periods AS (
    SELECT p.{{period}}, (p.{{period}} + {{step}})::date AS period_end,
           ((p.{{period}} + {{step}})::timestamp AT TIME ZONE {{zone}}) AS period_end_at, p.is_current
    FROM (SELECT a.current_period AS {{period}}, true AS is_current FROM asof AS a
          UNION ALL
          SELECT (a.current_period - {{step}})::date, false FROM asof AS a) AS p
    WHERE p.{{period}} IS NOT NULL),
scope AS (
    SELECT c.customer_id, c.name, c.segment, p.{{period}}, p.period_end, p.is_current
    FROM {{customers}} AS c CROSS JOIN periods AS p{{current_only}}){{usage_m_cte}}{{nps_m_cte}}{{support_m_cte}}{{billing_m_cte}},
raw AS (
    SELECT s.*, {{usage_value}} AS usage, {{nps_answer_value}} AS nps_answer, {{tickets_value}} AS tickets, {{days_late_value}} AS days_late
    FROM scope AS s{{usage_m_join}}{{nps_m_join}}{{support_m_join}}{{billing_m_join}}),
normed AS (
    SELECT r.*{{normed}}
    FROM raw AS r CROSS JOIN model AS md),
scored AS (
    SELECT n.*, @extschema@.health_score(ARRAY[n.usage_health, n.nps_health, n.support_health, n.billing_health],
                                         ARRAY[md.usage_weight, md.nps_weight, md.support_weight, md.billing_weight]) AS health_score
    FROM normed AS n CROSS JOIN model AS md)
SELECT c.customer_id::text AS customer_id, c.name, c.segment, c.{{period}}, c.usage, c.nps_answer, c.tickets, c.days_late,
       c.usage_health, c.nps_health, c.support_health, c.billing_health, c.health_score::float8 AS health_score,
       @extschema@.health_band(c.health_score) AS health_band,
       @extschema@.health_quartile_band(c.health_score) OVER (PARTITION BY c.{{period}}) AS relative_band,
       p.health_score::float8 AS previous_health_score, (c.health_score - p.health_score)::float8 AS health_trend
FROM scored AS c LEFT JOIN scored AS p ON p.customer_id = c.customer_id AND NOT p.is_current
WHERE c.is_current$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_health(jsonb) IS 'csmetrics internal: builder of customer_health';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, any_sources, optional_sources, config_tables,
                                      keys, by_segment, overview_pick, description) VALUES
    (500, 'customer_health', 'health', '@extschema@.kpi_view_customer_health', '{customers}',
     '{usage_events,survey_responses,tickets,invoices}', '{subscriptions}', '{health_measures}', ARRAY['customer_id'], false, 'summary',
     'Health of each current customer in the latest {{grain_name}}: raw measures, measures on 0..100, weighted score (model: csmetrics.health_measures), band, quartile band and change against the previous {{grain_name}}');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('usage', 'usage in the {{grain_name}} (sum of quantity, 1 per event by default)'),
    ('nps_answer', 'the customer''s latest NPS answer within a year (0..10; the lowest of answers given at the same time)'),
    ('tickets', 'tickets opened in the {{grain_name}}'),
    ('days_late', 'average days late of the invoices due within a year'),
    ('usage_health', 'usage measure on 0..100'),
    ('nps_health', 'NPS measure on 0..100'),
    ('support_health', 'support measure on 0..100'),
    ('billing_health', 'billing measure on 0..100'),
    ('health_score', 'weighted health score 0..100 (model: csmetrics.health_measures)'),
    ('health_band', 'red (<= 40), yellow (<= 70), green (<= 100) or thriving'),
    ('relative_band', 'quartile band among the customers: healthy, at risk or unhealthy'),
    ('previous_health_score', 'health score in the previous {{grain_name}}'),
    ('health_trend', 'health_score - previous_health_score');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (220, 'average_health_score', 'customer_health', 'avg(v.health_score)::float8', 'float8', 'mean health score of the current customers'),
    (230, 'red_customers', 'customer_health', 'count(*) FILTER (WHERE v.health_band = ''red'')', 'bigint', 'customers in the red health band');

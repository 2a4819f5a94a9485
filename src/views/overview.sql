-- views/overview.sql: kpi_overview, one row with the latest value of each KPI for dashboard
-- number cards.

-- Builder of kpi_overview. It always has every column of kpi_overview_columns, NULL where the
-- view feeding it was not made, so that a dashboard keeps working when a source is added or
-- removed. Each feeding view is read once (its latest row, its (all) row, or one summary
-- row) and every column taken from that row: over plain views, a subquery per column would
-- compute the same view again for each of its columns. NULL (no view) when no view feeds it.
-- Over plain views, customer_actions would score the health of every customer again, as
-- customer_health already does: the scores are computed once (a MATERIALIZED CTE) and the
-- query of customer_actions is read over them. Both would also find the latest period and
-- the latest event of each health source on their own: those are read once too (the CTE
-- overview_health_period, standing for the health_period helper of a materialized set).
-- The scores are those of the latest period only: the overview shows no change against the
-- period before (customer_health's health_trend, which only the reasons of the actions
-- mention), so that period is not scored.
-- Churn by reason is shown for the latest period only. Its customers there all have a
-- subscription that ends in that period or later: a lost customer's span ends with one, and
-- a customer whose MRR churns had paying subscriptions that all ended in it. Over plain views
-- the spans and MRR paths of churn by reason are made for those customers only (a CTE of
-- their subscriptions), not for every customer, which gives the same rows for that period.
-- Likewise each survey's latest period only depends on its answers of that period: over plain
-- views the survey views read those answers only (one CTE for every survey), not every answer;
-- and support's latest period on the tickets opened or resolved in it.
-- A feeding view's latest row is never that of a period after today's: a renewal due next
-- quarter, or an answer dated ahead, does not make a period to come the overview's as_of.
CREATE FUNCTION @extschema@.kpi_view_kpi_overview(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    reads text[] := '{}';       -- the WITH entries: one per feeding view, and the CTEs they read
    joins text := '';
    dates text[] := '{}';       -- the periods the as_of date is the latest of
    cols text := '';
    v record;
    made text;
    alias text;
    flow_alias text;            -- the latest row of the customer flow, once read
    churn_ctx jsonb;
    survey_ctx jsonb;
    inline boolean := NOT (ctx ->> 'materialized')::boolean AND NOT (ctx ->> 'distributed')::boolean;
    latest_answers boolean := false;  -- the CTE of the answers of each survey's latest period is there
    shared_health boolean := NOT (ctx ->> 'materialized')::boolean
                             AND ctx -> 'made' ? 'customer_health' AND ctx -> 'made' ? 'customer_actions';
BEGIN
    IF shared_health THEN
        reads := reads || ('overview_health_period AS MATERIALIZED (' || @extschema@.kpi_health_period(ctx, true) || ')');
        ctx := jsonb_set(ctx, '{made,health_period}', '"overview_health_period"') || '{"health_period": "overview_health_period"}';
        reads := reads || ('overview_customer_health AS MATERIALIZED (' || @extschema@.kpi_health_query(ctx,
            @extschema@.kpi_render('SELECT a.current_period AS {{period}}, true AS is_current FROM asof AS a', ctx),
            @extschema@.kpi_render($h$
SELECT c.customer_id::text AS customer_id, c.{{period}}, c.health_score::float8 AS health_score,
       @extschema@.health_band(c.health_score) AS health_band, NULL::float8 AS health_trend, c.health_points::float8 AS health_points
FROM scores AS c$h$, ctx)) || E'\n)');
    END IF;
    FOR v IN SELECT r.view_name, r.overview_pick, min(o.position) AS first
             FROM @extschema@.kpi_registry r JOIN @extschema@.kpi_overview_columns o ON o.view_name = r.view_name
             GROUP BY r.view_name, r.overview_pick ORDER BY 3 LOOP
        made := ctx -> 'made' ->> @extschema@.kpi_render(v.view_name, ctx);
        CONTINUE WHEN made IS NULL;
        IF shared_health AND v.view_name = 'customer_health' THEN
            made := 'overview_customer_health';
        ELSIF shared_health AND v.view_name = 'customer_actions' THEN
            made := '(' || @extschema@.kpi_view_customer_actions(
                               jsonb_set(ctx, '{made,customer_health}', '"overview_customer_health"')) || E'\n)';
        ELSIF v.view_name IN ('nps_by_{{grain_name}}', 'enps_by_{{grain_name}}', 'csat_by_{{grain_name}}', 'ces_by_{{grain_name}}')
              AND inline THEN
            IF NOT latest_answers THEN
                -- the clean answers' surveys are these four, lower-cased (NULL is nps)
                reads := reads || @extschema@.kpi_render($a$overview_latest_answers AS MATERIALIZED (
    SELECT r.survey, r.score, r.responded_on
    FROM {{survey_responses}} AS r
    CROSS JOIN (SELECT max(x.day) FILTER (WHERE x.survey = 'nps') AS nps, max(x.day) FILTER (WHERE x.survey = 'enps') AS enps,
                       max(x.day) FILTER (WHERE x.survey = 'csat') AS csat, max(x.day) FILTER (WHERE x.survey = 'ces') AS ces
                FROM (SELECT coalesce(lower(x.survey), 'nps') AS survey, x.responded_on AS day
                      FROM {{survey_responses}} AS x OFFSET 0) AS x) AS l
    WHERE r.responded_on >= @extschema@.kpi_period_start(CASE coalesce(lower(r.survey), 'nps') WHEN 'nps' THEN l.nps
                                                         WHEN 'enps' THEN l.enps WHEN 'csat' THEN l.csat WHEN 'ces' THEN l.ces END,
                                                         {{grain}}))$a$, ctx);
                latest_answers := true;
            END IF;
            survey_ctx := ctx || '{"survey_responses": "overview_latest_answers"}';
            made := '(' || CASE v.view_name WHEN 'nps_by_{{grain_name}}' THEN @extschema@.kpi_view_nps(survey_ctx)
                                            WHEN 'enps_by_{{grain_name}}' THEN @extschema@.kpi_view_enps(survey_ctx)
                                            WHEN 'csat_by_{{grain_name}}' THEN @extschema@.kpi_view_csat(survey_ctx)
                                            WHEN 'ces_by_{{grain_name}}' THEN @extschema@.kpi_view_ces(survey_ctx) END || E'\n)';
        ELSIF v.view_name = 'support_by_{{grain_name}}' AND inline THEN
            reads := reads || @extschema@.kpi_render($s$overview_latest_tickets AS MATERIALIZED (
    SELECT t.opened_at, t.opened_on, t.resolved_at, t.resolved_on, t.first_contact_resolved, t.contacts
    FROM {{tickets}} AS t
    CROSS JOIN (SELECT @extschema@.kpi_period_start(greatest(max(x.opened_on), max(x.resolved_on)), {{grain}}) AS latest
                FROM {{tickets}} AS x) AS l
    WHERE t.opened_on >= l.latest OR t.resolved_on >= l.latest)$s$, ctx);
            made := '(' || @extschema@.kpi_view_support(ctx || '{"tickets": "overview_latest_tickets"}') || E'\n)';
        ELSIF v.view_name = 'churn_by_reason_by_{{grain_name}}' AND flow_alias IS NOT NULL AND inline THEN
            reads := reads || @extschema@.kpi_render($c$overview_churn_subscriptions AS MATERIALIZED (
    SELECT s.* FROM {{subscriptions}} AS s
    WHERE s.customer_id IN (SELECT e.customer_id FROM {{subscriptions}} AS e
                            WHERE e.ended_on >= (SELECT f.as_of FROM {{flow_alias}} AS f)))$c$,
                ctx || jsonb_build_object('flow_alias', flow_alias));
            churn_ctx := ctx || '{"subscriptions": "overview_churn_subscriptions"}';
            churn_ctx := churn_ctx || jsonb_build_object('spans', '(' || @extschema@.kpi_view_spans(churn_ctx) || E'\n)',
                                                         'mrr_paths', '(' || @extschema@.kpi_view_mrr_paths(churn_ctx) || E'\n)');
            made := '(' || @extschema@.kpi_view_churn_by_reason(churn_ctx) || E'\n)';
        END IF;
        alias := quote_ident('latest_' || @extschema@.kpi_render(v.view_name, ctx));
        IF v.view_name = 'customer_flow_by_{{grain_name}}' THEN
            flow_alias := alias;
        END IF;
        ctx := ctx || jsonb_build_object('view', made, 'alias', alias,
            'columns', (SELECT string_agg(@extschema@.kpi_render(o.expression, ctx) || ' AS ' || quote_ident(o.column_name), ', ' ORDER BY o.position)
                        FROM @extschema@.kpi_overview_columns o WHERE o.view_name = v.view_name));
        reads := reads || @extschema@.kpi_render(CASE v.overview_pick
            WHEN 'latest' THEN '{{alias}} AS (SELECT v.{{period}} AS as_of, {{columns}} FROM {{view}} AS v
    WHERE v.{{period}} <= @extschema@.kpi_period_start({{today}}, {{grain}}) ORDER BY v.{{period}} DESC LIMIT 1)'
            WHEN 'all' THEN '{{alias}} AS (SELECT {{columns}} FROM {{view}} AS v WHERE v.segment = ''(all)'')'
            WHEN 'totals' THEN '{{alias}} AS (SELECT {{columns}} FROM {{view}} AS v)'
            ELSE '{{alias}} AS (SELECT max(v.{{period}}) AS as_of, {{columns}} FROM {{view}} AS v
    WHERE v.{{period}} <= @extschema@.kpi_period_start({{today}}, {{grain}}))' END, ctx);
        joins := joins || ' LEFT JOIN ' || alias || ' ON true';
        IF v.overview_pick NOT IN ('all', 'totals') THEN
            dates := dates || (alias || '.as_of');
        END IF;
    END LOOP;
    IF cardinality(reads) = 0 THEN
        RETURN NULL;
    END IF;
    -- every column, from the view that feeds it or NULL
    SELECT string_agg(CASE WHEN (ctx -> 'made') ? @extschema@.kpi_render(o.view_name, ctx)
                           THEN quote_ident('latest_' || @extschema@.kpi_render(o.view_name, ctx)) || '.' || quote_ident(o.column_name)
                           ELSE 'NULL::' || o.type::text END
                      || ' AS ' || quote_ident(o.column_name), ', ' ORDER BY o.position)
    INTO cols FROM @extschema@.kpi_overview_columns o;
    RETURN @extschema@.kpi_render($t$
WITH {{reads}}
SELECT coalesce(greatest({{dates}}), '-infinity'::date) AS as_of, {{columns}}
FROM (SELECT) AS one{{joins}}$t$,
        ctx || jsonb_build_object('reads', array_to_string(reads, E',\n     '), 'dates', coalesce(array_to_string(dates, ', '), 'NULL::date'),
                                  'columns', cols, 'joins', joins));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_kpi_overview(jsonb) IS 'csmetrics internal: builder of kpi_overview';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, keys, description) VALUES
    (1000, 'kpi_overview', 'overview', '@extschema@.kpi_view_kpi_overview', ARRAY['as_of'],
     'One row: the latest value of each KPI (for dashboard number cards); the same columns whatever sources are registered, NULL where a source is missing');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('as_of', 'latest period found in the KPI views');

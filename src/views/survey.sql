-- views/survey.sql: NPS, eNPS, CSAT and CES by period, from the survey answers.

-- The common shape of the survey views: one summary of the answers of one survey per period
-- (and segment), read by the accessors in columns. In a materialized set the summaries come
-- from the helper survey_summaries (made once, rolled up by each view); otherwise from the
-- answers. The survey's rows are those whose survey,
-- lower-cased, is it (NULL counts as nps); the plain comparison ORed in lets the planner
-- estimate their share from the column's statistics (of the expression alone it knows
-- nothing, expects a handful of rows and picks nested loops to look up segments).
CREATE FUNCTION @extschema@.kpi_survey_view(ctx jsonb, summary text, survey text, columns text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    ctx := ctx || jsonb_build_object('summary', quote_ident(summary), 'survey', quote_literal(survey), 'columns', columns);
    IF ctx -> 'made' ? 'survey_summaries' THEN
        RETURN @extschema@.kpi_render($t$
SELECT {{segment}}{{period}}, {{columns}}
FROM (SELECT {{segment}}{{period}}, @extschema@.rollup(u.summary) AS s
      FROM {{survey_summaries}} AS u WHERE u.survey = {{survey}}
      GROUP BY {{segment}}{{period}}) AS q$t$, ctx);
    END IF;
    RETURN @extschema@.kpi_render($t$
SELECT {{segment}}{{period}}, {{columns}}
FROM (SELECT {{segment}}@extschema@.kpi_period_start(r.responded_on, {{grain}}) AS {{period}}, @extschema@.{{summary}}(r.score::int) AS s
      FROM {{survey_responses}} AS r WHERE r.survey = {{survey}} OR coalesce(lower(r.survey), 'nps') = {{survey}}
      GROUP BY {{segment}}{{period}}) AS q$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_survey_view(jsonb, text, text, text) IS 'csmetrics internal: the query of a survey view: one summary per period read by the given columns';

-- Builder of survey_summaries (a helper, made in materialized sets only): the rating_summary
-- of the answers of each survey, period and segment, in one pass over the answers.
CREATE FUNCTION @extschema@.kpi_view_survey_summaries(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (ctx ->> 'materialized')::boolean THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_render($t$
SELECT r.segment, @extschema@.kpi_period_start(r.responded_on, {{grain}}) AS {{period}}, coalesce(lower(r.survey), 'nps') AS survey,
       coalesce(@extschema@.nps_summary(r.score::int) FILTER (WHERE coalesce(lower(r.survey), 'nps') IN ('nps', 'enps')),
                @extschema@.csat_summary(r.score::int) FILTER (WHERE lower(r.survey) = 'csat'),
                @extschema@.ces_summary(r.score::int) FILTER (WHERE lower(r.survey) = 'ces')) AS summary
FROM {{survey_responses}} AS r
GROUP BY r.segment, {{period}}, coalesce(lower(r.survey), 'nps')$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_survey_summaries(jsonb) IS 'csmetrics internal: builder of the survey_summaries helper relation (materialized sets only)';

-- The columns of the NPS views (customer and employee NPS alike).
CREATE FUNCTION @extschema@.kpi_nps_columns() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '@extschema@.responses(s)::bigint AS responses, @extschema@.promoters(s)::bigint AS promoters,
       @extschema@.passives(s)::bigint AS passives, @extschema@.detractors(s)::bigint AS detractors,
       @extschema@.nps(s)::float8 AS nps, @extschema@.nps_ci_lower(s, 0.95)::float8 AS nps_ci_lower,
       @extschema@.nps_ci_upper(s, 0.95)::float8 AS nps_ci_upper'::text
$$;
COMMENT ON FUNCTION @extschema@.kpi_nps_columns() IS 'csmetrics internal: the select list of the NPS and eNPS views';

-- Builder of nps_by_<grain>.
CREATE FUNCTION @extschema@.kpi_view_nps(ctx jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.kpi_survey_view(ctx, 'nps_summary', 'nps', @extschema@.kpi_nps_columns())
$$;
COMMENT ON FUNCTION @extschema@.kpi_view_nps(jsonb) IS 'csmetrics internal: builder of nps_by_<grain>';

-- Builder of enps_by_<grain>: the NPS of the answers to survey enps.
CREATE FUNCTION @extschema@.kpi_view_enps(ctx jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.kpi_survey_view(ctx, 'nps_summary', 'enps', @extschema@.kpi_nps_columns())
$$;
COMMENT ON FUNCTION @extschema@.kpi_view_enps(jsonb) IS 'csmetrics internal: builder of enps_by_<grain>';

-- Builder of csat_by_<grain>.
CREATE FUNCTION @extschema@.kpi_view_csat(ctx jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.kpi_survey_view(ctx, 'csat_summary', 'csat',
        '@extschema@.responses(s)::bigint AS responses, @extschema@.csat(s)::float8 AS csat,
       @extschema@.mean_score(s)::float8 AS mean_score')
$$;
COMMENT ON FUNCTION @extschema@.kpi_view_csat(jsonb) IS 'csmetrics internal: builder of csat_by_<grain>';

-- Builder of ces_by_<grain>.
CREATE FUNCTION @extschema@.kpi_view_ces(ctx jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT @extschema@.kpi_survey_view(ctx, 'ces_summary', 'ces',
        '@extschema@.responses(s)::bigint AS responses, @extschema@.ces(s)::float8 AS ces,
       @extschema@.share_at_least(s, 5)::float8 AS ces_agreement')
$$;
COMMENT ON FUNCTION @extschema@.kpi_view_ces(jsonb) IS 'csmetrics internal: builder of ces_by_<grain>';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, internal, description) VALUES
    (90, 'survey_summaries', 'survey', '@extschema@.kpi_view_survey_summaries', '{survey_responses}',
     ARRAY['segment', '{{grain_name}}', 'survey'], true,
     'The answers of each survey summarised by {{grain_name}} and segment (helper of the survey views in a materialized set)');

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, keys, by_segment, overview_pick,
                                      description, column_descriptions) VALUES
    (100, 'nps_by_{{grain_name}}', 'survey', '@extschema@.kpi_view_nps', '{survey_responses}', ARRAY['{{grain_name}}'], true, 'latest',
     'Net Promoter Score by {{grain_name}}{{and_segment}}, with its 95% confidence interval', '{}'),
    (110, 'enps_by_{{grain_name}}', 'survey', '@extschema@.kpi_view_enps', '{survey_responses}', ARRAY['{{grain_name}}'], true, 'latest',
     'Employee NPS (survey enps) by {{grain_name}}{{and_segment}}, with its 95% confidence interval',
     '{"nps": "employee Net Promoter Score, -100..100", "nps_ci_lower": "lower bound of the 95% confidence interval of the eNPS",
       "nps_ci_upper": "upper bound of the 95% confidence interval of the eNPS"}'),
    (120, 'csat_by_{{grain_name}}', 'survey', '@extschema@.kpi_view_csat', '{survey_responses}', ARRAY['{{grain_name}}'], true, 'latest',
     'Customer satisfaction (CSAT, top-two-box on 1..5) by {{grain_name}}{{and_segment}}', '{}'),
    (130, 'ces_by_{{grain_name}}', 'survey', '@extschema@.kpi_view_ces', '{survey_responses}', ARRAY['{{grain_name}}'], true, 'latest',
     'Customer effort score (CES 2.0, 1..7) by {{grain_name}}{{and_segment}}', '{}');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('responses', 'number of valid answers'),
    ('promoters', 'answers 9 or 10'),
    ('passives', 'answers 7 or 8'),
    ('detractors', 'answers 0 to 6'),
    ('nps', 'Net Promoter Score, -100..100'),
    ('nps_ci_lower', 'lower bound of the 95% confidence interval of the NPS'),
    ('nps_ci_upper', 'upper bound of the 95% confidence interval of the NPS'),
    ('csat', 'CSAT: share of satisfied answers (4 or 5 on 1..5), a fraction'),
    ('mean_score', 'mean score'),
    ('ces', 'CES: mean effort score on 1..7'),
    ('ces_agreement', 'share of CES answers 5 or more on 1..7 (agree that it was easy), a fraction');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (10, 'nps', 'nps_by_{{grain_name}}', 'v.nps', 'float8', 'Net Promoter Score of the latest period, -100..100'),
    (20, 'nps_ci_lower', 'nps_by_{{grain_name}}', 'v.nps_ci_lower', 'float8', 'lower bound of the 95% confidence interval of that NPS'),
    (30, 'nps_ci_upper', 'nps_by_{{grain_name}}', 'v.nps_ci_upper', 'float8', 'upper bound of the 95% confidence interval of that NPS'),
    (40, 'enps', 'enps_by_{{grain_name}}', 'v.nps', 'float8', 'employee NPS of the latest period, -100..100'),
    (50, 'csat', 'csat_by_{{grain_name}}', 'v.csat', 'float8', 'CSAT of the latest period, a fraction'),
    (60, 'ces', 'ces_by_{{grain_name}}', 'v.ces', 'float8', 'CES of the latest period, 1..7');

-- views/registry.sql: the KPI views as data.
--
-- The views layer turns registered CRM tables into KPI views. Every view is described by one
-- row of kpi_registry (its name, family, the sources it needs, its keys, its description) and
-- built by one small builder function that returns the view's query text. Builders write SQL
-- templates with {{key}} placeholders, filled in by kpi_render() from a context (a jsonb
-- object of SQL fragments: the period column, the grain, the time zone, the clean source
-- relations...) that create_kpi_views() prepares. Adding a view = one builder + one row.
--
-- The files of the layer, assembled in this order by the Makefile:
--   registry.sql   these tables, the renderer and the context
--   sources.sql    source kinds, registration, the clean relation of each source
--   survey.sql, flow.sql, revenue.sql, retention.sql, support.sql, health.sql,
--   onboarding.sql                                               the KPI families
--   issues.sql     data_issues, from the same checks as the clean sources
--   overview.sql   kpi_overview, one row of the latest values
--   driver.sql     create_kpi_views(), plan_kpi_views(), refresh, grants, scheduling
-- DEVELOPING.md walks through adding a view.

---------------------------------------------------------------------------------------------
-- The registry of views (static, shipped with the extension).

-- Configuration tables keep one row per key (or one row in all): an INSERT replaces the row
-- it collides with. A restore runs CREATE EXTENSION, which inserts the defaults, then loads the
-- dumped rows, each over its default. One trigger function serves every such table: its
-- argument names the key column; without one, the table has a single row.
CREATE FUNCTION @extschema@.kpi_config_replace() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_NARGS = 0 THEN
        EXECUTE format('DELETE FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME);
    ELSE
        EXECUTE format('DELETE FROM %I.%I WHERE %I OPERATOR(pg_catalog.=) $1.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0])
            USING NEW;
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_config_replace() IS 'csmetrics internal: BEFORE INSERT trigger of the configuration tables, making an INSERT replace the row of the same key (the trigger argument), or the only row (no argument), so that pg_restore loads tuned rows over the defaults';

CREATE TABLE @extschema@.kpi_registry (
    view_name           text    PRIMARY KEY,
    family              text    NOT NULL,
    builder             regproc NOT NULL,
    sources             text[]  NOT NULL DEFAULT '{}',
    any_sources         text[]  NOT NULL DEFAULT '{}',
    optional_sources    text[]  NOT NULL DEFAULT '{}',
    config_tables       text[]  NOT NULL DEFAULT '{}',
    keys                text[]  NOT NULL,
    sort_keys           text[]  CONSTRAINT kpi_registry_sort_keys_first_keys
                                CHECK (sort_keys IS NULL OR (cardinality(sort_keys) BETWEEN 1 AND cardinality(keys)
                                                             AND sort_keys = keys[1:cardinality(sort_keys)])),
    by_segment          boolean NOT NULL DEFAULT false,
    internal            boolean NOT NULL DEFAULT false,
    materialize         boolean NOT NULL DEFAULT true,
    overview_pick       text    CHECK (overview_pick IN ('latest', 'all', 'summary', 'totals')),
    description         text    NOT NULL,
    column_descriptions jsonb   NOT NULL DEFAULT '{}',
    position            int     NOT NULL UNIQUE
);
COMMENT ON TABLE @extschema@.kpi_registry IS 'csmetrics: every view create_kpi_views() can make, one row each, in dependency order; read-only reference';
COMMENT ON COLUMN @extschema@.kpi_registry.view_name IS 'name of the view; {{grain_name}} stands for the grain (nps_by_{{grain_name}} is nps_by_month)';
COMMENT ON COLUMN @extschema@.kpi_registry.family IS 'KPI family: survey, flow, revenue, support, health, onboarding, issues or overview';
COMMENT ON COLUMN @extschema@.kpi_registry.builder IS 'function (ctx jsonb) returning the query text of the view, or NULL when there is nothing to show (a helper that returns NULL is not needed: it is left out silently)';
COMMENT ON COLUMN @extschema@.kpi_registry.sources IS 'source kinds the view needs, all of them';
COMMENT ON COLUMN @extschema@.kpi_registry.any_sources IS 'source kinds of which the view needs at least one (empty: no such condition)';
COMMENT ON COLUMN @extschema@.kpi_registry.optional_sources IS 'source kinds the view uses when they are registered';
COMMENT ON COLUMN @extschema@.kpi_registry.config_tables IS 'csmetrics configuration tables the view reads (a plain view follows their changes at once); the view is skipped while one of them is empty';
COMMENT ON COLUMN @extschema@.kpi_registry.keys IS 'columns that identify a row (the unique index of the materialized view, and the row order unless sort_keys says otherwise); segment is added in _by_segment views';
COMMENT ON COLUMN @extschema@.kpi_registry.sort_keys IS 'the first keys, which the view sorts its rows by, when its query gives the rows of each group in the order of the other keys (as customer_mrr_movements gives each customer''s periods in order); NULL: every key. Under Citus every key; a helper is not sorted';
COMMENT ON COLUMN @extschema@.kpi_registry.by_segment IS 'true when the view also comes as <name>_by_segment, per customer segment';
COMMENT ON COLUMN @extschema@.kpi_registry.internal IS 'true for a helper relation shared by several views (kept in the companion schema, not granted to readers)';
COMMENT ON COLUMN @extschema@.kpi_registry.materialize IS 'false for a view that stays a plain view in a materialized set: reading it costs no more than reading the materialized helpers it unfolds, and it costs the refresh nothing';
COMMENT ON COLUMN @extschema@.kpi_registry.overview_pick IS 'how kpi_overview reads the view: latest (its latest period), all (its segment (all) row), summary (aggregates over its rows, as of its latest period) or totals (aggregates over its rows, for a view without periods); NULL: not read';
COMMENT ON COLUMN @extschema@.kpi_registry.description IS 'comment of the view; {{grain_name}} and {{and_segment}} are filled in';
COMMENT ON COLUMN @extschema@.kpi_registry.column_descriptions IS 'column name -> comment, for the columns this view describes its own way; the others come from kpi_columns';
COMMENT ON COLUMN @extschema@.kpi_registry.position IS 'creation order: a view comes after the views and helpers it reads';
GRANT SELECT ON @extschema@.kpi_registry TO PUBLIC;

-- The shared descriptions of view columns (a column means the same in every view).
CREATE TABLE @extschema@.kpi_columns (
    column_name text PRIMARY KEY,
    description text NOT NULL
);
COMMENT ON TABLE @extschema@.kpi_columns IS 'csmetrics: the comment of each KPI view column, shared by the views that have it; read-only reference';
COMMENT ON COLUMN @extschema@.kpi_columns.column_name IS 'column name';
COMMENT ON COLUMN @extschema@.kpi_columns.description IS 'its comment; {{grain_name}} is filled in';
GRANT SELECT ON @extschema@.kpi_columns TO PUBLIC;

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('segment', 'customer segment ((none) when the customer has none; (all) = every customer)'),
    ('customer_id', 'customer identifier (as text)'),
    ('name', 'customer name');

-- The columns of kpi_overview: always all of them, NULL where the view that feeds one was not made.
CREATE TABLE @extschema@.kpi_overview_columns (
    column_name text    PRIMARY KEY,
    position    int     NOT NULL UNIQUE,
    view_name   text    NOT NULL REFERENCES @extschema@.kpi_registry,
    expression  text    NOT NULL,
    type        regtype NOT NULL,
    description text    NOT NULL
);
COMMENT ON TABLE @extschema@.kpi_overview_columns IS 'csmetrics: the columns of kpi_overview and the view each comes from; read-only reference';
COMMENT ON COLUMN @extschema@.kpi_overview_columns.column_name IS 'column of kpi_overview';
COMMENT ON COLUMN @extschema@.kpi_overview_columns.position IS 'order of the column (after as_of)';
COMMENT ON COLUMN @extschema@.kpi_overview_columns.view_name IS 'the registered view it is read from (kpi_registry.overview_pick says which rows)';
COMMENT ON COLUMN @extschema@.kpi_overview_columns.expression IS 'SQL over the view''s row v (an aggregate when the view is read as a summary); {{period}} stands for the period column';
COMMENT ON COLUMN @extschema@.kpi_overview_columns.type IS 'type of the column, also when the view is missing and it is NULL';
COMMENT ON COLUMN @extschema@.kpi_overview_columns.description IS 'its comment';
GRANT SELECT ON @extschema@.kpi_overview_columns TO PUBLIC;

---------------------------------------------------------------------------------------------
-- What create_kpi_views() made. Kept by pg_dump.

-- Every relation create_kpi_views() made, in creation (= dependency) order: the KPI views,
-- and the helper relations of their companion schema.
CREATE TABLE @extschema@.kpi_views (
    target_schema   name    NOT NULL,
    view_name       name    NOT NULL,
    materialized    boolean NOT NULL,
    grain           text    NOT NULL,
    position        int     NOT NULL,
    time_zone       text,
    relation_schema name    NOT NULL,
    internal        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (target_schema, view_name)
);
COMMENT ON TABLE @extschema@.kpi_views IS 'csmetrics: the KPI views made by create_kpi_views() and their helper relations, in dependency order (kept by pg_dump; used by refresh_kpi_views(), grant_kpi_access() and the next create_kpi_views())';
COMMENT ON COLUMN @extschema@.kpi_views.target_schema IS 'schema given to create_kpi_views()';
COMMENT ON COLUMN @extschema@.kpi_views.view_name IS 'name of the view or helper relation';
COMMENT ON COLUMN @extschema@.kpi_views.materialized IS 'true for a materialized view';
COMMENT ON COLUMN @extschema@.kpi_views.grain IS 'period grain: day, week, month or quarter';
COMMENT ON COLUMN @extschema@.kpi_views.position IS 'creation order; views are refreshed in this order';
COMMENT ON COLUMN @extschema@.kpi_views.time_zone IS 'time zone of every period boundary; NULL for views made by csmetrics 0.1.0 (they follow the reader''s TimeZone)';
COMMENT ON COLUMN @extschema@.kpi_views.relation_schema IS 'schema the relation is in: target_schema, or its companion schema for a helper relation';
COMMENT ON COLUMN @extschema@.kpi_views.internal IS 'true for a helper relation (a clean source, spans, MRR per customer): not granted to readers';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_views', '');

-- Roles given read access by grant_kpi_access(); create_kpi_views() grants them again.
CREATE TABLE @extschema@.kpi_access (
    role_name name PRIMARY KEY
);
COMMENT ON TABLE @extschema@.kpi_access IS 'csmetrics: roles that grant_kpi_access() gave read access to the KPI views; re-granted whenever the views are re-created (kept by pg_dump)';
COMMENT ON COLUMN @extschema@.kpi_access.role_name IS 'role name';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.kpi_access', '');

---------------------------------------------------------------------------------------------
-- The one template syntax.

-- Fills in the {{key}} placeholders of a template with the string values of ctx, in one pass
-- (a value is never searched for placeholders itself). A key that ctx lacks is an error: a
-- builder's typo must not become broken SQL.
CREATE FUNCTION @extschema@.kpi_render(template text, ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pattern constant text := '\{\{([a-z0-9_]+)\}\}';
    pieces text[] := regexp_split_to_array(template, pattern);
    keys text[] := ARRAY(SELECT m[1] FROM regexp_matches(template, pattern, 'g') AS m);
    result text := pieces[1];
    i int;
BEGIN
    FOR i IN 1 .. cardinality(keys) LOOP
        IF jsonb_typeof(ctx -> keys[i]) IS DISTINCT FROM 'string' THEN
            RAISE EXCEPTION 'template placeholder {{%}} has no value', keys[i]
                USING DETAIL = 'The context has: ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(ctx) k) || '.';
        END IF;
        result := result || (ctx ->> keys[i]) || pieces[i + 1];
    END LOOP;
    RETURN result;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_render(text, jsonb) IS 'csmetrics internal: fills in the {{key}} placeholders of a view template from a context object; unknown keys are an error';

-- Whether the context says a source kind is registered (and valid).
CREATE FUNCTION @extschema@.kpi_has(ctx jsonb, kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (ctx OPERATOR(pg_catalog.->) 'available') OPERATOR(pg_catalog.?) kind
$$;
COMMENT ON FUNCTION @extschema@.kpi_has(jsonb, text) IS 'csmetrics internal: whether a view context has a valid source of the given kind';

-- The context a builder gets: SQL fragments for its templates (already quoted) and facts for
-- its own choices. Template keys:
--   schema, internal_schema   the target schema and its companion schema, as identifiers
--   period                    the period column (the grain's name), as an identifier
--   grain                     the grain as a literal ('month'), for date_trunc and kpi_period_start
--   grain_name                the grain as a word, for names and comments
--   step                      one period as an interval literal
--   zone                      the time zone as a literal
--   today                     today's date in that zone (an expression)
--   segment                   'segment, ' in a _by_segment view, else empty: put before
--                             the period in select lists and GROUP BY
--   and_segment               ' and segment' in a _by_segment view, for comments
--   <kind>                    the clean relation of each registered source kind
--   <helper>                  each helper relation made so far (spans, customer_mrr, ...)
--   row_cte                   what follows AS in a CTE of per-customer rows that the query
--                             reads more than once: empty on a single server (the rows are
--                             computed once and shared), 'NOT MATERIALIZED ' under Citus
--                             (shared rows would be shipped to the coordinator; each reader
--                             runs in the shards instead, where the customer's rows are)
--   median_of                 the start of a median per group, closed by the value and ')':
--                             {{median_of}}x) is kpi_median(x) on a single server (it can
--                             be hashed), percentile_cont(0.5) WITHIN GROUP (ORDER BY x)
--                             under Citus
-- Facts: available (jsonb array of the valid source kinds), segmented (customers have a
-- segment), by_segment (this is the _by_segment variant), materialized (the set is),
-- distributed (Citus is installed in the database: read from the catalog, which makes this
-- function STABLE), made (view name -> qualified name of everything made so far).
CREATE FUNCTION @extschema@.kpi_context(target_schema name, internal_schema name, grain text, time_zone text,
                                        available text[], segmented boolean, materialized boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    distributed boolean := EXISTS (SELECT FROM pg_extension e WHERE e.extname = 'citus');
BEGIN
    RETURN jsonb_build_object(
        'schema', quote_ident(target_schema),
        'internal_schema', quote_ident(internal_schema),
        'period', quote_ident(grain),
        'grain', quote_literal(grain),
        'grain_name', grain,
        'step', quote_literal(CASE WHEN grain = 'quarter' THEN '3 months' ELSE '1 ' || grain END) || '::pg_catalog.interval',
        'zone', quote_literal(time_zone),
        'today', '(pg_catalog.now() AT TIME ZONE ' || quote_literal(time_zone) || ')::pg_catalog.date',
        'segment', '',
        'and_segment', '',
        'available', to_jsonb(available),
        'segmented', segmented,
        'by_segment', false,
        'materialized', materialized,
        'distributed', distributed,
        'row_cte', CASE WHEN distributed THEN 'NOT MATERIALIZED ' ELSE '' END,
        -- under Citus percentile_cont, which the coordinator computes from the shards' rows
        'median_of', CASE WHEN distributed THEN 'percentile_cont(0.5) WITHIN GROUP (ORDER BY ' ELSE '@extschema@.kpi_median(' END,
        'made', '{}'::jsonb)
        -- the clean relation of each source kind, by kind
        || coalesce((SELECT jsonb_object_agg(k, quote_ident(internal_schema) || '.' || quote_ident(k))
                     FROM unnest(available) AS k), '{}');
END $$;
COMMENT ON FUNCTION @extschema@.kpi_context(name, name, text, text, text[], boolean, boolean) IS 'csmetrics internal: the context object given to the view builders (SQL fragments for their templates and facts about the registered sources)';

---------------------------------------------------------------------------------------------
-- Period helpers the generated views call. Every period is a range of local dates in the
-- views' time zone, so these work on dates and are immutable: a view's rows do not depend
-- on the reader's TimeZone.

-- The first day of the period (of a grain) containing a date.
CREATE FUNCTION @extschema@.kpi_period_start(day date, grain text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.date_trunc(grain, day::pg_catalog.timestamp)::pg_catalog.date
$$;
COMMENT ON FUNCTION @extschema@.kpi_period_start(date, text) IS 'csmetrics internal: first day of the day, week (Monday), month or quarter containing a date';

-- How many periods of a grain run from the period starting on first_period to the one
-- starting on last_period, both included. The views' series start at the earliest start
-- of the data, and the aggregates that count them hold at most 10,000 periods: a longer
-- series is an error that names its first period here, where the view can still say where
-- it comes from (most often a mistyped year), instead of a bare count inside an aggregate.
CREATE FUNCTION @extschema@.kpi_period_count(first_period date, last_period date, grain text) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    months int := ((date_part('year', last_period::timestamp) - date_part('year', first_period::timestamp)) * 12
                   + date_part('month', last_period::timestamp) - date_part('month', first_period::timestamp))::int;
    periods int := CASE grain
        WHEN 'day' THEN last_period - first_period + 1
        WHEN 'week' THEN (last_period - first_period) / 7 + 1
        WHEN 'month' THEN months + 1
        ELSE months / 3 + 1
    END;
BEGIN
    IF periods > 10000 THEN
        RAISE EXCEPTION 'the % series from % to % has % periods, more than 10000', grain, first_period, last_period, periods
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its first period, %s, is that of the earliest subscription start.', first_period),
                  HINT = 'A start far in the past is most often a mistyped year: correct it in the source, or register a view of the source that leaves the row out.';
    END IF;
    RETURN periods;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_period_count(date, date, text) IS 'csmetrics internal: number of periods from one period start to another, both included';

-- The first day of every period from first_period to last_period. Not inlined, and declared
-- to return a few dozen rows: generate_series() is estimated at 1000 rows, which makes the
-- planner expect millions of customer-periods and switch on JIT compilation for a query
-- that takes milliseconds.
CREATE FUNCTION @extschema@.kpi_period_series(first_period date, last_period date, step interval)
RETURNS SETOF date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 48
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT p::date FROM generate_series(first_period::timestamp, last_period::timestamp, step) AS p;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_period_series(date, date, interval) IS 'csmetrics internal: the first day of every period of a series (a set-returning function with a realistic row estimate)';

-- Views made by csmetrics 0.1.0 call this; it stays so that they keep working after an
-- update (they read periods in the reader's TimeZone until create_kpi_views() re-creates them).
CREATE FUNCTION @extschema@.kpi_periods(first_period date, last_period date, step interval)
RETURNS SETOF timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 48
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT pg_catalog.generate_series(first_period::pg_catalog.timestamptz, last_period::pg_catalog.timestamptz, step);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_periods(date, date, interval) IS 'csmetrics internal: period starts for KPI views made by csmetrics 0.1.0 (views made since use kpi_period_series)';

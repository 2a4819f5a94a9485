-- csmetrics update script from 0.1.0 to 0.2.0.
--
-- Hand-written, to the same rules as the install script: plain CREATE for new objects, every
-- name qualified with @extschema@ or pg_catalog, nothing that depends on the caller's
-- search_path, no SECURITY DEFINER. The upgrade test (test/shell/upgrade.sh) checks that an
-- extension updated with this script has exactly the objects and definitions of a fresh
-- 0.2.0 install: every object added to src/*.sql must be added here too.

\echo Use "ALTER EXTENSION csmetrics UPDATE TO '0.2.0'" to load this file. \quit

-- BEGIN views layer (src/views/*.sql)

---------------------------------------------------------------------------------------------
-- The views layer (src/views/*.sql). Its internal functions are replaced: views are now rows
-- of kpi_registry built by one builder function each. KPI views made by 0.1.0 stay valid and
-- read the same (they keep calling kpi_periods and the aggregates, which stay); their rows in
-- kpi_views get relation_schema = target_schema and no time zone, and the next
-- create_kpi_views() replaces them with 0.2.0 views.

ALTER TABLE @extschema@.kpi_views ADD COLUMN time_zone text;
ALTER TABLE @extschema@.kpi_views ADD COLUMN relation_schema name;
ALTER TABLE @extschema@.kpi_views ADD COLUMN internal boolean NOT NULL DEFAULT false;
UPDATE @extschema@.kpi_views SET relation_schema = target_schema;
ALTER TABLE @extschema@.kpi_views ALTER COLUMN relation_schema SET NOT NULL;

DROP FUNCTION @extschema@.kpi_source_sql(text, boolean);
DROP FUNCTION @extschema@.kpi_source_checks(text, boolean);
DROP FUNCTION @extschema@.kpi_source_ctes(text[]);
DROP FUNCTION @extschema@.kpi_column_comment(text, text);
DROP FUNCTION @extschema@.kpi_expand(text, text, boolean);
DROP FUNCTION @extschema@.kpi_create_view(name, text, text, text[], text, text, boolean);
DROP FUNCTION @extschema@.kpi_try_view(name, text, text[], text[], text[], text, text[], text, text, boolean, boolean);
DROP FUNCTION @extschema@.create_kpi_views(name, text, boolean);

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

-- health_measures (0.1.0) had a trigger function of its own for the same thing.
DROP TRIGGER replace_measure ON @extschema@.health_measures;
DROP FUNCTION @extschema@.health_measures_replace();
CREATE TRIGGER replace_measure BEFORE INSERT ON @extschema@.health_measures
    FOR EACH ROW EXECUTE FUNCTION @extschema@.kpi_config_replace('measure');
COMMENT ON TRIGGER replace_measure ON @extschema@.health_measures IS 'INSERT of an existing measure replaces it';

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
COMMENT ON TABLE @extschema@.kpi_views IS 'csmetrics: the KPI views made by create_kpi_views() and their helper relations, in dependency order (kept by pg_dump; used by refresh_kpi_views(), grant_kpi_access() and the next create_kpi_views())';
COMMENT ON COLUMN @extschema@.kpi_views.target_schema IS 'schema given to create_kpi_views()';
COMMENT ON COLUMN @extschema@.kpi_views.view_name IS 'name of the view or helper relation';
COMMENT ON COLUMN @extschema@.kpi_views.time_zone IS 'time zone of every period boundary; NULL for views made by csmetrics 0.1.0 (they follow the reader''s TimeZone)';
COMMENT ON COLUMN @extschema@.kpi_views.relation_schema IS 'schema the relation is in: target_schema, or its companion schema for a helper relation';
COMMENT ON COLUMN @extschema@.kpi_views.internal IS 'true for a helper relation (a clean source, spans, MRR per customer): not granted to readers';

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
COMMENT ON FUNCTION @extschema@.kpi_periods(date, date, interval) IS 'csmetrics internal: period starts for KPI views made by csmetrics 0.1.0 (views made since use kpi_period_series)';

-- Whether a number is finite (not NaN nor an infinity): the check of each number column. An
-- integer column takes the float8 form (always finite); x - x <> 0 said the same at the cost
-- of a numeric subtraction per row of every scan.
CREATE FUNCTION @extschema@.kpi_finite_number(pg_catalog.numeric) RETURNS boolean
AS 'MODULE_PATHNAME', 'kpi_finite_number_numeric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_finite_number(pg_catalog.numeric) IS 'csmetrics internal: whether a numeric is finite (not NaN, Infinity or -Infinity); the check of the number columns of the sources';
CREATE FUNCTION @extschema@.kpi_finite_number(pg_catalog.float8) RETURNS boolean
AS 'MODULE_PATHNAME', 'kpi_finite_number_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_finite_number(pg_catalog.float8) IS 'csmetrics internal: whether a float8 is finite (not NaN, Infinity or -Infinity); the check of the number columns of the sources';

-- One row per check of one kind of source. Two more checks are relational and written in
-- kpi_source_view(): a per-customer row whose customer_id is not among the customers
-- ("unknown customer", when customers are registered), and a customer listed more than once
-- (its row with the first name, then segment, in text order is used; NULLs last).
CREATE TABLE @extschema@.source_checks (
    kind     text NOT NULL,
    problem  text NOT NULL,
    bad_when text NOT NULL,
    position int  NOT NULL,
    PRIMARY KEY (kind, problem)
);
COMMENT ON TABLE @extschema@.source_checks IS 'csmetrics: the checks a source row must pass to count in the KPI views; the rows that fail one are listed in data_issues; read-only reference';
COMMENT ON COLUMN @extschema@.source_checks.kind IS 'source kind';
COMMENT ON COLUMN @extschema@.source_checks.problem IS 'what data_issues says about a row that fails the check';
COMMENT ON COLUMN @extschema@.source_checks.bad_when IS 'SQL condition, true for a bad row, over the canonical columns of the row x';
COMMENT ON COLUMN @extschema@.source_checks.position IS 'order of the checks of a kind';
GRANT SELECT ON @extschema@.source_checks TO PUBLIC;

INSERT INTO @extschema@.source_checks (kind, position, problem, bad_when) VALUES
    ('customers', 1, 'customer_id is NULL', 'x.customer_id IS NULL'),
    ('subscriptions', 1, 'customer_id is NULL', 'x.customer_id IS NULL'),
    ('subscriptions', 2, 'started_at is NULL', 'x.started_at IS NULL'),
    ('subscriptions', 3, 'ended_at is before started_at', 'x.ended_at < x.started_at'),
    ('subscriptions', 4, 'mrr is NULL', 'x.mrr IS NULL'),
    ('subscriptions', 5, 'negative MRR', 'x.mrr < 0'),
    ('survey_responses', 1, 'responded_at is NULL', 'x.responded_at IS NULL'),
    ('survey_responses', 2, 'score is NULL', 'x.score IS NULL'),
    -- (the cheap tests first: a survey already in lower case, a score in range, make no
    -- lower() of the survey; every row of every answers scan goes through these)
    ('survey_responses', 3, 'unknown survey (not nps, csat, ces or enps)', 'x.survey NOT IN (''nps'', ''csat'', ''ces'', ''enps'') AND lower(x.survey) NOT IN (''nps'', ''csat'', ''ces'', ''enps'')'),
    ('survey_responses', 4, 'score is not a whole number', 'x.score <> trunc(x.score)'),
    ('survey_responses', 5, 'score out of range (NPS and eNPS: 0..10)', 'x.score NOT BETWEEN 0 AND 10 AND lower(coalesce(x.survey, ''nps'')) IN (''nps'', ''enps'')'),
    ('survey_responses', 6, 'score out of range (CSAT: 1..5)', 'x.score NOT BETWEEN 1 AND 5 AND lower(x.survey) = ''csat'''),
    ('survey_responses', 7, 'score out of range (CES: 1..7)', 'x.score NOT BETWEEN 1 AND 7 AND lower(x.survey) = ''ces'''),
    ('tickets', 1, 'opened_at is NULL', 'x.opened_at IS NULL'),
    ('tickets', 2, 'resolved_at is before opened_at', 'x.resolved_at < x.opened_at'),
    ('tickets', 3, 'contacts is negative', 'x.contacts < 0'),
    ('invoices', 1, 'due_at is NULL', 'x.due_at IS NULL'),
    ('invoices', 2, 'amount is NULL', 'x.amount IS NULL'),
    ('invoices', 3, 'negative amount', 'x.amount < 0'),
    ('usage_events', 1, 'occurred_at is NULL', 'x.occurred_at IS NULL'),
    ('usage_events', 2, 'negative quantity', 'x.quantity < 0'),
    ('renewals', 1, 'due_at is NULL', 'x.due_at IS NULL'),
    ('renewals', 2, 'renewed is NULL', 'x.renewed IS NULL'),
    ('renewals', 3, 'negative amount', 'x.amount < 0'),
    ('trials', 1, 'started_at is NULL', 'x.started_at IS NULL'),
    ('trials', 2, 'converted_at is before started_at', 'x.converted_at < x.started_at'),
    ('costs', 1, 'incurred_at is NULL', 'x.incurred_at IS NULL'),
    ('costs', 2, 'amount is NULL', 'x.amount IS NULL'),
    ('costs', 3, 'negative amount', 'x.amount < 0'),
    ('costs', 4, 'unknown cost kind (not success or acquisition)', 'x.kind IS NULL OR x.kind NOT IN (''success'', ''acquisition'')'),
    -- an infinite instant has no period: the period series of every view would have no end
    ('subscriptions', 6, 'started_at is not a finite time', 'NOT isfinite(x.started_at)'),
    ('subscriptions', 7, 'ended_at is not a finite time', 'NOT isfinite(x.ended_at)'),
    ('survey_responses', 8, 'responded_at is not a finite time', 'NOT isfinite(x.responded_at)'),
    ('tickets', 4, 'opened_at is not a finite time', 'NOT isfinite(x.opened_at)'),
    ('tickets', 5, 'resolved_at is not a finite time', 'NOT isfinite(x.resolved_at)'),
    ('invoices', 4, 'due_at is not a finite time', 'NOT isfinite(x.due_at)'),
    ('invoices', 5, 'paid_at is not a finite time', 'NOT isfinite(x.paid_at)'),
    ('usage_events', 3, 'occurred_at is not a finite time', 'NOT isfinite(x.occurred_at)'),
    ('renewals', 4, 'due_at is not a finite time', 'NOT isfinite(x.due_at)'),
    ('trials', 3, 'started_at is not a finite time', 'NOT isfinite(x.started_at)'),
    ('trials', 4, 'converted_at is not a finite time', 'NOT isfinite(x.converted_at)'),
    ('costs', 5, 'incurred_at is not a finite time', 'NOT isfinite(x.incurred_at)'),
    -- NaN and the infinities (numeric has them from PostgreSQL 14 on): a sum over such a
    -- value is no number of money, usage or contacts
    ('subscriptions', 8, 'mrr is not a finite number', 'NOT @extschema@.kpi_finite_number(x.mrr)'),
    ('tickets', 6, 'contacts is not a finite number', 'NOT @extschema@.kpi_finite_number(x.contacts)'),
    -- a count of contacts is whole; an invoice counts for its customer only (billing health,
    -- payment reminders)
    ('tickets', 7, 'contacts is not a whole number', 'x.contacts <> trunc(x.contacts)'),
    ('invoices', 7, 'customer_id is NULL', 'x.customer_id IS NULL'),
    ('invoices', 6, 'amount is not a finite number', 'NOT @extschema@.kpi_finite_number(x.amount)'),
    ('usage_events', 4, 'quantity is not a finite number', 'NOT @extschema@.kpi_finite_number(x.quantity)'),
    ('renewals', 5, 'amount is not a finite number', 'NOT @extschema@.kpi_finite_number(x.amount)'),
    ('costs', 6, 'amount is not a finite number', 'NOT @extschema@.kpi_finite_number(x.amount)'),
    ('milestones', 1, 'customer_id is NULL', 'x.customer_id IS NULL'),
    ('milestones', 2, 'milestone is NULL', 'x.milestone IS NULL'),
    ('milestones', 3, 'reached_at is NULL', 'x.reached_at IS NULL'),
    ('milestones', 4, 'reached_at is not a finite time', 'NOT isfinite(x.reached_at)'),
    -- a milestone outside the model has no weight: listed rather than ignored, so that a
    -- spelling that differs between the data and the model shows instead of lowering scores
    ('milestones', 5, 'unknown milestone (not in @extschema@.onboarding_milestones)',
     'x.milestone NOT IN (SELECT m.milestone FROM @extschema@.onboarding_milestones AS m)'),
    ('signals', 1, 'customer_id is NULL', 'x.customer_id IS NULL'),
    ('signals', 2, 'occurred_at is NULL', 'x.occurred_at IS NULL'),
    ('signals', 3, 'signal is NULL', 'x.signal IS NULL'),
    ('signals', 4, 'negative value', 'x.value < 0'),
    ('signals', 5, 'value is NaN', 'x.value = ''NaN''::pg_catalog.numeric'),
    ('signals', 6, 'occurred_at is not a finite time', 'NOT isfinite(x.occurred_at)'),
    ('signals', 7, 'value is infinite', 'x.value <> ''NaN''::pg_catalog.numeric AND NOT @extschema@.kpi_finite_number(x.value)');

-- New canonical columns: the optional churn reason of a subscription, the milestones source of
-- the onboarding views, and the signals source (any event or measurement) of the health
-- model's signal measures.
INSERT INTO @extschema@.source_columns (kind, role, required, type_class, position, description) VALUES
    ('subscriptions', 'churn_reason', false, 'text', 5, 'why the subscription ended (competitor, price, closed...); NULL when unknown (shown as unknown by the churn_by_reason views)'),
    ('milestones', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('milestones', 'milestone', true, 'text', 2, 'the onboarding milestone reached, by its name in csmetrics.onboarding_milestones'),
    ('milestones', 'reached_at', true, 'timestamp', 3, 'when the customer reached it'),
    ('signals', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('signals', 'occurred_at', true, 'timestamp', 2, 'when the signal happened or was measured'),
    ('signals', 'signal', true, 'text', 3, 'name of the signal (logins, feature_adopted, sponsor_left...); health_measures rows name it'),
    ('signals', 'value', false, 'number', 4, 'the value measured, non-negative (default 1 per occurrence; a NULL value counts as 1)');
COMMENT ON FUNCTION @extschema@.register_source(text, regclass, jsonb) IS 'Registers the relation holding one kind of CRM data (customers, subscriptions, survey_responses, tickets, invoices, usage_events, renewals, trials, costs, milestones, signals); columns maps canonical names to column names. Validates everything and reports every problem in one error';
COMMENT ON FUNCTION @extschema@.register_source(text, text, jsonb) IS 'Registers a source given by name: like register_source(kind, regclass, columns), but a missing relation is reported together with the other problems';

-- The name of the local-date column that goes with an instant role: started_at -> started_on.
CREATE FUNCTION @extschema@.kpi_local_date_column(role text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.regexp_replace(role, '(_at)?$', '_on')
$$;
COMMENT ON FUNCTION @extschema@.kpi_local_date_column(text) IS 'csmetrics internal: name of the local date column of an instant role in the clean sources (started_at -> started_on)';

-- The type of a registered source's column for a role (a domain counts as its base type);
-- NULL when the relation does not provide the role.
CREATE FUNCTION @extschema@.kpi_role_column_type(kind text, role text) RETURNS regtype
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END)::regtype
            FROM @extschema@.sources s
            JOIN pg_attribute a ON a.attrelid = s.relation AND a.attname = (s.columns ->> role) AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE s.kind = kpi_role_column_type.kind);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_role_column_type(text, text) IS 'csmetrics internal: the (base) type of the column a registered source maps to a role';

-- Whether a registered source maps a number role of kind to a column of an integer or
-- floating-point type, which the clean relation checks as it is stored: for an integer that
-- is cheaper than a numeric of every row, and a float may be an infinity, which numeric has
-- no room for before PostgreSQL 14 (the cast itself would fail there, before any check).
CREATE FUNCTION @extschema@.kpi_stored_number_role(kind text, role text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT c.type_class IN ('number', 'integer')
                     FROM @extschema@.source_columns c
                     WHERE c.kind = kpi_stored_number_role.kind AND c.role = kpi_stored_number_role.role), false)
       AND coalesce(@extschema@.kpi_role_column_type(kind, role)
                    IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'float4'::regtype, 'float8'::regtype), false);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_stored_number_role(text, text) IS 'csmetrics internal: whether a registered source maps a number role to a column of an integer or floating-point type (checked as stored, made numeric once its checks have passed)';

-- The canonical form of a registered source: a SELECT over its relation (alias r) giving one
-- column per role. The customer id keeps its own type (so that it can partition and join
-- without a cast); labels are text, numbers numeric, except numbers stored as integers or
-- floats, which keep their type until kpi_source_columns() (see kpi_stored_number_role). An
-- instant role gives two columns: the
-- instant (timestamptz) and its local date in the views' time zone (started_at and
-- started_on); a timestamp or date column is read as wall time in that zone. Roles the
-- relation lacks are NULL. with_row adds the whole row as JSON, source_row (for data_issues),
-- with its timestamptz columns as wall time in the views' time zone: the JSON of an instant
-- would otherwise follow the reader's TimeZone.
CREATE FUNCTION @extschema@.kpi_source_select(ctx jsonb, kind text, with_row boolean) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    zone text := ctx ->> 'zone';
    src record;
    spec record;
    cols text[] := '{}';
    ref text;
    base regtype;
BEGIN
    SELECT s.columns, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relname INTO src
    FROM @extschema@.sources s
    JOIN pg_class c ON c.oid = s.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE s.kind = kpi_source_select.kind;
    FOR spec IN SELECT c.role, c.type_class FROM @extschema@.source_columns c
                WHERE c.kind = kpi_source_select.kind ORDER BY c.position LOOP
        base := @extschema@.kpi_role_column_type(kind, spec.role);
        ref := '(r.' || quote_ident(src.columns ->> spec.role) || ')';
        IF spec.type_class = 'timestamp' THEN
            cols := cols
                || (CASE WHEN base IS NULL THEN 'NULL::pg_catalog.timestamptz'
                         WHEN base = 'timestamptz'::regtype THEN ref
                         WHEN base = 'timestamp'::regtype THEN '(' || ref || '::pg_catalog.timestamp AT TIME ZONE ' || zone || ')'
                         -- a date past the range of timestamps (year 294276) has no instant:
                         -- infinity, which the checks list as not a finite time
                         ELSE '(CASE WHEN ' || ref || '::pg_catalog.date > ''294000-12-31''::pg_catalog.date THEN ''infinity''::pg_catalog.timestamptz ELSE '
                              || ref || '::pg_catalog.date::pg_catalog.timestamp AT TIME ZONE ' || zone || ' END)' END
                    || ' AS ' || quote_ident(spec.role))
                || (CASE WHEN base IS NULL THEN 'NULL::pg_catalog.date'
                         WHEN base = 'timestamptz'::regtype THEN '(' || ref || '::pg_catalog.timestamptz AT TIME ZONE ' || zone || ')::pg_catalog.date'
                         ELSE ref || '::pg_catalog.date' END
                    || ' AS ' || quote_ident(@extschema@.kpi_local_date_column(spec.role)));
        ELSIF spec.type_class = 'id' THEN
            -- no cast: the id keeps its own type
            cols := cols || (coalesce(ref, 'NULL::pg_catalog.text') || ' AS ' || quote_ident(spec.role));
        ELSIF base IS NULL THEN
            cols := cols || ('NULL::' || @extschema@.kpi_role_type(spec.type_class) || ' AS ' || quote_ident(spec.role));
        ELSIF @extschema@.kpi_stored_number_role(kind, spec.role) THEN
            -- an integer or a float keeps its type here: the checks compare it as it is
            -- stored; kpi_source_columns() casts it for the views
            cols := cols || (ref || ' AS ' || quote_ident(spec.role));
        ELSE
            cols := cols || (ref || '::' || @extschema@.kpi_role_type(spec.type_class) || ' AS ' || quote_ident(spec.role));
        END IF;
    END LOOP;
    IF with_row THEN
        -- (r.*: the whole row even when the relation has a column named r)
        cols := cols || ('pg_catalog.to_jsonb(r.*)'
                         || coalesce((SELECT string_agg(' || pg_catalog.jsonb_build_object(' || quote_literal(a.attname) || ', (r.'
                                                        || quote_ident(a.attname) || '::pg_catalog.timestamptz AT TIME ZONE ' || zone || '))',
                                                        '' ORDER BY a.attnum)
                                      FROM @extschema@.sources s
                                      JOIN pg_attribute a ON a.attrelid = s.relation AND a.attnum > 0 AND NOT a.attisdropped
                                      JOIN pg_type t ON t.oid = a.atttypid
                                      WHERE s.kind = kpi_source_select.kind
                                        AND CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END = 'timestamptz'::regtype), '')
                         || ' AS source_row');
    END IF;
    RETURN 'SELECT ' || array_to_string(cols, ', ') || ' FROM ' || src.relname || ' AS r';
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_select(jsonb, text, boolean) IS 'csmetrics internal: SELECT giving the canonical columns of a registered source (instants also as local dates in the views'' time zone)';

-- The latest instant of a source's clean rows (rows: the clean relation, or a CTE of its
-- rows), as an expression. Most often the latest row of the source passed its checks: a scan
-- without the checks finds that instant, and a scan that checks only the rows at it confirms
-- it, which costs a fraction of checking every row (at 100k customers, 1.1M usage events:
-- 0.25 s against 0.36 s, and 0.1 s of those build the known customers' hash once more).
-- When no row at it passed, every clean row is read. Under Citus, one aggregate over the
-- clean rows, which its planner takes to the shards.
CREATE FUNCTION @extschema@.kpi_latest_instant(ctx jsonb, kind text, rows text, instant text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (ctx ->> 'distributed')::boolean THEN
        RETURN format('(SELECT max(c.%I) FROM %s AS c)', instant, rows);
    END IF;
    RETURN format('coalesce((SELECT max(c.%1$I) FROM %2$s AS c WHERE c.%1$I >= (SELECT max(x.%1$I) FROM (%3$s) AS x)), (SELECT max(c.%1$I) FROM %2$s AS c))',
                  instant, rows, @extschema@.kpi_source_select(ctx, kind, false));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_latest_instant(jsonb, text, text, text) IS 'csmetrics internal: expression of the latest instant of a source''s clean rows (a scan without the checks first)';

-- The select list of a clean relation over the canonical row x (kpi_source_select): every
-- canonical column as the views read it, integers and floats cast to numeric now that the row
-- passed its checks (a view that does not read the column makes no numeric of it). A float is
-- cast only when finite: a condition of the reader on the column may be tested before the
-- checks, and the cast of an infinity fails before PostgreSQL 14 (the row, left out by the
-- checks, never shows its NULL). An MRR amount with more than 8 significant fraction digits
-- (an ARR divided by 12, a float) is rounded to 8, the most the MRR aggregates sum exactly;
-- others keep their digits and display scale.
CREATE FUNCTION @extschema@.kpi_source_columns(kind text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT string_agg(CASE WHEN c.type_class = 'timestamp'
                                   THEN 'x.' || quote_ident(c.role) || ', x.' || quote_ident(@extschema@.kpi_local_date_column(c.role))
                                   WHEN c.kind = 'subscriptions' AND c.role = 'mrr'
                                        AND @extschema@.kpi_role_column_type(c.kind, c.role) NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
                                   THEN format('CASE WHEN %1$s = pg_catalog.round(%1$s, 8) THEN %1$s ELSE pg_catalog.round(%1$s, 8) END AS mrr',
                                               CASE WHEN @extschema@.kpi_stored_number_role(c.kind, c.role)
                                                    THEN '(CASE WHEN x.mrr - x.mrr = 0 THEN x.mrr::pg_catalog.numeric END)' ELSE 'x.mrr' END)
                                   WHEN NOT @extschema@.kpi_stored_number_role(c.kind, c.role)
                                   THEN 'x.' || quote_ident(c.role)
                                   WHEN @extschema@.kpi_role_column_type(c.kind, c.role) IN ('float4'::regtype, 'float8'::regtype)
                                   THEN format('CASE WHEN x.%1$I - x.%1$I = 0 THEN x.%1$I::pg_catalog.numeric END AS %1$I', c.role)
                                   ELSE 'x.' || quote_ident(c.role) || '::pg_catalog.numeric AS ' || quote_ident(c.role) END, ', ' ORDER BY c.position)
            FROM @extschema@.source_columns c WHERE c.kind = kpi_source_columns.kind);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_columns(text) IS 'csmetrics internal: the select list of the clean relation of a source kind over its canonical row x (integers and finite floats cast to numeric)';

-- The checks of a kind as one condition, true for a row the KPIs leave out (x: the canonical
-- row; k: its customer, when with_customers). ORed into one condition that the views keep
-- rows by with NOT coalesce(..., false), which the planner takes for half of the rows: its
-- estimate of the checks themselves (a dozen conditions ANDed, or the OR under IS NOT TRUE)
-- can fall to a handful of rows and make it pick nested loops.
CREATE FUNCTION @extschema@.kpi_source_rejects(kind text, unknown_customer text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT coalesce(string_agg('(' || c.bad_when || ')', ' OR ' ORDER BY c.position), 'false')
            FROM (SELECT k.bad_when, k.position FROM @extschema@.source_checks k WHERE k.kind = kpi_source_rejects.kind
                  UNION ALL
                  SELECT unknown_customer, 1000000 WHERE unknown_customer IS NOT NULL) c);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_rejects(text, text) IS 'csmetrics internal: the checks of a source kind ORed into one SQL condition, true for a row left out of the KPIs (with the condition of an unknown customer, when given)';

-- Whether rows of a kind belong to a customer (the kind has a customer_id role).
CREATE FUNCTION @extschema@.kpi_per_customer(kind text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN EXISTS (SELECT FROM @extschema@.source_columns c WHERE c.kind = kpi_per_customer.kind AND c.role = 'customer_id');
END $$;
COMMENT ON FUNCTION @extschema@.kpi_per_customer(text) IS 'csmetrics internal: whether the rows of a source kind belong to a customer';

-- The customer id of a row (alias) of a source kind, as it is matched with customers: as it is
-- when the customers' ids have the same type, so that joins stay on the partition key; as
-- text when they differ (then ids equal in the source's type but not as text, such as 1 and
-- 1.0, are different customers, also when rows are grouped by it).
CREATE FUNCTION @extschema@.kpi_customer_key(kind text, alias text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN CASE WHEN @extschema@.kpi_role_column_type(kind, 'customer_id') = @extschema@.kpi_role_column_type('customers', 'customer_id')
                THEN alias || '.customer_id' ELSE alias || '.customer_id::pg_catalog.text' END;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_customer_key(text, text) IS 'csmetrics internal: the customer id of a source row, in the type it is matched with customers in';

-- The condition that matches a row (row_alias) of a source kind with a customer row (alias).
CREATE FUNCTION @extschema@.kpi_customer_match(kind text, alias text, row_alias text DEFAULT 'x') RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_customer_key(kind, alias) || ' = ' || @extschema@.kpi_customer_key(kind, row_alias);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_customer_match(text, text, text) IS 'csmetrics internal: the condition matching a source row with a customer, on the ids in their own type when the types agree';

-- The customer id of a row (alias; NULL for the bare column) of a source kind, in the type it
-- is compared with the ids of another kind in: as it is when both kinds match customers by
-- their ids as they are (without customers: when both ids have the same type), else as text.
-- Rows of the two kinds with equal keys belong to the same customer, and grouping by the key
-- keeps ids apart that the customers keep apart (1 and 1.0 where they are matched as text).
CREATE FUNCTION @extschema@.kpi_pair_key(ctx jsonb, kind text, other_kind text, alias text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id text := concat(alias || '.', 'customer_id');
    as_is boolean := CASE WHEN @extschema@.kpi_has(ctx, 'customers')
                          THEN @extschema@.kpi_customer_key(kind, 'x') = 'x.customer_id' AND @extschema@.kpi_customer_key(other_kind, 'x') = 'x.customer_id'
                          ELSE @extschema@.kpi_role_column_type(kind, 'customer_id') = @extschema@.kpi_role_column_type(other_kind, 'customer_id') END;
BEGIN
    RETURN CASE WHEN as_is THEN id ELSE id || '::pg_catalog.text' END;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_pair_key(jsonb, text, text, text) IS 'csmetrics internal: the customer id of a source row, in the type it is compared with the rows of another source kind in';

-- The join of a source row x with its customer k (the clean customers, one row each).
CREATE FUNCTION @extschema@.kpi_customer_join(ctx jsonb, kind text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN 'LEFT JOIN ' || (ctx ->> 'customers') || ' AS k ON ' || @extschema@.kpi_customer_match(kind, 'k');
END $$;
COMMENT ON FUNCTION @extschema@.kpi_customer_join(jsonb, text) IS 'csmetrics internal: LEFT JOIN of a source row with its customer';

-- Template keys for the segment of the customer of rows (row_alias) of a source kind, in a
-- view that needs it (wanted): segment_join joins the clean customers as k, segment_value is
-- the segment ((none) without customers), segment_column is ", <segment_value> AS segment".
-- All empty when not wanted. Helpers such as spans leave the segment out, so that views
-- that show none do not look customers up at all.
CREATE FUNCTION @extschema@.kpi_segment_keys(ctx jsonb, kind text, row_alias text, wanted boolean) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    value text := CASE WHEN @extschema@.kpi_has(ctx, 'customers') THEN 'coalesce(k.segment, ''(none)'')' ELSE '''(none)''::text' END;
BEGIN
    IF NOT wanted THEN
        RETURN '{"segment_join": "", "segment_value": "", "segment_column": ""}';
    END IF;
    RETURN jsonb_build_object(
        'segment_join', CASE WHEN @extschema@.kpi_has(ctx, 'customers')
                             THEN ' LEFT JOIN ' || (ctx ->> 'customers') || ' AS k ON ' || @extschema@.kpi_customer_match(kind, 'k', row_alias)
                             ELSE '' END,
        'segment_value', value,
        'segment_column', ', ' || value || ' AS segment');
END $$;
COMMENT ON FUNCTION @extschema@.kpi_segment_keys(jsonb, text, text, boolean) IS 'csmetrics internal: template keys that give a view the segment of the customer of its rows';

-- Whether the customers of a source kind are told known or unknown by a probe into the set
-- of the customers' ids (kpi_id_set), made once per scan: when the ids of the kind and of the
-- customers are integers of the same type. At 100k customers that costs a fifth of the other
-- way, a join or semi-join on the ids, for which PostgreSQL builds a generic hash table of
-- them at every scan (about 85 ms) and tests each row through it (a third of a microsecond).
-- Other ids, and every id under Citus (whose planner takes the join to the shards), are
-- joined.
CREATE FUNCTION @extschema@.kpi_id_set_probe(ctx jsonb, kind text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN NOT (ctx ->> 'distributed')::boolean AND @extschema@.kpi_customer_key(kind, 'x') = 'x.customer_id'
           AND @extschema@.kpi_role_column_type(kind, 'customer_id') IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_id_set_probe(jsonb, text) IS 'csmetrics internal: whether the customers of a source kind are looked up in a kpi_id_set of the customers'' ids (integer ids of one type, not distributed)';

-- The ids of the valid customers (a SELECT of customer_id).
CREATE FUNCTION @extschema@.kpi_customer_ids(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN @extschema@.kpi_render($t$SELECT x.customer_id FROM ({{customers_canonical}}) AS x
                WHERE NOT coalesce({{customers_rejects}}, false)$t$,
        jsonb_build_object('customers_canonical', @extschema@.kpi_source_select(ctx, 'customers', false),
                           'customers_rejects', @extschema@.kpi_source_rejects('customers')));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_customer_ids(jsonb) IS 'csmetrics internal: SELECT of the ids of the customers that pass their checks';

-- The set of the customers' ids that a probe tests rows against (kpi_id_set_probe), as an
-- expression: read from the helper customer_id_set in a materialized set, which the refresh
-- makes once for every relation after it; else made by each scan (an InitPlan).
CREATE FUNCTION @extschema@.kpi_customer_id_set(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ctx ? 'customer_id_set' THEN
        RETURN '(SELECT s.ids FROM ' || (ctx ->> 'customer_id_set') || ' AS s)';
    END IF;
    RETURN '(SELECT @extschema@.kpi_id_set_agg(c.customer_id) FROM (' || @extschema@.kpi_customer_ids(ctx) || ') AS c)';
END $$;
COMMENT ON FUNCTION @extschema@.kpi_customer_id_set(jsonb) IS 'csmetrics internal: SQL expression of the set of the customers'' ids (read from the helper customer_id_set where there is one)';

-- The query of the helper customer_id_set: one row, the set of the customers' ids and, as its
-- key, the customers' rows that passed their checks. NULL (no helper) outside a materialized
-- set, under Citus, or when the customers' ids are not integers: where the sources cannot
-- probe a set. A refresh scans the sources some fifty times; each scan then reads the set (a
-- few milliseconds at 100k customers) instead of making it again from the customers (some
-- 20 ms).
CREATE FUNCTION @extschema@.kpi_view_customer_id_set(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (ctx ->> 'materialized')::boolean OR NOT @extschema@.kpi_has(ctx, 'customers')
       OR NOT @extschema@.kpi_id_set_probe(ctx, 'customers') THEN
        RETURN NULL;
    END IF;
    RETURN 'SELECT count(*) AS customer_rows, @extschema@.kpi_id_set_agg(c.customer_id) AS ids FROM ('
           || @extschema@.kpi_customer_ids(ctx) || ') AS c';
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_id_set(jsonb) IS 'csmetrics internal: builder of the customer_id_set helper relation (materialized sets with integer customer ids, not under Citus)';

-- Whether the customer of a source row x is known: a probe into the set of the customers'
-- ids (kpi_customer_id_set), where kpi_id_set_probe() allows; else a semi-join on the ids.
-- A row without customer passes unless the kind has a check against that.
CREATE FUNCTION @extschema@.kpi_known_customer(ctx jsonb, kind text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    customers text := @extschema@.kpi_customer_ids(ctx);
    known text;
BEGIN
    IF @extschema@.kpi_id_set_probe(ctx, kind) THEN
        known := '@extschema@.kpi_id_set_contains(' || @extschema@.kpi_customer_id_set(ctx) || ', x.customer_id)';
    ELSE
        known := 'EXISTS (SELECT FROM (' || customers || ') AS c WHERE ' || @extschema@.kpi_customer_match(kind, 'c') || ')';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.source_checks c WHERE c.kind = kpi_known_customer.kind AND c.bad_when = 'x.customer_id IS NULL') THEN
        RETURN known;
    END IF;
    RETURN '(x.customer_id IS NULL OR ' || known || ')';
END $$;
COMMENT ON FUNCTION @extschema@.kpi_known_customer(jsonb, text) IS 'csmetrics internal: SQL condition, true when the customer of a source row is among the customers (or the row has none and may)';

-- Builder of the clean relation of one source kind (ctx.kind): its canonical columns, the
-- segment of its customer, and only the rows that pass every check.
CREATE FUNCTION @extschema@.kpi_source_view(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kind text := ctx ->> 'kind';
    with_customers boolean := @extschema@.kpi_has(ctx, 'customers') AND @extschema@.kpi_per_customer(kind);
BEGIN
    ctx := ctx || jsonb_build_object(
        'canonical', @extschema@.kpi_source_select(ctx, kind, false),
        'columns', @extschema@.kpi_source_columns(kind),
        'rejects', @extschema@.kpi_source_rejects(kind));
    IF kind = 'customers' THEN
        -- One row per customer: a customer listed more than once gets its row with the
        -- first name, then segment (NULL after any value). DISTINCT ON over the rows sorted
        -- by id: cheaper than grouping by the id with min(ARRAY[name, segment]), which makes
        -- and compares an array per row; a name or segment the source lacks is a NULL
        -- constant, which the sort leaves out.
        RETURN @extschema@.kpi_render($t$
SELECT DISTINCT ON (x.customer_id) x.customer_id, x.name, coalesce(x.segment, '(none)') AS segment
FROM ({{canonical}}) AS x
WHERE NOT coalesce({{rejects}}, false)
ORDER BY x.customer_id, x.name, x.segment$t$, ctx);
    ELSIF NOT @extschema@.kpi_per_customer(kind) THEN
        RETURN @extschema@.kpi_render($t$
SELECT {{columns}} FROM ({{canonical}}) AS x WHERE NOT coalesce({{rejects}}, false)$t$, ctx);
    ELSIF with_customers THEN
        -- The segment comes from the one row of each customer ((none) for a row without
        -- customer, as for a customer without segment): a view that shows no segment does not
        -- read it, and the planner drops that join.
        RETURN @extschema@.kpi_render($t$
SELECT {{columns}}, coalesce(k.segment, '(none)') AS segment
FROM ({{canonical}}) AS x
{{customer_join}}
WHERE NOT coalesce({{rejects}}, false)
  AND {{known_customer}}$t$, ctx || jsonb_build_object('customer_join', @extschema@.kpi_customer_join(ctx, kind),
                                                         'known_customer', @extschema@.kpi_known_customer(ctx, kind)));
    ELSE
        RETURN @extschema@.kpi_render($t$
SELECT {{columns}}, '(none)'::text AS segment FROM ({{canonical}}) AS x WHERE NOT coalesce({{rejects}}, false)$t$, ctx);
    END IF;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_view(jsonb) IS 'csmetrics internal: builder of the clean relation of a registered source (the rows that pass its checks, with the customer''s segment)';

-- The data_issues rows of one source kind: every row that fails a check, once per check it
-- fails. Rows that pass are dropped by the ORed checks before anything else is done, so
-- the problems list and the JSON of the row are made for bad rows only.
CREATE FUNCTION @extschema@.kpi_source_issues(ctx jsonb, kind text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    with_customers boolean := @extschema@.kpi_has(ctx, 'customers') AND @extschema@.kpi_per_customer(kind)
                              AND kind <> 'customers';
    probe boolean := with_customers AND @extschema@.kpi_id_set_probe(ctx, kind);
    unknown text := CASE WHEN NOT with_customers THEN NULL
                         WHEN probe THEN 'x.customer_id IS NOT NULL AND NOT @extschema@.kpi_id_set_contains(k.ids, x.customer_id)'
                         ELSE 'x.customer_id IS NOT NULL AND k.customer_id IS NULL' END;
    problems text;
    issues text;
BEGIN
    SELECT string_agg('CASE WHEN ' || c.bad_when || ' THEN ' || quote_literal(c.problem) || ' END', ', ' ORDER BY c.position)
    INTO problems
    FROM (SELECT k.bad_when, k.problem, k.position FROM @extschema@.source_checks k WHERE k.kind = kpi_source_issues.kind
          UNION ALL
          SELECT unknown, 'unknown customer', 1000000 WHERE unknown IS NOT NULL) c;
    ctx := ctx || jsonb_build_object(
        'source', quote_literal(kind),
        'relation', quote_literal((SELECT s.relation::text FROM @extschema@.sources s WHERE s.kind = kpi_source_issues.kind)),
        'source_id', CASE WHEN @extschema@.kpi_per_customer(kind) THEN 'x.customer_id::pg_catalog.text' ELSE 'NULL::pg_catalog.text' END,
        'canonical_row', @extschema@.kpi_source_select(ctx, kind, true),
        -- the known customer ids, once each (no labels to pick): their set, or a hash of them
        'customer_join', CASE WHEN NOT with_customers THEN ''
                              WHEN probe THEN 'CROSS JOIN (SELECT ' || @extschema@.kpi_customer_id_set(ctx) || ' AS ids) AS k'
                              ELSE 'LEFT JOIN (SELECT DISTINCT c.customer_id FROM (' || @extschema@.kpi_customer_ids(ctx)
                                   || ') AS c) AS k ON ' || @extschema@.kpi_customer_match(kind, 'k') END,
        'rejects', @extschema@.kpi_source_rejects(kind, unknown),
        'problems', coalesce(problems, 'NULL'));
    issues := @extschema@.kpi_render($t$
SELECT {{source}}::text AS source, {{relation}}::text AS relation, {{source_id}} AS customer_id, p.problem,
       x.source_row::text AS source_row
FROM ({{canonical_row}}) AS x
{{customer_join}}
CROSS JOIN LATERAL pg_catalog.unnest(ARRAY[{{problems}}]::text[]) AS p(problem)
WHERE ({{rejects}}) AND p.problem IS NOT NULL$t$, ctx);
    IF kind = 'customers' THEN
        -- every row of a customer listed more than once, but the one used (the same order
        -- as the clean customers, then the whole row's JSON text between rows that agree)
        issues := issues || @extschema@.kpi_render($t$
UNION ALL
SELECT {{source}}::text, {{relation}}::text, x.customer_id::pg_catalog.text, 'duplicate customer_id (the first row is used)',
       x.row_text
FROM (SELECT x.customer_id, x.source_row::text AS row_text,
             pg_catalog.row_number() OVER (PARTITION BY x.customer_id ORDER BY x.name, x.segment, x.source_row::text) AS copy
      FROM ({{canonical_row}}) AS x
      WHERE x.customer_id IN (SELECT d.customer_id FROM ({{canonical}}) AS d GROUP BY d.customer_id HAVING count(*) > 1)) AS x
WHERE x.copy > 1$t$, ctx || jsonb_build_object('canonical', @extschema@.kpi_source_select(ctx, kind, false)));
    END IF;
    RETURN issues;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_source_issues(jsonb, text) IS 'csmetrics internal: SELECT of the data_issues rows of one source kind (each row that fails a check, once per check)';

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

-- BEGIN src/views/retention.sql
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
-- END src/views/retention.sql

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

---------------------------------------------------------------------------------------------
-- The health model as data (src/views/health.sql): health_measures keeps its rows and gains the
-- columns of signal measures (signal, aggregation, look_back) and of points measures (impact);
-- its other columns get defaults, and its rows are checked by a trigger.

ALTER TABLE @extschema@.health_measures DROP CONSTRAINT health_measures_measure_check;
ALTER TABLE @extschema@.health_measures ALTER COLUMN weight SET DEFAULT 1;
ALTER TABLE @extschema@.health_measures ALTER COLUMN higher_is_better SET DEFAULT true;
ALTER TABLE @extschema@.health_measures ALTER COLUMN normalization SET DEFAULT 'rank';
ALTER TABLE @extschema@.health_measures ADD COLUMN signal text;
ALTER TABLE @extschema@.health_measures ADD COLUMN aggregation text NOT NULL DEFAULT 'count'
    CHECK (aggregation IN ('count', 'sum', 'avg', 'latest', 'days_since'));
ALTER TABLE @extschema@.health_measures ADD COLUMN look_back interval CHECK (look_back > '0'::interval);
ALTER TABLE @extschema@.health_measures ADD COLUMN impact float8 CHECK (impact > '-infinity' AND impact < 'infinity');
-- Statistics of the few rows, for the plans of the health views (as in a fresh install).
ANALYZE @extschema@.health_measures;
COMMENT ON TABLE @extschema@.health_measures IS 'csmetrics: the health model of the customer_health views: built-in measures and measures over signals (kept by pg_dump; inserting an existing measure replaces it; weight 0 switches a measure off; rows are checked when inserted)';
COMMENT ON COLUMN @extschema@.health_measures.measure IS 'name of the measure: usage (usage quantity in the period), nps (latest NPS answer within a year), support (tickets opened in the period), billing (average days late of invoices due within a year), or any other name for a measure over the signals source';
COMMENT ON COLUMN @extschema@.health_measures.weight IS 'relative weight in the weighted score (non-negative; 0 = not used; ignored when impact is set)';
COMMENT ON COLUMN @extschema@.health_measures.higher_is_better IS 'false for measures where less is better (tickets, days late)';
COMMENT ON COLUMN @extschema@.health_measures.normalization IS 'rank (percentile among the customers of the period) or bounds (lower_bound..upper_bound mapped to 0..100)';
COMMENT ON COLUMN @extschema@.health_measures.lower_bound IS 'raw value mapped to 0 (or 100 when lower is better), for bounds';
COMMENT ON COLUMN @extschema@.health_measures.upper_bound IS 'raw value mapped to 100 (or 0 when lower is better), for bounds';
COMMENT ON COLUMN @extschema@.health_measures.signal IS 'the signal a signal measure reads (NULL: the signal named like the measure); NULL for the built-in measures';
COMMENT ON COLUMN @extschema@.health_measures.aggregation IS 'raw value of a signal measure from the signal''s rows in the window: count, sum, avg, latest (value of the last occurrence) or days_since (days from the last occurrence to the period end)';
COMMENT ON COLUMN @extschema@.health_measures.look_back IS 'trailing window ending at the period end that a signal measure reads (NULL: the period itself)';
COMMENT ON COLUMN @extschema@.health_measures.impact IS 'points per unit of the raw value: set, the measure counts in the points score (health_points, sum of raw value x impact) instead of the weighted score';

-- The built-in measures, in the order their values enter the weighted score.
CREATE FUNCTION @extschema@.kpi_health_builtin() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['usage', 'nps', 'support', 'billing']
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_builtin() IS 'csmetrics internal: the names of the built-in health measures, in the order of the weighted score';

-- Whether the signals source holds a signal: NULL when there is nothing to check it against
-- (no signals source, or one that is no longer valid), with a WARNING saying so.
CREATE FUNCTION @extschema@.kpi_signal_seen(signal text, measure text) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src record;
    seen boolean;
BEGIN
    SELECT s.relation, s.columns, format('%I.%I', n.nspname, c.relname) AS relname INTO src
    FROM @extschema@.sources s
    JOIN pg_class c ON c.oid = s.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE s.kind = 'signals';
    IF NOT FOUND THEN
        RAISE WARNING 'signal "%" of measure "%" is not checked: no signals source is registered', signal, measure
            USING DETAIL = 'The measure has no value until a signals source is registered and create_kpi_views() is run again.';
        RETURN NULL;
    END IF;
    BEGIN
        PERFORM @extschema@.kpi_check_source('signals', src.relation, src.relation::text, src.columns);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'signal "%" of measure "%" is not checked: the signals source % is no longer valid', signal, measure, src.relname
            USING DETAIL = 'Register the signals source again.';
        RETURN NULL;
    END;
    EXECUTE format('SELECT EXISTS (SELECT FROM %s AS r WHERE (r.%I)::pg_catalog.text OPERATOR(pg_catalog.=) $1)',
                   src.relname, src.columns ->> 'signal')
        INTO seen USING signal;
    IF NOT seen THEN
        RAISE EXCEPTION 'signal "%" of measure "%" has never been seen', signal, measure
            USING ERRCODE = '23503',
                  DETAIL = format('No row of the signals source %s has signal "%s" (signal names are case-sensitive).', src.relname, signal),
                  HINT = 'Check the spelling, or add the measure once the signal has been recorded.';
    END IF;
    RETURN true;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_signal_seen(text, text) IS 'csmetrics internal: raises an error when the registered signals source has no row of a signal; NULL (and a WARNING) when there is no valid signals source to check against';

-- Checks a row of the model before it is stored, each problem with its own error. Whether
-- the signal was ever seen is checked when a row names a new signal, against the registered
-- signals source; not while pg_restore loads a dump (check_function_bodies is off there, as
-- for function bodies: the signals may be restored after the model).
CREATE FUNCTION @extschema@.health_measures_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    builtin constant text[] := @extschema@.kpi_health_builtin();
    rule constant text := 'Weights are finite and non-negative; 0 switches a measure off.';
BEGIN
    IF NEW.measure = '' THEN
        RAISE EXCEPTION 'a health measure needs a name' USING ERRCODE = '22023', DETAIL = 'measure is the empty string.';
    END IF;
    IF NEW.measure = ANY (builtin) AND (NEW.signal IS NOT NULL OR NEW.aggregation IS DISTINCT FROM 'count' OR NEW.look_back IS NOT NULL) THEN
        RAISE EXCEPTION 'measure "%" is built in and reads no signal', NEW.measure
            USING ERRCODE = '22023',
                  DETAIL = 'signal, aggregation and look_back are for signal measures; usage, nps, support and billing have their own definitions.',
                  HINT = 'Give a signal measure a name of its own.';
    END IF;
    IF NEW.aggregation IS NOT NULL AND NEW.aggregation NOT IN ('count', 'sum', 'avg', 'latest', 'days_since') THEN
        RAISE EXCEPTION 'unknown aggregation "%" for measure "%"', NEW.aggregation, NEW.measure
            USING ERRCODE = '22023', DETAIL = 'Aggregations: count, sum, avg, latest, days_since.';
    END IF;
    IF NEW.weight IS NOT NULL AND (NEW.weight = 'NaN' OR NEW.weight = 'infinity') THEN
        RAISE EXCEPTION 'weight % of measure "%" is not finite', NEW.weight, NEW.measure USING ERRCODE = '22003', DETAIL = rule;
    END IF;
    IF NEW.weight < 0 THEN
        RAISE EXCEPTION 'weight % of measure "%" is negative', NEW.weight, NEW.measure USING ERRCODE = '22003', DETAIL = rule;
    END IF;
    IF NEW.normalization IS NOT NULL AND NEW.normalization NOT IN ('rank', 'bounds') THEN
        RAISE EXCEPTION 'unknown normalization "%" for measure "%"', NEW.normalization, NEW.measure
            USING ERRCODE = '22023', DETAIL = 'Normalizations: rank (percentile among the customers) or bounds (lower_bound..upper_bound).';
    END IF;
    IF NEW.lower_bound IN ('NaN', 'infinity', '-infinity') OR NEW.upper_bound IN ('NaN', 'infinity', '-infinity') THEN
        RAISE EXCEPTION 'bounds of measure "%" are not finite: lower_bound %, upper_bound %', NEW.measure, NEW.lower_bound, NEW.upper_bound
            USING ERRCODE = '22003';
    END IF;
    IF NEW.normalization = 'bounds' AND (NEW.lower_bound IS NULL OR NEW.upper_bound IS NULL) THEN
        RAISE EXCEPTION 'measure "%" is normalised by bounds but has no %', NEW.measure,
            CASE WHEN NEW.lower_bound IS NULL AND NEW.upper_bound IS NULL THEN 'bounds'
                 WHEN NEW.lower_bound IS NULL THEN 'lower_bound' ELSE 'upper_bound' END
            USING ERRCODE = '22023', DETAIL = 'bounds maps lower_bound..upper_bound to 0..100; give both, or use rank.';
    END IF;
    IF NEW.normalization = 'bounds' AND NEW.lower_bound >= NEW.upper_bound THEN
        RAISE EXCEPTION 'bounds of measure "%" are not ascending: lower_bound %, upper_bound %', NEW.measure, NEW.lower_bound, NEW.upper_bound
            USING ERRCODE = '22023', DETAIL = 'lower_bound must be below upper_bound; for a measure where less is better, set higher_is_better to false.';
    END IF;
    IF NEW.impact IN ('NaN', 'infinity', '-infinity') THEN
        RAISE EXCEPTION 'impact % of measure "%" is not finite', NEW.impact, NEW.measure
            USING ERRCODE = '22003', DETAIL = 'An impact is the (positive or negative) points per unit of the measure.';
    END IF;
    IF NEW.look_back <= '0'::interval THEN
        RAISE EXCEPTION 'look_back % of measure "%" is not positive', NEW.look_back, NEW.measure
            USING ERRCODE = '22023', DETAIL = 'look_back is the trailing window ending at the period end, such as ''30 days''; NULL reads the period itself.';
    END IF;
    IF NOT NEW.measure = ANY (builtin) AND current_setting('check_function_bodies') = 'on'
       AND (TG_OP = 'INSERT' OR coalesce(NEW.signal, NEW.measure) IS DISTINCT FROM coalesce(OLD.signal, OLD.measure)) THEN
        PERFORM @extschema@.kpi_signal_seen(coalesce(NEW.signal, NEW.measure), NEW.measure);
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.health_measures_check() IS 'csmetrics internal: trigger refusing a health_measures row with a clear error (unknown aggregation or normalization, negative weight, bounds not ascending, a built-in measure with a signal, a signal never seen)';
CREATE TRIGGER check_measure BEFORE INSERT OR UPDATE ON @extschema@.health_measures
    FOR EACH ROW EXECUTE FUNCTION @extschema@.health_measures_check();
COMMENT ON TRIGGER check_measure ON @extschema@.health_measures IS 'refuses a row of the model with a clear error';

-- The settings of health_score_validation: one row, kept by pg_dump.
CREATE TABLE @extschema@.health_validation_settings (
    horizon_periods   int NOT NULL DEFAULT 3 CONSTRAINT horizon_periods_range CHECK (horizon_periods BETWEEN 1 AND 1000),
    look_back_periods int NOT NULL DEFAULT 12 CONSTRAINT look_back_periods_range CHECK (look_back_periods BETWEEN 1 AND 1000)
);
COMMENT ON TABLE @extschema@.health_validation_settings IS 'csmetrics: the settings of health_score_validation, one row (kept by pg_dump; inserting a row replaces the settings; without a row the defaults apply)';
COMMENT ON COLUMN @extschema@.health_validation_settings.horizon_periods IS 'N: a customer churned when it stopped paying within the N periods after the one scored (default 3)';
COMMENT ON COLUMN @extschema@.health_validation_settings.look_back_periods IS 'how many periods are validated: the latest ones whose N following periods are complete (default 12)';

CREATE TRIGGER replace_settings BEFORE INSERT ON @extschema@.health_validation_settings
    FOR EACH ROW EXECUTE FUNCTION @extschema@.kpi_config_replace();
COMMENT ON TRIGGER replace_settings ON @extschema@.health_validation_settings IS 'INSERT replaces the settings row';

INSERT INTO @extschema@.health_validation_settings DEFAULT VALUES;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.health_validation_settings', '');

---------------------------------------------------------------------------------------------
-- Health per customer and period.

-- The sources the health measures read: the name of their rows in the query, the columns it
-- needs, the local date of their events and the instant that date is of.
CREATE FUNCTION @extschema@.kpi_health_sources()
RETURNS TABLE (n int, kind text, rows text, columns text, day text, instant text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    VALUES (1, 'usage_events', 'usage_rows', 'occurred_at, occurred_on, quantity', 'occurred_on', 'occurred_at'),
           (2, 'survey_responses', 'answer_rows', 'responded_at, responded_on, score, survey', 'responded_on', 'responded_at'),
           (3, 'tickets', 'ticket_rows', 'opened_at, opened_on', 'opened_on', 'opened_at'),
           (4, 'invoices', 'invoice_rows', 'due_at, due_on, paid_at', 'due_on', 'due_at'),
           (5, 'signals', 'signal_rows', 'occurred_at, occurred_on, signal, value', 'occurred_on', 'occurred_at')
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_sources() IS 'csmetrics internal: the sources of the health measures, as kpi_health_query() reads them (rows, columns, local day and instant of their events)';

-- The measures of a built-in kind, as kpi_health_query() reads them: the CTE computing each
-- customer's values, one row per customer whose element k is the value in the period
-- numbered k, the join that brings them to the customer c of the scope, the array on that
-- row, and whether the measure counts from zero (nothing when the source is not registered).
-- Each first keeps the rows within reach of the periods (period_range): by their instant, a
-- cheap comparison where their local day would be computed for every row of the source, and
-- a little wider, so that the rows kept may fall outside the periods but never the other way
-- round (the functions skip rows in no window). Usage and tickets are summed within each
-- period (kpi_sums_in_windows over the periods: a customer's rows grouped once, not by
-- customer and period and then joined to each of its period rows); answers and invoices
-- count for every period ending within a year after them (kpi_latest_in_windows,
-- kpi_days_late over the year before each period end). Answers other than NPS are left out
-- by FILTER: from a WHERE of both bounds and the survey, which it cannot estimate, the
-- planner expected a handful of customers and joined them to the scope by a loop over all of
-- them for every customer.
CREATE FUNCTION @extschema@.kpi_health_builtin_measure(ctx jsonb, measure text)
RETURNS TABLE (kind text, cte text, join_sql text, value text, from_zero boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    alias text := measure || '_m';
BEGIN
    kind := CASE measure WHEN 'usage' THEN 'usage_events' WHEN 'nps' THEN 'survey_responses' WHEN 'support' THEN 'tickets' ELSE 'invoices' END;
    IF NOT @extschema@.kpi_has(ctx, kind) THEN
        RETURN;
    END IF;
    ctx := ctx || jsonb_build_object('alias', alias);
    cte := @extschema@.kpi_render(CASE measure
        WHEN 'usage' THEN $m$
{{alias}} AS (
    SELECT u.customer_id,
           @extschema@.kpi_sums_in_windows(u.occurred_on, coalesce(u.quantity, 1),
                                           (SELECT w.starts FROM period_windows AS w), (SELECT w.ends FROM period_windows AS w)) AS per_period
    FROM usage_rows AS u
    WHERE u.occurred_at >= (SELECT r.first_at FROM period_range AS r) AND u.occurred_at < (SELECT r.end_at FROM period_range AS r)
    GROUP BY u.customer_id)$m$
        -- the latest NPS answer within a year: the lowest score of answers given at the same
        -- latest instant, so that the pick is the same on every run
        WHEN 'nps' THEN $m$
{{alias}} AS (
    SELECT r.customer_id,
           @extschema@.kpi_latest_in_windows(array_agg(r.responded_on) FILTER (WHERE r.nps), array_agg(r.responded_at) FILTER (WHERE r.nps),
                                             array_agg(r.score::float8) FILTER (WHERE r.nps),
                                             (SELECT w.year_starts FROM period_windows AS w), (SELECT w.ends FROM period_windows AS w)) AS per_period
    FROM (SELECT a.customer_id, a.responded_on, a.responded_at, a.score, coalesce(lower(a.survey), 'nps') = 'nps' AS nps
          FROM answer_rows AS a
          WHERE a.responded_at >= (SELECT x.year_before_at FROM period_range AS x)) AS r
    GROUP BY r.customer_id)$m$
        WHEN 'support' THEN $m$
{{alias}} AS (
    SELECT t.customer_id,
           @extschema@.kpi_sums_in_windows(t.opened_on, 1, (SELECT w.starts FROM period_windows AS w), (SELECT w.ends FROM period_windows AS w)) AS per_period
    FROM ticket_rows AS t
    WHERE t.opened_at >= (SELECT r.first_at FROM period_range AS r) AND t.opened_at < (SELECT r.end_at FROM period_range AS r)
    GROUP BY t.customer_id)$m$
        -- days late: from the due instant to the payment, or to the period end while unpaid;
        -- the mean of exact seconds, so that it does not depend on the order of the rows
        ELSE $m$
{{alias}} AS (
    SELECT i.customer_id,
           @extschema@.kpi_days_late(array_agg(i.due_on), array_agg(i.due_at), array_agg(i.paid_at),
                                     (SELECT w.year_starts FROM period_windows AS w), (SELECT w.ends FROM period_windows AS w),
                                     (SELECT w.end_ats FROM period_windows AS w)) AS per_period
    FROM invoice_rows AS i
    WHERE i.due_at >= (SELECT r.year_before_at FROM period_range AS r)
    GROUP BY i.customer_id)$m$ END, ctx);
    -- usage and tickets count from zero; a customer without an answer or invoice has no value
    from_zero := measure IN ('usage', 'support');
    join_sql := @extschema@.kpi_render(' LEFT JOIN {{alias}} ON {{match}}',
                                       ctx || jsonb_build_object('match', @extschema@.kpi_customer_match(kind, alias, 'c')));
    value := alias || '.per_period';
    RETURN NEXT;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_health_builtin_measure(jsonb, text) IS 'csmetrics internal: the SQL of one built-in health measure for kpi_health_query() (none when its source is not registered)';

-- The latest period of the health views: the period of the latest event of the sources the
-- measures read (usage, answer, ticket, invoice due, signal), but never one after today's (an
-- invoice due next month does not make next month current); subscription end dates may lie
-- in the future and do not count. A SELECT of current_period, and with instants, of the
-- latest instant of each of those sources (<kind>_at). The latest local day of a source is
-- that of its latest instant, except where a clock went back over midnight: an earlier row
-- has a later local day only if its zone's offset fell by more than the time between them,
-- and no offset ever fell by more than a day (24 hours, in Alaska in 1867). So it is the
-- latest day of the rows of the 48 hours up to that instant, a cheap test of the instant
-- before the checks. Two scans of a source find both: the latest instant of its raw rows,
-- without the checks, then the clean rows of the 48 hours up to it, which hold that instant
-- when the latest row passed its checks, as it most often does; when it did not, every clean
-- row is read for the latest instant and the day found from it. Under Citus, whose planner
-- refuses those subqueries, one aggregate over each source's clean rows.
CREATE FUNCTION @extschema@.kpi_health_period(ctx jsonb, instants boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT @extschema@.kpi_render('SELECT @extschema@.kpi_period_start(CASE WHEN greatest({{days}}) > {{today}} THEN {{today}} ELSE greatest({{days}}) END, {{grain}}) AS current_period{{instants}}{{from}}',
                ctx || jsonb_build_object(
                    'days', coalesce(string_agg('e' || e.n || '.latest_on', ', ' ORDER BY e.n), 'NULL::date'),
                    'instants', CASE WHEN instants THEN coalesce(string_agg(', e' || e.n || '.latest_at AS ' || quote_ident(e.kind || '_at'), '' ORDER BY e.n), '') ELSE '' END,
                    'from', coalesce(E'\nFROM ' || string_agg(
                        CASE WHEN (ctx ->> 'distributed')::boolean
                             THEN format('(SELECT max(%I) AS latest_on%s FROM %s) AS e%s', e.day,
                                         CASE WHEN instants THEN format(', max(%I) AS latest_at', e.instant) ELSE '' END, ctx ->> e.kind, e.n)
                             ELSE format($f$(WITH raw AS MATERIALIZED (SELECT max(x.%3$I) AS latest_at FROM (%4$s) AS x),
      near AS MATERIALIZED (SELECT max(d.%3$I) AS latest_at, max(d.%1$I) AS latest_on FROM %2$s AS d
                            WHERE d.%3$I >= (SELECT r.latest_at - '48 hours'::pg_catalog.interval FROM raw AS r))
      SELECT CASE WHEN n.latest_at = r.latest_at THEN n.latest_on
                  ELSE (SELECT max(d.%1$I) FROM %2$s AS d
                        WHERE d.%3$I >= (SELECT max(c.%3$I) - '48 hours'::pg_catalog.interval FROM %2$s AS c)) END AS latest_on,
             CASE WHEN n.latest_at = r.latest_at THEN n.latest_at ELSE (SELECT max(c.%3$I) FROM %2$s AS c) END AS latest_at
      FROM raw AS r CROSS JOIN near AS n) AS e%5$s$f$,
                                         e.day, ctx ->> e.kind, e.instant, @extschema@.kpi_source_select(ctx, e.kind, false), e.n) END,
                        ' CROSS JOIN ' ORDER BY e.n), '')))
            FROM @extschema@.kpi_health_sources() AS e WHERE @extschema@.kpi_has(ctx, e.kind));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_health_period(jsonb, boolean) IS 'csmetrics internal: SELECT of the latest period of the health views (that of the latest event of their sources), and optionally of the latest instant of each source';

-- Builder of health_period (a helper, made in materialized sets only): the latest period, read
-- once for the health relations of the set instead of scans of every source each, and the
-- latest instant of each of those sources (<kind>_at), found on the way, for the as-of
-- instant of customer_actions.
CREATE FUNCTION @extschema@.kpi_view_health_period(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (ctx ->> 'materialized')::boolean THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_health_period(ctx, true);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_health_period(jsonb) IS 'csmetrics internal: builder of the health_period helper relation (materialized sets only)';

-- The column of customer_health (and of the health_scores helper) holding a built-in
-- measure's raw value; its value on 0..100 is <measure>_health.
CREATE FUNCTION @extschema@.kpi_health_raw_column(measure text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE measure WHEN 'usage' THEN 'usage' WHEN 'nps' THEN 'nps_answer' WHEN 'support' THEN 'tickets' ELSE 'days_late' END
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_raw_column(text) IS 'csmetrics internal: the column of customer_health holding the raw value of a built-in health measure';

-- The settings of the validation as one row, their defaults without a row (a SELECT).
CREATE FUNCTION @extschema@.kpi_health_settings() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 'SELECT coalesce(max(h.horizon_periods), 3) AS horizon_periods, coalesce(max(h.look_back_periods), 12) AS look_back_periods
    FROM @extschema@.health_validation_settings AS h'::text
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_settings() IS 'csmetrics internal: SELECT of the health validation settings, with their defaults when the table has no row';

-- The query of every health measure and score of the customers in scope for a set of
-- periods. The caller gives the periods (a SELECT of {{period}} and is_current, which may
-- read asof: the period of the latest event, and with validation, settings: the one row of
-- health_validation_settings) and the final SELECT, which reads these CTEs (measure_values
-- only when long_form is asked for: a CTE read twice is stored first, so a query that does not
-- need the long form leaves it out and streams builtin_values into the scores; builtin_raw,
-- read by the rank samples and by builtin_values, is unfolded from the stored scope_customers
-- twice rather than stored itself, except where scope_customers is not stored):
--   scope           customer_id, name, segment, {{period}}, period_end, is_current, k (the
--                   period's number, in order): the customers in force at each period end
--                   (all customers without subscriptions); from scope_customers, one row per
--                   customer, where each built-in measure (an array of its values by period)
--                   is joined once, not to the row of each of its periods
--   measure_values  one row per customer in scope, period and measure (built-in measures of
--                   registered sources, and every signal measure of the model when signals are
--                   registered): position (order in the score), raw_value, in_model, weight
--                   (NULL for a points measure), impact, health (0..100; NULL for points)
--   scores          per customer in scope and period (and its number k), with its name,
--                   segment and is_current: health_score, health_points, measures_scored and
--                   the built-in measures' raw and health values; with validation and
--                   subscriptions, churned: in a validated period where the customer pays,
--                   whether it stopped paying within the next horizon_periods (else NULL)
--   signal_scores   (when signals are registered) per customer and period, the signal
--                   measures in the order of their names: measures, raws, healths, and the
--                   parts of the scores they give
-- Each source is read once for the measures; the latest period comes from the helper
-- health_period in a materialized set, else from the same rows. The built-in measures stay
-- side by side, one row per customer and period (builtin_values: raw_K, health_K, weight_K,
-- impact_K, in_model_K for the K-th registered one), so that the scores are plain expressions
-- over a row; only the signal measures, whose number the model decides, are in long form.
-- A measure ranked among the period's customers is not a window over their rows (a sort of
-- every row by period, and the window reading each row's arguments again): each period's
-- values are gathered and sorted once (rank_samples, kpi_sorted_sample) and every row finds
-- its own value in them (kpi_percentile_rank), with the percentile rule of
-- health_score_ranked. The model's rows are joined to those few per-period rows, not to
-- every customer's.
-- Signal rows are matched with the windows of the measures that name their signal (one hash
-- join on the signal name per period kept), so the work grows with the signal rows and the
-- customers, never with customers x signals.
CREATE FUNCTION @extschema@.kpi_health_query(ctx jsonb, periods text, final text, validation boolean DEFAULT false,
                                              long_form boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b record;
    k int := 0;
    mctx jsonb;
    builtin_ctes text := '';
    customer_joins text := '';
    customer_columns text := '';
    scope_columns text := '';
    raw_columns text := '';
    model_joins text := '';
    sample_columns text := '';
    value_columns text := '';
    pivot text := '';
    -- per registered built-in measure, in order: its name, its columns in builtin_values (a
    -- row v), and the parts of the scores it gives (a measure without a weight or a value adds
    -- nothing to health_score, one without an impact nothing to health_points)
    names text[] := '{}';
    raws text[] := '{}';
    in_model text[] := '{}';
    weights text[] := '{}';
    impacts text[] := '{}';
    healths text[] := '{}';
    score_weights text[] := '{}';
    points_counts text[] := '{}';
    points_impacts text[] := '{}';
    any_weight text[] := '{}';
    any_impact text[] := '{}';
    scored text[] := '{}';
    m text;
    signals boolean := @extschema@.kpi_has(ctx, 'signals');
    -- with validation and subscriptions, each score of a validated period carries its outcome
    outcomes boolean := validation AND @extschema@.kpi_has(ctx, 'subscriptions');
BEGIN
    FOR b IN SELECT x.measure, f.* FROM unnest(@extschema@.kpi_health_builtin()) WITH ORDINALITY AS x(measure, n)
             CROSS JOIN LATERAL @extschema@.kpi_health_builtin_measure(ctx, x.measure) AS f ORDER BY x.n LOOP
        k := k + 1;
        mctx := ctx || jsonb_build_object('k', k::text, 'value', b.value, 'name', quote_literal(b.measure));
        builtin_ctes := builtin_ctes || ',' || b.cte;
        customer_joins := customer_joins || E'\n   ' || b.join_sql;
        customer_columns := customer_columns || @extschema@.kpi_render(', {{value}} AS values_{{k}}', mctx);
        scope_columns := scope_columns || @extschema@.kpi_render(CASE WHEN b.from_zero THEN ', coalesce(c.values_{{k}}[p.k], 0) AS raw_{{k}}'
                                                                      ELSE ', c.values_{{k}}[p.k] AS raw_{{k}}' END, mctx);
        raw_columns := raw_columns || @extschema@.kpi_render(', s.raw_{{k}}', mctx);
        model_joins := model_joins || @extschema@.kpi_render(' LEFT JOIN @extschema@.health_measures AS m{{k}} ON m{{k}}.measure = {{name}}', mctx);
        sample_columns := sample_columns || @extschema@.kpi_render($v$,
           @extschema@.kpi_sorted_sample(array_agg(r.raw_{{k}})
               FILTER (WHERE r.raw_{{k}} IS NOT NULL
                             AND (SELECT m.normalization = 'rank' AND m.impact IS NULL FROM @extschema@.health_measures AS m WHERE m.measure = {{name}}))) AS sample_{{k}}$v$,
            mctx);
        -- the measure on 0..100 by its model row: by its percentile rank among the period's
        -- customers, searched in their values sorted once per period (rank_samples, which
        -- holds them only when the model ranks the measure, so that the others sort nothing),
        -- or between bounds; none for a points measure
        value_columns := value_columns || @extschema@.kpi_render($v$,
           r.raw_{{k}}, m{{k}}.measure IS NOT NULL AS in_model_{{k}}, CASE WHEN m{{k}}.impact IS NULL THEN m{{k}}.weight END AS weight_{{k}},
           m{{k}}.impact AS impact_{{k}},
           CASE WHEN m{{k}}.impact IS NOT NULL THEN NULL::float8
                WHEN m{{k}}.normalization = 'rank'
                THEN @extschema@.kpi_percentile_rank(rs.sample_{{k}}, r.raw_{{k}}, coalesce(m{{k}}.higher_is_better, true))
                ELSE @extschema@.health_normalize(r.raw_{{k}}, m{{k}}.lower_bound, m{{k}}.upper_bound, m{{k}}.higher_is_better) END AS health_{{k}}$v$,
            mctx);
        names := names || quote_literal(b.measure);
        raws := raws || @extschema@.kpi_render('v.raw_{{k}}', mctx);
        in_model := in_model || @extschema@.kpi_render('v.in_model_{{k}}', mctx);
        weights := weights || @extschema@.kpi_render('v.weight_{{k}}', mctx);
        impacts := impacts || @extschema@.kpi_render('v.impact_{{k}}', mctx);
        healths := healths || @extschema@.kpi_render('v.health_{{k}}', mctx);
        score_weights := score_weights || @extschema@.kpi_render('coalesce(v.weight_{{k}}, 0)', mctx);
        points_counts := points_counts || @extschema@.kpi_render('CASE WHEN v.impact_{{k}} IS NOT NULL THEN v.raw_{{k}} END', mctx);
        points_impacts := points_impacts || @extschema@.kpi_render('coalesce(v.impact_{{k}}, 0)', mctx);
        any_weight := any_weight || @extschema@.kpi_render('v.weight_{{k}} > 0', mctx);
        any_impact := any_impact || @extschema@.kpi_render('v.impact_{{k}} IS NOT NULL', mctx);
        scored := scored || @extschema@.kpi_render('(v.health_{{k}} IS NOT NULL AND v.weight_{{k}} > 0)::int', mctx);
    END LOOP;
    -- the signal measures' parts, from their row g of signal_scores
    IF signals THEN
        any_weight := any_weight || 'g.any_weight'::text;
        any_impact := any_impact || 'g.any_impact'::text;
        scored := scored || 'coalesce(g.scored, 0)'::text;
    END IF;
    -- the built-in measures side by side, for customer_health (NULL when not registered)
    FOREACH m IN ARRAY @extschema@.kpi_health_builtin() LOOP
        k := array_position(names, quote_literal(m));
        pivot := pivot || @extschema@.kpi_render(',
           {{raw}} AS {{raw_name}}, {{health}} AS {{measure}}_health',
            jsonb_build_object('raw', coalesce(raws[k], 'NULL::float8'), 'health', coalesce(healths[k], 'NULL::float8'), 'measure', m,
                               'raw_name', @extschema@.kpi_health_raw_column(m)));
    END LOOP;
    ctx := ctx || jsonb_build_object(
        'periods_sql', periods,
        'final', final,
        'pivot', pivot,
        'builtin_ctes', builtin_ctes,
        'customer_joins', customer_joins,
        'customer_columns', customer_columns,
        'scope_columns', scope_columns,
        -- stored on a single server when it joins values: else the planner, free to move
        -- those joins, made them to the rows of every period (see scope_customers)
        'customer_cte', CASE WHEN customer_joins <> '' AND NOT (ctx ->> 'distributed')::boolean THEN 'MATERIALIZED ' ELSE ctx ->> 'row_cte' END,
        -- each value must be found in its period's sorted sample, so the sample and the rows
        -- read the very same values: those of the stored scope_customers, unfolded once for
        -- each (at 100k customers, 784k rows not written to a tuplestore and read back: 4.6 ->
        -- 4.2 s for the health_scores helper), else of builtin_raw stored (also under Citus)
        'raw_cte', CASE WHEN customer_joins <> '' AND NOT (ctx ->> 'distributed')::boolean THEN 'NOT MATERIALIZED ' ELSE 'MATERIALIZED ' END,
        'raw_columns', raw_columns,
        -- the values of each ranked measure per period, sorted (none without a built-in measure)
        'rank_samples', CASE WHEN cardinality(names) > 0 THEN @extschema@.kpi_render($m$
rank_samples AS (
    SELECT r.{{period}}{{sample_columns}}
    FROM builtin_raw AS r
    GROUP BY r.{{period}}),$m$, ctx || jsonb_build_object('sample_columns', sample_columns)) ELSE '' END,
        -- with the model's rows of the measures: joined to the 12 or so rows of rank_samples,
        -- and so read once per period instead of once per row
        'rank_join', CASE WHEN cardinality(names) > 0
                          THEN @extschema@.kpi_render(' LEFT JOIN (rank_samples AS rs' || model_joins || ') ON rs.{{period}} = r.{{period}}', ctx) ELSE '' END,
        'value_columns', value_columns,
        'builtin_list', 'ARRAY[' || (SELECT string_agg(quote_literal(x), ', ') FROM unnest(@extschema@.kpi_health_builtin()) x) || ']',
        'names', array_to_string(names, ', '),
        'raws', array_to_string(raws, ', '),
        'in_model', array_to_string(in_model, ', '),
        'weights', array_to_string(weights, ', '),
        'impacts', array_to_string(impacts, ', '),
        'healths', array_to_string(healths, ', '),
        'score_weights', array_to_string(score_weights, ', '),
        'points_counts', array_to_string(points_counts, ', '),
        'points_impacts', array_to_string(points_impacts, ', '),
        'any_weight', coalesce(nullif(array_to_string(any_weight, ' OR '), ''), 'false'),
        'any_impact', coalesce(nullif(array_to_string(any_impact, ' OR '), ''), 'false'),
        'scored', coalesce(nullif(array_to_string(scored, ' + '), ''), '0'),
        -- each source's rows give its measure, and the latest event when there is no
        -- health_period helper: never stored, since a scan of the clean relation for the
        -- latest event and another for the measure (which keeps only the rows near the
        -- periods, by a cheap test of the instant before the checks) cost less than writing
        -- every row of the source to a tuplestore and reading it twice (3.64 -> 3.12 s for
        -- customer_health at 100k customers); under Citus, the measures are taken in the shards
        'source_rows', (SELECT string_agg(@extschema@.kpi_render(e.rows || ' AS NOT MATERIALIZED (SELECT customer_id, ' || e.columns || ' FROM {{' || e.kind || '}}),
', ctx), '' ORDER BY e.n)
                        FROM @extschema@.kpi_health_sources() AS e WHERE @extschema@.kpi_has(ctx, e.kind)),
        'latest_period', CASE WHEN ctx -> 'made' ? 'health_period' THEN 'SELECT a.current_period FROM ' || (ctx ->> 'health_period') || ' AS a'
                              -- (each source's name standing for its rows in the query)
                              ELSE @extschema@.kpi_health_period(ctx || (SELECT jsonb_object_agg(e.kind, e.rows) FROM @extschema@.kpi_health_sources() AS e)) END,
        -- the customers in force at each period end: from each one's subscriptions, the numbers
        -- of those periods (ks_join, ks_column), one row per number (every customer in every
        -- period without subscriptions); with validation, in the same pass, the numbers of the
        -- outcome periods at whose end it pays (paying_ks: kpi_in_force_periods leaves out the
        -- rows without a start, here those without MRR, and shares the array of the ends)
        'ks_join', CASE WHEN @extschema@.kpi_has(ctx, 'subscriptions') THEN @extschema@.kpi_render($m$
    JOIN (SELECT {{subscription_key}} AS customer_id,
                 @extschema@.kpi_in_force_periods(array_agg(s.started_on), array_agg(s.ended_on), (SELECT w.ends FROM period_windows AS w)) AS ks{{paying_ks}}
          FROM {{subscriptions}} AS s
          GROUP BY 1) AS f ON {{match}}$m$,
            ctx || jsonb_build_object('match', @extschema@.kpi_customer_match('subscriptions', 'c', 'f'),
                                      'subscription_key', @extschema@.kpi_customer_key('subscriptions', 's'),
                                      'paying_ks', CASE WHEN outcomes THEN $m$,
                 @extschema@.kpi_in_force_periods(array_agg(CASE WHEN s.mrr > 0 THEN s.started_on END), array_agg(s.ended_on),
                                                  (SELECT w.outcome_ends FROM period_windows AS w)) AS paying_ks$m$ ELSE '' END)) ELSE '' END,
        'ks_column', CASE WHEN @extschema@.kpi_has(ctx, 'subscriptions') THEN ', f.ks' || CASE WHEN outcomes THEN ', f.paying_ks' ELSE '' END ELSE '' END,
        'scope_periods', CASE WHEN @extschema@.kpi_has(ctx, 'subscriptions') THEN '
    CROSS JOIN LATERAL unnest(c.ks) AS u(k)
    JOIN periods AS p ON p.k = u.k' || CASE WHEN outcomes THEN '
    CROSS JOIN settings AS st' ELSE '' END ELSE ' CROSS JOIN periods AS p' END,
        -- with validation, the outcome of each validated period (the first look_back_periods,
        -- numbered alike in periods and in outcome_ends): NULL unless the customer pays at its
        -- end; else whether it stopped paying within the N periods after it, that is unless
        -- its N-th next paying period is k + N
        'outcome_ends', CASE WHEN outcomes THEN @extschema@.kpi_render($m$,
           (SELECT array_agg((o + {{step}})::date ORDER BY o)
            FROM asof AS a CROSS JOIN settings AS st,
                 @extschema@.kpi_period_series((a.current_period - (st.horizon_periods + st.look_back_periods) * {{step}})::date,
                                               (a.current_period - {{step}})::date, {{step}}) AS o) AS outcome_ends$m$, ctx) ELSE '' END,
        'churned', CASE WHEN outcomes THEN ',
           CASE WHEN p.k <= st.look_back_periods AND p.k = ANY (c.paying_ks)
                THEN c.paying_ks[array_position(c.paying_ks, p.k) + st.horizon_periods] IS DISTINCT FROM p.k + st.horizon_periods END AS churned'
                        ELSE '' END,
        'churned_s', CASE WHEN outcomes THEN ', s.churned' ELSE '' END,
        'churned_r', CASE WHEN outcomes THEN ', r.churned' ELSE '' END,
        'churned_v', CASE WHEN outcomes THEN ', v.churned' ELSE '' END);
    -- the signal measures of the model, when signals are registered: their values in long
    -- form, and per customer and period the parts of the scores they give, in the order of
    -- their names (after the built-in measures)
    ctx := ctx || jsonb_build_object('signal_ctes', CASE WHEN NOT signals THEN '' ELSE @extschema@.kpi_render($m$,
signal_model AS (
    SELECT m.measure, coalesce(m.signal, m.measure) AS signal, m.aggregation, m.look_back
    FROM @extschema@.health_measures AS m
    WHERE m.measure <> ALL ({{builtin_list}})),
signal_windows AS (
    SELECT w.measure, w.signal, w.aggregation, p.{{period}}, p.period_end, p.period_end_at,
           coalesce((p.period_end - w.look_back)::date, p.{{period}}) AS window_start
    FROM signal_model AS w CROSS JOIN periods AS p),
signal_values AS (
    SELECT x.customer_id, w.{{period}}, w.measure,
           -- each aggregate only where the measure asks for it; none needs sorted input
           CASE w.aggregation
               WHEN 'count' THEN count(*)::float8
               WHEN 'sum' THEN (sum(coalesce(x.value, 1)) FILTER (WHERE w.aggregation = 'sum'))::float8
               WHEN 'avg' THEN (avg(coalesce(x.value, 1)) FILTER (WHERE w.aggregation = 'avg'))::float8
               -- the value of the last occurrence (the lowest of values given at the same
               -- instant): the least {-instant, value} pair
               WHEN 'latest' THEN (min(ARRAY[-date_part('epoch', x.occurred_at), coalesce(x.value, 1)::float8])
                                   FILTER (WHERE w.aggregation = 'latest'))[2]
               ELSE date_part('epoch', w.period_end_at - max(x.occurred_at)) / 86400 END AS raw_value
    FROM signal_rows AS x
    JOIN signal_windows AS w ON w.signal = x.signal AND x.occurred_on >= w.window_start AND x.occurred_on < w.period_end
    GROUP BY x.customer_id, w.{{period}}, w.measure, w.aggregation, w.period_end_at),
signal_raw AS MATERIALIZED (
    -- counts and sums are 0 without an occurrence; the other aggregations have no value then
    -- (stored, also under Citus: each value must be found in its period's sorted sample, so
    -- the sample and the rows read the very same values)
    SELECT s.customer_id, s.{{period}}, w.measure, 1000::bigint AS position,
           CASE WHEN w.aggregation IN ('count', 'sum') THEN coalesce(v.raw_value, 0) ELSE v.raw_value END AS raw_value
    FROM scope AS s CROSS JOIN signal_model AS w
    LEFT JOIN signal_values AS v ON {{match}} AND v.{{period}} = s.{{period}} AND v.measure = w.measure),
signal_samples AS (
    -- the values of each ranked signal measure per period, sorted, as for the built-in ones
    SELECT r.{{period}}, r.measure,
           @extschema@.kpi_sorted_sample(array_agg(r.raw_value) FILTER (WHERE r.raw_value IS NOT NULL AND m.normalization = 'rank' AND m.impact IS NULL)) AS sample
    FROM signal_raw AS r JOIN @extschema@.health_measures AS m ON m.measure = r.measure
    GROUP BY r.{{period}}, r.measure),
signal_measure_values AS (
    SELECT r.customer_id, r.{{period}}, r.measure, r.position, r.raw_value, m.measure IS NOT NULL AS in_model,
           CASE WHEN m.impact IS NULL THEN m.weight END AS weight, m.impact,
           CASE WHEN m.impact IS NOT NULL THEN NULL::float8
                WHEN m.normalization = 'rank'
                THEN @extschema@.kpi_percentile_rank(ss.sample, r.raw_value, coalesce(m.higher_is_better, true))
                ELSE @extschema@.health_normalize(r.raw_value, m.lower_bound, m.upper_bound, m.higher_is_better) END AS health
    FROM signal_raw AS r LEFT JOIN @extschema@.health_measures AS m ON m.measure = r.measure
    LEFT JOIN signal_samples AS ss ON ss.{{period}} = r.{{period}} AND ss.measure = r.measure),
signal_scores AS (
    SELECT v.customer_id, v.{{period}},
           array_agg(v.measure ORDER BY v.measure COLLATE "C") AS measures,
           array_agg(v.raw_value ORDER BY v.measure COLLATE "C") AS raws,
           array_agg(v.health ORDER BY v.measure COLLATE "C") AS healths,
           array_agg(coalesce(v.weight, 0) ORDER BY v.measure COLLATE "C") AS weights,
           array_agg(CASE WHEN v.impact IS NOT NULL THEN v.raw_value END ORDER BY v.measure COLLATE "C") AS counts,
           array_agg(coalesce(v.impact, 0) ORDER BY v.measure COLLATE "C") AS impacts,
           bool_or(v.weight > 0) AS any_weight, bool_or(v.impact IS NOT NULL) AS any_impact,
           count(v.health) FILTER (WHERE v.weight > 0) AS scored
    FROM signal_measure_values AS v
    GROUP BY v.customer_id, v.{{period}})$m$,
            ctx || jsonb_build_object('match', @extschema@.kpi_customer_match('signals', 'v', 's'))) END);
    RETURN @extschema@.kpi_render($t$
WITH {{source_rows}}asof AS MATERIALIZED ({{latest_period}}),{{settings}}
periods AS (
    SELECT p.{{period}}, (p.{{period}} + {{step}})::date AS period_end,
           ((p.{{period}} + {{step}})::timestamp AT TIME ZONE {{zone}}) AS period_end_at, p.is_current,
           row_number() OVER (ORDER BY p.{{period}})::int AS k
    FROM ({{periods_sql}}) AS p
    WHERE p.{{period}} IS NOT NULL),
period_range AS (
    -- the instants the measures read from: the periods, and the year before each period end,
    -- two days wider on each side than those local days (where a clock skips or repeats
    -- midnight, a local day starts at another instant than its midnight names; two days is
    -- a safe margin, and rows outside the days fall in no period or window)
    SELECT (min(p.{{period}}) - 2)::timestamp AT TIME ZONE {{zone}} AS first_at,
           (max(p.period_end) + 2)::timestamp AT TIME ZONE {{zone}} AS end_at,
           (min((p.period_end - '1 year'::interval)::date) - 2)::timestamp AT TIME ZONE {{zone}} AS year_before_at
    FROM periods AS p),
period_windows AS (
    -- the periods, and the year before each period end, as the arrays the measures take (in
    -- the order of the periods: element k of their results is for the period numbered k)
    SELECT array_agg(p.{{period}} ORDER BY p.{{period}}) AS starts,
           array_agg((p.period_end - '1 year'::interval)::date ORDER BY p.{{period}}) AS year_starts,
           array_agg(p.period_end ORDER BY p.{{period}}) AS ends, array_agg(p.period_end_at ORDER BY p.{{period}}) AS end_ats{{outcome_ends}}
    FROM periods AS p){{builtin_ctes}},
scope_customers AS {{customer_cte}}(
    SELECT c.customer_id, c.name, c.segment{{ks_column}}{{customer_columns}}
    FROM {{customers}} AS c{{ks_join}}{{customer_joins}}),
scope AS {{row_cte}}(
    SELECT c.customer_id, c.name, c.segment, p.{{period}}, p.period_end, p.is_current, p.k{{scope_columns}}{{churned}}
    FROM scope_customers AS c{{scope_periods}}),
builtin_raw AS {{raw_cte}}(
    SELECT s.customer_id, s.name, s.segment, s.{{period}}, s.is_current, s.k{{raw_columns}}{{churned_s}}
    FROM scope AS s),{{rank_samples}}
builtin_values AS (
    -- (OFFSET 0: the values are computed here, so that no join or sort above carries the
    -- periods' samples along with every row)
    SELECT r.customer_id, r.name, r.segment, r.{{period}}, r.is_current, r.k{{value_columns}}{{churned_r}}
    FROM builtin_raw AS r{{rank_join}}
    OFFSET 0){{signal_ctes}},{{measure_values}}
scores AS (
    -- the weighted score over the measures with a positive weight, in a fixed order (built-in
    -- measures first, then signal measures by name); points over the measures with an impact
    SELECT v.customer_id, v.name, v.segment, v.{{period}}, v.is_current, v.k,
           CASE WHEN {{any_weight}}
                THEN @extschema@.health_score(ARRAY[{{healths}}]::float8[]{{signal_healths}}, ARRAY[{{score_weights}}]::float8[]{{signal_weights}}) END AS health_score,
           CASE WHEN {{any_impact}}
                THEN @extschema@.health_points(ARRAY[{{points_counts}}]::float8[]{{signal_counts}}, ARRAY[{{points_impacts}}]::float8[]{{signal_impacts}}) END AS health_points,
           ({{scored}})::bigint AS measures_scored{{pivot}}{{churned_v}}
    FROM builtin_values AS v{{signal_join}})
{{final}}$t$,
        ctx || jsonb_build_object('measure_values', CASE WHEN long_form THEN @extschema@.kpi_render($m$
measure_values AS (
    SELECT v.customer_id, v.{{period}}, x.measure, x.position, x.raw_value, x.in_model, x.weight, x.impact, x.health
    FROM builtin_values AS v
    CROSS JOIN LATERAL unnest(ARRAY[{{names}}]::text[], ARRAY[{{raws}}]::float8[], ARRAY[{{in_model}}]::boolean[], ARRAY[{{weights}}]::float8[],
                              ARRAY[{{impacts}}]::float8[], ARRAY[{{healths}}]::float8[])
        WITH ORDINALITY AS x(measure, raw_value, in_model, weight, impact, health, position){{signal_union}}),$m$,
            ctx || jsonb_build_object('signal_union', CASE WHEN signals THEN @extschema@.kpi_render('
    UNION ALL
    SELECT s.customer_id, s.{{period}}, s.measure, s.position, s.raw_value, s.in_model, s.weight, s.impact, s.health
    FROM signal_measure_values AS s', ctx) ELSE '' END)) ELSE '' END,
                                  'signal_healths', CASE WHEN signals THEN ' || g.healths' ELSE '' END,
                                  'signal_weights', CASE WHEN signals THEN ' || g.weights' ELSE '' END,
                                  'signal_counts', CASE WHEN signals THEN ' || g.counts' ELSE '' END,
                                  'signal_impacts', CASE WHEN signals THEN ' || g.impacts' ELSE '' END,
                                  'signal_join', CASE WHEN signals THEN @extschema@.kpi_render('
    LEFT JOIN signal_scores AS g ON g.customer_id = v.customer_id AND g.{{period}} = v.{{period}}', ctx) ELSE '' END,
                                  -- the validation settings (their defaults without a row)
                                  'settings', CASE WHEN validation THEN '
settings AS (
    ' || @extschema@.kpi_health_settings() || '),' ELSE '' END,
                                  'source_rows', coalesce(ctx ->> 'source_rows', '')));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_health_query(jsonb, text, text, boolean, boolean) IS 'csmetrics internal: the query of every health measure and score per customer and period, for the given periods and final SELECT';

-- The periods customer_health shows: the latest (is_current) and the one before. A SELECT
-- of {{period}} and is_current, reading asof.
CREATE FUNCTION @extschema@.kpi_health_latest_periods(ctx jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT @extschema@.kpi_render($p$
        SELECT a.current_period AS {{period}}, true AS is_current FROM asof AS a
        UNION ALL
        SELECT (a.current_period - {{step}})::date, false FROM asof AS a$p$, ctx)
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_latest_periods(jsonb) IS 'csmetrics internal: SELECT of the periods customer_health shows (the latest and the one before)';

-- Builder of customer_health: each current customer's built-in measures and scores in the
-- latest period, and the change against the one before. The latest period is that of the
-- latest event (usage, answer, ticket, invoice due, signal); subscription end dates may lie in
-- the future and do not count. A current customer has a subscription in force at the period
-- end (every customer when subscriptions are not registered). Its columns are the same
-- whatever the model holds: a signal measure shows in the scores and in
-- customer_health_measures. In a materialized set the scores of both periods are read from
-- the health_scores helper, else computed here; either way one row per customer and period,
-- named c for the customer and s for its scores (the same row), p for the period before.
CREATE FUNCTION @extschema@.kpi_view_customer_health(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    helper text := ctx ->> 'health_scores';
    columns text := $c$
SELECT c.customer_id::text AS customer_id, c.name, c.segment, c.{{period}}, s.usage, s.nps_answer, s.tickets::bigint AS tickets,
       s.days_late, s.usage_health, s.nps_health, s.support_health, s.billing_health, s.health_score::float8 AS health_score,
       @extschema@.health_band(s.health_score) AS health_band,
       @extschema@.health_quartile_band(s.health_score) OVER (PARTITION BY c.{{period}}) AS relative_band,
       p.health_score::float8 AS previous_health_score, (s.health_score - p.health_score)::float8 AS health_trend,
       s.health_points::float8 AS health_points, @extschema@.health_band(s.health_points) AS points_band,
       coalesce(s.measures_scored, 0)::bigint AS measures_scored$c$;
BEGIN
    columns := columns || $f$
FROM {{rows}} AS c CROSS JOIN LATERAL (SELECT c.*) AS s
LEFT JOIN {{previous_rows}} AS p ON p.customer_id = c.customer_id AND p.{{period}} = (c.{{period}} - {{step}})::date
WHERE c.is_current$f$;
    IF helper IS NOT NULL THEN
        -- the helper holds the validated periods too: only the rows of the period before the
        -- latest are hashed for the join, not every row
        RETURN @extschema@.kpi_render(columns, ctx || jsonb_build_object('rows', helper,
            'previous_rows', CASE WHEN ctx ? 'health_period' THEN @extschema@.kpi_render($p$(
    SELECT x.* FROM {{health_scores}} AS x
    WHERE x.{{period}} = (SELECT (a.current_period - {{step}})::date FROM {{health_period}} AS a))$p$, ctx) ELSE helper END));
    END IF;
    RETURN @extschema@.kpi_health_query(ctx, @extschema@.kpi_health_latest_periods(ctx),
                                        @extschema@.kpi_render(columns, ctx || '{"rows": "scores", "previous_rows": "scores"}'));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_health(jsonb) IS 'csmetrics internal: builder of customer_health';

-- Builder of customer_health_measures: every measure of the model for each current customer
-- in the latest period, one row each (the long form of customer_health). In a materialized
-- set, read from the health_scores helper: its built-in measures side by side and its signal
-- measures' arrays, each with its row of the model (as measure_values gives them).
CREATE FUNCTION @extschema@.kpi_view_customer_health_measures(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ctx ? 'health_scores' THEN
        -- (the customers come sorted by id, so that the planner may put only the measures of
        -- each customer in order, an incremental sort: at 1M customers the sort of all the
        -- rows, four or more per customer, spilled to disk and took half of the query; with
        -- fewer, where they fit in memory, it still sorts them all, as fast)
        RETURN (SELECT @extschema@.kpi_render($h$
SELECT h.customer_text AS customer_id, h.{{period}}, x.measure, x.raw_value, x.health,
       CASE WHEN m.impact IS NULL THEN m.weight END AS weight, m.impact,
       (coalesce(x.raw_value, 0) * m.impact + 0)::float8 AS points   -- + 0: no negative zero
FROM (SELECT s.*, s.customer_id::text AS customer_text FROM {{health_scores}} AS s WHERE s.is_current ORDER BY customer_text) AS h
CROSS JOIN LATERAL unnest(ARRAY[{{names}}]::text[]{{signal_measures}}, ARRAY[{{raws}}]::float8[]{{signal_raws}},
                          ARRAY[{{healths}}]::float8[]{{signal_healths}}) AS x(measure, raw_value, health)
JOIN @extschema@.health_measures AS m ON m.measure = x.measure$h$,
            ctx || jsonb_build_object(
                'names', coalesce(string_agg(quote_literal(b.measure), ', ' ORDER BY b.n), ''),
                'raws', coalesce(string_agg('h.' || @extschema@.kpi_health_raw_column(b.measure), ', ' ORDER BY b.n), ''),
                'healths', coalesce(string_agg('h.' || b.measure || '_health', ', ' ORDER BY b.n), ''),
                'signal_measures', CASE WHEN @extschema@.kpi_has(ctx, 'signals') THEN ' || h.signal_measures' ELSE '' END,
                'signal_raws', CASE WHEN @extschema@.kpi_has(ctx, 'signals') THEN ' || h.signal_raws' ELSE '' END,
                'signal_healths', CASE WHEN @extschema@.kpi_has(ctx, 'signals') THEN ' || h.signal_healths' ELSE '' END))
                FROM unnest(@extschema@.kpi_health_builtin()) WITH ORDINALITY AS b(measure, n)
                WHERE EXISTS (SELECT FROM @extschema@.kpi_health_builtin_measure(ctx, b.measure)));
    END IF;
    RETURN @extschema@.kpi_health_query(ctx, 'SELECT a.current_period AS ' || (ctx ->> 'period') || ', true AS is_current FROM asof AS a',
                                        @extschema@.kpi_render($f$
SELECT v.customer_id::text AS customer_id, v.{{period}}, v.measure, v.raw_value, v.health, v.weight, v.impact,
       (coalesce(v.raw_value, 0) * v.impact + 0)::float8 AS points   -- + 0: no negative zero
FROM measure_values AS v
WHERE v.in_model$f$, ctx), long_form => true);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_health_measures(jsonb) IS 'csmetrics internal: builder of customer_health_measures';

-- The validated periods of health_outcomes: the look_back_periods periods that end N periods
-- (the horizon) before the latest period (that of the latest event), so that every outcome is
-- known. A SELECT of {{period}} and is_current (false), reading asof and settings.
CREATE FUNCTION @extschema@.kpi_health_validated_periods(ctx jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT @extschema@.kpi_render($p$
        SELECT p AS {{period}}, false AS is_current
        FROM asof AS a CROSS JOIN settings AS st,
             @extschema@.kpi_period_series((a.current_period - (st.horizon_periods + st.look_back_periods) * {{step}})::date,
                                           (a.current_period - (st.horizon_periods + 1) * {{step}})::date, {{step}}) AS p$p$, ctx)
$$;
COMMENT ON FUNCTION @extschema@.kpi_health_validated_periods(jsonb) IS 'csmetrics internal: SELECT of the periods health_outcomes validates';

-- Builder of health_scores (a helper, made in materialized sets only): the scores and
-- built-in measures of every customer in scope in each period a health relation of the set
-- shows: the latest period (is_current) and the one before (customer_health,
-- customer_health_measures), and with subscriptions the validated periods (health_outcomes).
-- Those relations read their periods from it, so that a refresh reads the sources and ranks
-- the customers once, where each relation did it again. Signal measures, when signals are
-- registered, come as arrays in the order of their names (signal_measures, signal_raws,
-- signal_healths). With validation, the scores of the validated periods carry their outcome
-- (churned), which health_outcomes reads; NULL in every other row. Only the latest period's
-- rows keep the name, the measures and the points: the period before gives its score to the
-- trend, and the validated periods their score and outcome. Its rows are then half as wide,
-- which halves what a refresh writes (784k rows at 100k customers) and what its readers read
-- back.
CREATE FUNCTION @extschema@.kpi_view_health_scores(ctx jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    validation boolean := @extschema@.kpi_has(ctx, 'subscriptions') AND @extschema@.kpi_config_has_rows('health_validation_settings');
    signals boolean := @extschema@.kpi_has(ctx, 'signals');
BEGIN
    IF NOT (ctx ->> 'materialized')::boolean THEN
        RETURN NULL;
    END IF;
    -- (the validated periods end at least two periods before the latest: no period twice)
    RETURN @extschema@.kpi_health_query(ctx, @extschema@.kpi_health_latest_periods(ctx)
        || CASE WHEN validation THEN E'\n        UNION ALL' || @extschema@.kpi_health_validated_periods(ctx) ELSE '' END,
        @extschema@.kpi_render($f$
SELECT s.customer_id, CASE WHEN s.is_current THEN s.name END AS name, s.segment, s.{{period}}, s.is_current, s.health_score, {{current_measures}},
       {{churned}} AS churned{{signal_columns}}
FROM scores AS s{{signal_join}}$f$,
            ctx || jsonb_build_object(
                'current_measures', (SELECT string_agg(format('CASE WHEN s.is_current THEN s.%1$I END AS %1$I', c), ', ' ORDER BY o)
                                     FROM unnest(ARRAY['health_points', 'measures_scored', 'usage', 'nps_answer', 'tickets', 'days_late',
                                                       'usage_health', 'nps_health', 'support_health', 'billing_health']) WITH ORDINALITY AS m(c, o)),
                'churned', CASE WHEN validation THEN 's.churned' ELSE 'NULL::boolean' END,
                'signal_columns', CASE WHEN signals THEN ', CASE WHEN s.is_current THEN g.measures END AS signal_measures, '
                                                         'CASE WHEN s.is_current THEN g.raws END AS signal_raws, '
                                                         'CASE WHEN s.is_current THEN g.healths END AS signal_healths' ELSE '' END,
                'signal_join', CASE WHEN signals THEN @extschema@.kpi_render(E'\nLEFT JOIN signal_scores AS g ON g.customer_id = s.customer_id AND g.{{period}} = s.{{period}}', ctx)
                                    ELSE '' END)),
        validation);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_health_scores(jsonb) IS 'csmetrics internal: builder of the health_scores helper relation (materialized sets only: the health scores and measures of the periods the health relations show)';

-- Builder of health_outcomes (a helper relation): for each validated period p and each
-- customer paying at the end of p (MRR > 0) with a health score: the score, whether the
-- customer stopped paying at the end of one of the N periods after p, and its segment. The
-- health query gives both (its scores of the validated periods carry churned, from the same
-- pass over the subscriptions that finds the customers in force): computed for those periods
-- only, or read from the health_scores helper in a materialized set, which keeps them. It
-- stays a plain view there: it only filters the stored scores, and storing its rows again
-- (650k at 100k customers) cost a refresh more than the two validation views save by reading
-- them from a table.
CREATE FUNCTION @extschema@.kpi_view_health_outcomes(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    outcomes constant text := $f$
SELECT sc.customer_id, sc.{{period}}, st.horizon_periods, sc.health_score::float8 AS health_score, sc.churned, sc.segment
FROM {{scores}} AS sc CROSS JOIN settings AS st
WHERE sc.churned IS NOT NULL AND sc.health_score IS NOT NULL$f$;
BEGIN
    IF ctx ? 'health_scores' THEN
        RETURN @extschema@.kpi_render($t$
WITH settings AS (
    {{settings}}){{outcomes}}$t$,
            ctx || jsonb_build_object('settings', @extschema@.kpi_health_settings(),
                                      'outcomes', @extschema@.kpi_render(outcomes, ctx || jsonb_build_object('scores', ctx ->> 'health_scores'))));
    END IF;
    RETURN @extschema@.kpi_health_query(ctx, @extschema@.kpi_health_validated_periods(ctx),
                                        @extschema@.kpi_render(outcomes, ctx || '{"scores": "scores"}'), true);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_health_outcomes(jsonb) IS 'csmetrics internal: builder of the health_outcomes helper relation (health score and churn outcome per paying customer and validated period)';

-- Builder of health_score_validation (and _by_segment): for each validated
-- period, the customers scored, how many churned and the ROC AUC of the score, then the same
-- per health band and per decile of the score, with the lift of each against the period's
-- churn rate. One roc_summary per period, band and decile; the period's is the rollup of its
-- bands'. The deciles come from kpi_score_ntiles, which sorts each period's scores once.
CREATE FUNCTION @extschema@.kpi_view_health_score_validation(ctx jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    by_segment boolean := (ctx ->> 'by_segment')::boolean;
BEGIN
    -- the segment of each customer (kept in health_outcomes), and r_segment, segment_match for
    -- the rows of a segment
    ctx := ctx || CASE WHEN by_segment THEN '{"segment_column": ", o.segment", "r_segment": "r.segment, ", "segment_match": " AND t.segment = r.segment"}'::jsonb
                       ELSE '{"segment_column": "", "r_segment": "", "segment_match": ""}'::jsonb END
               -- the outcomes are read twice: over the stored health scores twice, else once into a store
               || jsonb_build_object('o_materialized', CASE WHEN (ctx ->> 'materialized')::boolean THEN 'NOT MATERIALIZED' ELSE 'MATERIALIZED' END);
    RETURN @extschema@.kpi_render($t$
WITH o AS {{o_materialized}} (
    SELECT o.customer_id, o.{{period}}, o.horizon_periods, o.health_score, o.churned{{segment_column}}
    FROM {{health_outcomes}} AS o),
groups AS (
    -- the health bands of the period's scores
    SELECT {{segment}}o.{{period}}, 'band' AS level, @extschema@.health_band(o.health_score) AS band,
           @extschema@.roc_summary(o.health_score, o.churned) AS s, min(o.health_score) AS band_min_score,
           max(o.health_score) AS band_max_score, max(o.horizon_periods) AS horizon_periods
    FROM o
    GROUP BY {{segment}}o.{{period}}, @extschema@.health_band(o.health_score)
    UNION ALL
    -- its deciles, ties split by customer as ntile(10) over (score, customer_id) splits them:
    -- each period's scores sorted once, in kpi_score_ntiles
    SELECT {{segment}}d.{{period}}, 'decile', 'decile ' || lpad(n.ntile::text, 2, '0'), n.summary, n.min_score, n.max_score,
           d.horizon_periods
    FROM (SELECT {{segment}}o.{{period}}, max(o.horizon_periods) AS horizon_periods,
                 @extschema@.kpi_score_ntiles(10, o.health_score, o.churned, o.customer_id) AS ntiles
          FROM o
          GROUP BY {{segment}}o.{{period}}) AS d
    CROSS JOIN LATERAL unnest(d.ntiles) AS n),
overall AS (
    SELECT {{segment}}b.{{period}}, @extschema@.rollup(b.s) AS s, min(b.band_min_score) AS band_min_score,
           max(b.band_max_score) AS band_max_score, max(b.horizon_periods) AS horizon_periods
    FROM groups AS b
    WHERE b.level = 'band'
    GROUP BY {{segment}}b.{{period}}),
all_rows AS (
    SELECT {{segment}}t.{{period}}, 'overall' AS level, '(all)' AS band, t.s, t.band_min_score, t.band_max_score FROM overall AS t
    UNION ALL
    SELECT {{segment}}g.{{period}}, g.level, g.band, g.s, g.band_min_score, g.band_max_score FROM groups AS g)
SELECT {{r_segment}}r.{{period}} AS period, r.level, r.band, t.horizon_periods,
       @extschema@.customers(t.s) AS customers, @extschema@.churned(t.s) AS churned,
       (@extschema@.churned(t.s)::float8 / @extschema@.customers(t.s))::float8 AS churn_rate,
       @extschema@.roc_auc(t.s)::float8 AS auc,
       @extschema@.customers(r.s) AS band_customers, @extschema@.churned(r.s) AS band_churned,
       (@extschema@.churned(r.s)::float8 / @extschema@.customers(r.s))::float8 AS band_churn_rate,
       ((@extschema@.churned(r.s)::float8 / @extschema@.customers(r.s))
        / nullif(@extschema@.churned(t.s)::float8 / @extschema@.customers(t.s), 0))::float8 AS lift,
       r.band_min_score, r.band_max_score
FROM all_rows AS r
JOIN overall AS t ON t.{{period}} = r.{{period}}{{segment_match}}$t$, ctx);
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_health_score_validation(jsonb) IS 'csmetrics internal: builder of health_score_validation';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, any_sources, optional_sources, config_tables,
                                      keys, by_segment, internal, materialize, overview_pick, description, column_descriptions) VALUES
    (490, 'health_period', 'health', '@extschema@.kpi_view_health_period', '{customers}',
     '{usage_events,survey_responses,tickets,invoices,signals}', '{}', '{health_measures}', ARRAY['current_period'], false, true, true, NULL,
     'The latest period of the health views, that of the latest event of their sources, and the latest instant of each source (helper of the health views and customer_actions in a materialized set)',
     '{}'),
    (495, 'health_scores', 'health', '@extschema@.kpi_view_health_scores', '{customers}',
     '{usage_events,survey_responses,tickets,invoices,signals}', '{subscriptions}', '{health_measures}', ARRAY['customer_id', '{{grain_name}}'], false, true, true, NULL,
     'Health scores and built-in measures of every customer in scope in each {{grain_name}} the health views show: the latest, the one before, and those of the validation horizon (helper of customer_health, customer_health_measures and health_outcomes in a materialized set)',
     '{}'),
    (500, 'customer_health', 'health', '@extschema@.kpi_view_customer_health', '{customers}',
     '{usage_events,survey_responses,tickets,invoices,signals}', '{subscriptions}', '{health_measures}', ARRAY['customer_id'], false, false, true,
     'summary',
     'Health of each current customer in the latest {{grain_name}}: the built-in measures raw and on 0..100, the weighted score over every measure of the model (csmetrics.health_measures), band, quartile band, change against the previous {{grain_name}}, and the points score; the same columns whatever the model holds (each measure: customer_health_measures)',
     '{}'),
    (510, 'customer_health_measures', 'health', '@extschema@.kpi_view_customer_health_measures', '{customers}',
     '{usage_events,survey_responses,tickets,invoices,signals}', '{subscriptions}', '{health_measures}', ARRAY['customer_id', 'measure'],
     false, false, true, NULL,
     'Every measure of the health model (csmetrics.health_measures) for each current customer in the latest {{grain_name}}, one row each: raw value, health on 0..100 and weight, or points for a points measure',
     jsonb_build_object(
        'measure', 'name of the measure (a row of csmetrics.health_measures)',
        'raw_value', 'the measure''s raw value in the period (or its look_back window); NULL when the customer has none',
        'health', 'the raw value on 0..100 (rank or bounds); NULL for a points measure or without a raw value',
        'weight', 'weight of the measure in health_score (0 = not used; NULL for a points measure)',
        'impact', 'points per unit of the raw value, for a points measure (NULL otherwise)',
        'points', 'raw value x impact, the measure''s part of health_points (NULL for a weighted measure)')),
    (520, 'health_outcomes', 'health', '@extschema@.kpi_view_health_outcomes', '{customers,subscriptions}',
     '{usage_events,survey_responses,tickets,invoices,signals}', '{}', '{health_measures,health_validation_settings}',
     ARRAY['customer_id', '{{grain_name}}'], false, true, false, NULL,
     'Health score at the end of each validated {{grain_name}} of each paying customer, and whether it stopped paying within the next horizon_periods (helper of health_score_validation)',
     '{}'),
    (530, 'health_score_validation', 'health', '@extschema@.kpi_view_health_score_validation', '{customers,subscriptions}',
     '{usage_events,survey_responses,tickets,invoices,signals}', '{}', '{health_measures,health_validation_settings}',
     ARRAY['period', 'level', 'band'], true, false, true, NULL,
     'Does the health score predict churn? For each {{grain_name}} of the validation horizon (csmetrics.health_validation_settings){{and_segment}}: the paying customers scored at its end, how many stopped paying within the next horizon_periods, the ROC AUC of the score, and the churn rate and lift of each health band and score decile',
     jsonb_build_object(
        'period', 'first day of the validated period (the customers are scored at its end; the views'' grain)',
        'level', 'overall (every customer scored in the period), band (a health band) or decile (a tenth of the customers by score, decile 01 the lowest)',
        'band', '(all) on the overall row; the health band (red, yellow, green) or the decile (decile 01 .. decile 10)',
        'horizon_periods', 'N: churned = stopped paying at the end of one of the N periods after this one',
        'customers', 'customers paying at the end of the period and scored then',
        'churned', 'of those, the customers who stopped paying within horizon_periods',
        'churn_rate', 'churned / customers, a fraction',
        'auc', 'ROC AUC of the score as a churn predictor: the chance that a retained customer scored higher than a churned one (ties count half); 0.5 = no better than chance; NULL when no customer or every customer churned',
        'band_customers', 'customers in the band (or decile)',
        'band_churned', 'churned customers in the band (or decile)',
        'band_churn_rate', 'band_churned / band_customers, a fraction',
        'lift', 'band_churn_rate / churn_rate: how much likelier to churn than the average customer (NULL when no customer churned)',
        'band_min_score', 'lowest health score in the band (or decile)',
        'band_max_score', 'highest health score in the band (or decile)'));

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('usage', 'usage in the {{grain_name}} (sum of quantity, 1 per event by default)'),
    ('nps_answer', 'the customer''s latest NPS answer within a year (0..10; the lowest of answers given at the same time)'),
    ('tickets', 'tickets opened in the {{grain_name}}'),
    ('days_late', 'average days late of the invoices due within a year'),
    ('usage_health', 'usage measure on 0..100'),
    ('nps_health', 'NPS measure on 0..100'),
    ('support_health', 'support measure on 0..100'),
    ('billing_health', 'billing measure on 0..100'),
    ('health_score', 'weighted health score 0..100 over the measures of the model the customer has (model: csmetrics.health_measures)'),
    ('health_band', 'red (<= 40), yellow (<= 70), green (<= 100) or thriving'),
    ('relative_band', 'quartile band among the customers: healthy, at risk or unhealthy'),
    ('previous_health_score', 'health score in the previous {{grain_name}}'),
    ('health_trend', 'health_score - previous_health_score'),
    ('health_points', 'points score: sum of raw value x impact over the points measures of the model (NULL when it has none); above 100 marks a power user'),
    ('points_band', 'band of health_points: red (<= 40), yellow (<= 70), green (<= 100) or thriving (> 100: a power user)'),
    ('measures_scored', 'measures with a value and a positive weight in health_score');

-- (the mean health score adds exact decimals: a float mean depends on the order of the rows,
-- and a refreshed materialized view or a distributed query gives them in another order)
INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (220, 'average_health_score', 'customer_health', 'avg(v.health_score::numeric)::float8', 'float8', 'mean health score of the current customers'),
    (230, 'red_customers', 'customer_health', 'count(*) FILTER (WHERE v.health_band = ''red'')', 'bigint', 'customers in the red health band');

-- BEGIN src/views/onboarding.sql
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
-- END src/views/onboarding.sql

-- Builder of data_issues: the rows of every registered source that fail a check, once per
-- check, from the same checks as the clean sources (so nothing is dropped silently). Each
-- source is read once; its good rows are dropped by the checks themselves. NULL (no view)
-- when no source is registered.
CREATE FUNCTION @extschema@.kpi_view_data_issues(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[];
BEGIN
    parts := ARRAY(SELECT @extschema@.kpi_source_issues(ctx, k) FROM jsonb_array_elements_text(ctx -> 'available') AS k ORDER BY k);
    IF cardinality(parts) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_render($t$
SELECT row_number() OVER (ORDER BY i.source, i.problem, i.source_row, i.customer_id) AS issue_id, i.*
FROM ({{issues}}) AS i$t$, ctx || jsonb_build_object('issues', array_to_string(parts, E'\nUNION ALL')));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_data_issues(jsonb) IS 'csmetrics internal: builder of data_issues';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, keys, description) VALUES
    (900, 'data_issues', 'issues', '@extschema@.kpi_view_data_issues', ARRAY['issue_id'],
     'Every source row left out of the KPIs, and why (one row per problem): nothing is dropped silently');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('issue_id', 'row number of the issue (stable for unchanged data)'),
    ('source', 'source kind the row comes from'),
    ('relation', 'the registered relation'),
    ('problem', 'why the row is left out of the KPIs'),
    ('source_row', 'the whole source row, as JSON (its instants as wall time in the views'' time zone)');

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

-- Checks the arguments of create_kpi_views() and plan_kpi_views(); returns the time zone the
-- views will use (the session's TimeZone when time_zone is NULL).
CREATE FUNCTION @extschema@.kpi_check_arguments(target_schema name, grain text, time_zone text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    zone text := coalesce(time_zone, current_setting('TimeZone'));
BEGIN
    IF grain IS NULL OR grain NOT IN ('day', 'week', 'month', 'quarter') THEN
        RAISE EXCEPTION 'invalid grain "%"', grain USING ERRCODE = '22023', DETAIL = 'The grain must be day, week, month or quarter.';
    END IF;
    IF target_schema IS NULL OR target_schema = '' OR target_schema IN ('@extschema@', 'pg_catalog', 'information_schema') OR target_schema LIKE 'pg\_%' THEN
        RAISE EXCEPTION 'cannot create KPI views in schema %', coalesce(quote_ident(target_schema), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'Choose a schema of your own, such as kpi.';
    END IF;
    IF octet_length(target_schema) > 54 THEN
        RAISE EXCEPTION 'schema name % is too long for KPI views', quote_ident(target_schema)
            USING ERRCODE = '22023', DETAIL = 'The views'' helper relations go into a schema named after it with _internal appended, which must fit in 63 bytes.';
    END IF;
    BEGIN
        PERFORM now() AT TIME ZONE zone;
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'invalid time zone "%"', zone
            USING ERRCODE = '22023', DETAIL = 'Use a time zone name such as UTC or Europe/Paris (see pg_timezone_names).';
    END;
    RETURN zone;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_check_arguments(name, text, text) IS 'csmetrics internal: validates the target schema, grain and time zone of the KPI views; returns the time zone to use';

-- Whether a csmetrics configuration table (health_measures, onboarding_milestones...) has rows.
CREATE FUNCTION @extschema@.kpi_config_has_rows(config_table text) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT FROM @extschema@.%I)', config_table) INTO found;
    RETURN found;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_config_has_rows(text) IS 'csmetrics internal: whether a csmetrics configuration table has rows (a view whose model table is empty is skipped)';

-- What create_kpi_views() makes, in creation order, without making anything: the clean
-- relation of each valid source, then every registered view whose sources are there (and
-- its _by_segment variant when customers have a segment), each with its query. Says
-- (NOTICE) which views are skipped and why: a source it needs is missing, or a configuration
-- table it reads (its model) is empty.
CREATE FUNCTION @extschema@.plan_kpi_views(target_schema name DEFAULT 'kpi', grain text DEFAULT 'month',
                                           materialized boolean DEFAULT false, time_zone text DEFAULT NULL)
RETURNS TABLE (ordinal int, relation_schema name, relation_name name, internal boolean, is_materialized boolean,
               keys text[], description text, column_descriptions jsonb, definition text, sort_keys text[])
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    zone text := @extschema@.kpi_check_arguments(target_schema, grain, time_zone);
    internal_schema name := target_schema || '_internal';
    available text[] := '{}';
    segmented boolean;
    ctx jsonb;
    vctx jsonb;
    src record;
    r record;
    seg boolean;
    missing text;
    problem text;
BEGIN
    -- Sources that are registered and still valid (the relation or a column may be gone).
    FOR src IN SELECT s.* FROM @extschema@.sources s ORDER BY s.kind LOOP
        BEGIN
            PERFORM @extschema@.kpi_check_source(src.kind, src.relation, src.relation::text, src.columns);
            available := available || src.kind;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS problem = PG_EXCEPTION_DETAIL;
            RAISE NOTICE 'the % source is no longer valid, its views are skipped: %', src.kind, problem;
        END;
    END LOOP;
    segmented := 'customers' = ANY (available)
                 AND (SELECT s.columns ? 'segment' FROM @extschema@.sources s WHERE s.kind = 'customers');
    ctx := @extschema@.kpi_context(target_schema, internal_schema, grain, zone, available, segmented, materialized);
    ordinal := 0;

    -- The clean relation of each source; customers first, the others join it.
    FOR src IN SELECT k FROM unnest(available) AS k ORDER BY k <> 'customers', k LOOP
        ordinal := ordinal + 1;
        relation_schema := internal_schema;
        relation_name := src.k;
        internal := true;
        is_materialized := false;
        keys := '{}';
        sort_keys := '{}';
        description := format('the %s source (%s) as the KPI views read it: canonical columns, instants also as local dates in time zone %s, only the rows that pass its checks',
                              src.k, (SELECT s.relation::text FROM @extschema@.sources s WHERE s.kind = src.k), zone);
        column_descriptions := '{}';
        definition := btrim(@extschema@.kpi_source_view(ctx || jsonb_build_object('kind', src.k)), E'\n');
        RETURN NEXT;
        -- In a materialized set, the set of the ids of the customers, which the clean
        -- relations of the other sources read (kpi_view_customer_id_set()), is made once per
        -- refresh.
        definition := CASE WHEN src.k = 'customers' THEN @extschema@.kpi_view_customer_id_set(ctx) END;
        IF definition IS NOT NULL THEN
            ordinal := ordinal + 1;
            relation_name := 'customer_id_set';
            is_materialized := true;
            keys := '{customer_rows}';
            description := 'the set of the ids of the customers (kpi_id_set) that the clean relations test each row''s customer against, made once per refresh';
            RETURN NEXT;
            ctx := ctx || jsonb_build_object('customer_id_set', quote_ident(internal_schema) || '.customer_id_set');
        END IF;
    END LOOP;

    -- The registered views, in dependency order.
    FOR r IN SELECT * FROM @extschema@.kpi_registry v ORDER BY v.position LOOP
        FOREACH seg IN ARRAY CASE WHEN r.by_segment AND segmented THEN ARRAY[false, true] ELSE ARRAY[false] END LOOP
            vctx := ctx || CASE WHEN seg THEN '{"segment": "segment, ", "and_segment": " and segment", "by_segment": true}'::jsonb
                                ELSE '{}' END;
            relation_name := @extschema@.kpi_render(r.view_name, vctx) || CASE WHEN seg THEN '_by_segment' ELSE '' END;
            relation_schema := CASE WHEN r.internal THEN internal_schema ELSE target_schema END;
            SELECT string_agg(k, ', ') INTO missing FROM unnest(r.sources) k WHERE NOT k = ANY (available);
            IF missing IS NOT NULL THEN
                CONTINUE WHEN r.internal;
                RAISE NOTICE 'skipping %.%: no valid % source registered', quote_ident(target_schema), quote_ident(relation_name), missing;
                CONTINUE;
            END IF;
            IF cardinality(r.any_sources) > 0 AND NOT r.any_sources && available THEN
                CONTINUE WHEN r.internal;
                RAISE NOTICE 'skipping %.%: it needs % and at least one of %', quote_ident(target_schema), quote_ident(relation_name),
                    array_to_string(r.sources, ', '), array_to_string(r.any_sources, ', ');
                CONTINUE;
            END IF;
            -- a configuration table it reads holds its model: without rows there is nothing to show
            SELECT string_agg('@extschema@.' || t, ', ') INTO missing
            FROM unnest(r.config_tables) AS t WHERE NOT @extschema@.kpi_config_has_rows(t);
            IF missing IS NOT NULL THEN
                RAISE NOTICE 'skipping %.%: % is empty (fill it, then run create_kpi_views() again)',
                    quote_ident(target_schema), quote_ident(relation_name), missing;
                CONTINUE;
            END IF;
            EXECUTE format('SELECT %s($1)', r.builder) INTO definition USING vctx;
            definition := btrim(definition, E'\n');
            IF definition IS NULL THEN
                -- a helper the views do without here (one that only pays in a materialized set)
                CONTINUE WHEN r.internal;
                RAISE NOTICE 'skipping %.%: nothing it reads is there (no valid source, or no view it summarises)',
                    quote_ident(target_schema), quote_ident(relation_name);
                CONTINUE;
            END IF;
            ordinal := ordinal + 1;
            internal := r.internal;
            is_materialized := materialized AND r.materialize;
            keys := ARRAY(SELECT @extschema@.kpi_render(k, vctx) FROM unnest(r.keys) k);
            IF seg THEN
                keys := 'segment'::text || keys;
            END IF;
            -- a query that gives each group's rows in order is only sorted by the group's keys;
            -- under Citus its rows come back from the nodes in no order; a helper is not sorted
            sort_keys := CASE WHEN r.internal THEN '{}'
                              WHEN r.sort_keys IS NULL OR (ctx ->> 'distributed')::boolean THEN keys
                              ELSE CASE WHEN seg THEN ARRAY['segment'] ELSE '{}' END
                                   || ARRAY(SELECT @extschema@.kpi_render(k, vctx) FROM unnest(r.sort_keys) k) END;
            description := @extschema@.kpi_render(r.description, vctx);
            column_descriptions := r.column_descriptions
                || CASE WHEN r.family = 'overview'
                        THEN (SELECT jsonb_object_agg(o.column_name, o.description) FROM @extschema@.kpi_overview_columns o)
                        ELSE '{}' END;
            RETURN NEXT;
            -- later builders find it by name; a helper also by a template key of its name
            ctx := jsonb_set(ctx, '{made}', (ctx -> 'made') || jsonb_build_object(relation_name,
                        quote_ident(relation_schema) || '.' || quote_ident(relation_name)));
            IF r.internal THEN
                ctx := ctx || jsonb_build_object(relation_name, quote_ident(relation_schema) || '.' || quote_ident(relation_name));
            END IF;
        END LOOP;
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.plan_kpi_views(name, text, boolean, text) IS 'Shows what create_kpi_views() would make with the same arguments, without making anything: each view and helper relation in creation order, with its query; NOTICE for each view skipped and why';

-- Creates one relation of the plan: a KPI view (or materialized view with its unique index),
-- commented column by column, checked for BI-friendly built-in types; or a helper relation
-- in the companion schema. Records it in kpi_views.
CREATE FUNCTION @extschema@.kpi_create_relation(target_schema name, grain text, time_zone text, relation_schema name, relation_name name,
                                                internal boolean, materialized boolean, keys text[], description text,
                                                column_descriptions jsonb, definition text, sort_keys text[])
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qname text := quote_ident(relation_schema) || '.' || quote_ident(relation_name);
    key_list text := (SELECT string_agg(quote_ident(k), ', ') FROM unnest(keys) k);
    sort_list text := (SELECT string_agg(quote_ident(k), ', ') FROM unnest(sort_keys) k);
    col record;
    note text;
BEGIN
    IF to_regclass(qname) IS NOT NULL THEN
        RAISE EXCEPTION 'relation %.% already exists and was not created by csmetrics', quote_ident(relation_schema), quote_ident(relation_name)
            USING ERRCODE = '42P07', HINT = 'Drop or rename it, or create the KPI views in another schema.';
    END IF;
    IF NOT internal THEN
        -- rows come out in key order, as a reader of SELECT * expects: sorted by sort_keys, the
        -- query giving the rest in order (all the keys but for customer_mrr_movements)
        definition := 'SELECT * FROM (' || definition || ') AS kpi ORDER BY ' || sort_list;
    END IF;
    IF materialized THEN
        EXECUTE 'CREATE MATERIALIZED VIEW ' || qname || ' AS ' || definition || ' WITH DATA';
        EXECUTE 'COMMENT ON MATERIALIZED VIEW ' || qname || ' IS ' || quote_literal(description);
        -- the unique index lets refresh_kpi_views() refresh it concurrently (create_kpi_views()
        -- drops it again from a helper refreshed in place)
        EXECUTE 'CREATE UNIQUE INDEX ' || quote_ident(relation_name || '_key') || ' ON ' || qname || ' (' || key_list || ')';
        IF internal THEN
            -- the views made next plan their reads of it with real statistics
            EXECUTE 'ANALYZE ' || qname;
        END IF;
    ELSE
        EXECUTE 'CREATE VIEW ' || qname || ' AS ' || definition;
        EXECUTE 'COMMENT ON VIEW ' || qname || ' IS ' || quote_literal(description);
    END IF;
    IF NOT internal THEN
        FOR col IN SELECT a.attname, a.atttypid FROM pg_attribute a
                   WHERE a.attrelid = qname::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LOOP
            IF col.atttypid NOT IN ('int8'::regtype, 'numeric'::regtype, 'float8'::regtype, 'date'::regtype, 'timestamptz'::regtype,
                                    'text'::regtype, 'int4'::regtype, 'bool'::regtype) THEN
                RAISE EXCEPTION 'column %.% has type %, not a BI-friendly built-in type', qname, col.attname, format_type(col.atttypid, NULL);
            END IF;
            note := CASE WHEN col.attname = grain THEN 'first day of the ' || grain
                         ELSE coalesce(column_descriptions ->> col.attname,
                                       @extschema@.kpi_render((SELECT c.description FROM @extschema@.kpi_columns c WHERE c.column_name = col.attname),
                                                              jsonb_build_object('grain_name', grain))) END;
            IF note IS NULL THEN
                RAISE EXCEPTION 'no description for column %.%', qname, col.attname;
            END IF;
            EXECUTE 'COMMENT ON COLUMN ' || qname || '.' || quote_ident(col.attname) || ' IS ' || quote_literal(note);
        END LOOP;
    END IF;
    INSERT INTO @extschema@.kpi_views (target_schema, view_name, materialized, grain, position, time_zone, relation_schema, internal)
    VALUES (target_schema, relation_name, materialized, grain,
            (SELECT coalesce(max(v.position), 0) + 1 FROM @extschema@.kpi_views v WHERE v.target_schema = kpi_create_relation.target_schema),
            time_zone, relation_schema, internal);
    RETURN qname;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_create_relation(name, text, text, name, name, boolean, boolean, text[], text, jsonb, text, text[]) IS 'csmetrics internal: creates, comments, checks and records one KPI view or helper relation';

-- Drops every relation an earlier create_kpi_views() made for a target schema, newest first.
CREATE FUNCTION @extschema@.kpi_drop_views(target_schema name) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    old record;
BEGIN
    FOR old IN SELECT v.relation_schema, v.view_name, c.relkind FROM @extschema@.kpi_views v
               LEFT JOIN pg_namespace n ON n.nspname = v.relation_schema
               LEFT JOIN pg_class c ON c.relname = v.view_name AND c.relnamespace = n.oid
               WHERE v.target_schema = kpi_drop_views.target_schema ORDER BY v.position DESC LOOP
        IF old.relkind = 'v' THEN
            EXECUTE format('DROP VIEW %I.%I', old.relation_schema, old.view_name);
        ELSIF old.relkind = 'm' THEN
            EXECUTE format('DROP MATERIALIZED VIEW %I.%I', old.relation_schema, old.view_name);
        END IF;
    END LOOP;
    DELETE FROM @extschema@.kpi_views v WHERE v.target_schema = kpi_drop_views.target_schema;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_drop_views(name) IS 'csmetrics internal: drops the KPI views and helper relations an earlier create_kpi_views() made for a schema';

-- Whether refresh_kpi_views() refreshes a helper relation in place: when no reader waits for
-- its lock. Materialized views hold their own copy of its rows, and the plain helpers of a
-- set (the clean sources) are read by the refresh itself, in its transaction. A helper that
-- another plain view reads, directly or through plain helpers (customer_mrr_movements reads
-- the MRR paths; a user may have made a view of their own), is refreshed concurrently, which
-- needs its unique index.
CREATE FUNCTION @extschema@.kpi_refreshed_in_place(relation oid) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
    -- the relation, then every plain view that reads one of those that are the relation or a
    -- plain helper of a set, with whether it is one
    WITH RECURSIVE readers (oid, helper) AS (
        SELECT relation, true
        UNION
        SELECT reader.oid, EXISTS (SELECT FROM @extschema@.kpi_views k
                                   WHERE k.internal AND NOT k.materialized AND k.view_name = reader.relname AND k.relation_schema = n.nspname)
        FROM readers h
        JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = h.oid AND d.classid = 'pg_rewrite'::regclass
        JOIN pg_rewrite rw ON rw.oid = d.objid
        JOIN pg_class reader ON reader.oid = rw.ev_class AND reader.relkind = 'v' AND reader.oid <> h.oid
        JOIN pg_namespace n ON n.oid = reader.relnamespace
        WHERE h.helper)
    SELECT NOT EXISTS (SELECT FROM readers WHERE NOT helper)
$$;
COMMENT ON FUNCTION @extschema@.kpi_refreshed_in_place(oid) IS 'csmetrics internal: whether refresh_kpi_views() refreshes a helper relation in place (no plain view reads it, but the plain helpers of its set)';

-- Writes every KPI view whose sources are registered into target_schema (helper relations
-- into target_schema_internal), replacing what an earlier call made there, all in the
-- caller's transaction: readers see either the old views or the new ones.
CREATE FUNCTION @extschema@.create_kpi_views(target_schema name DEFAULT 'kpi', grain text DEFAULT 'month',
                                             materialized boolean DEFAULT false, time_zone text DEFAULT NULL)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    zone text := @extschema@.kpi_check_arguments(target_schema, grain, time_zone);
    internal_schema name := target_schema || '_internal';
    p record;
    made text[] := '{}';
    qname text;
BEGIN
    IF to_regnamespace(quote_ident(target_schema)) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %I', target_schema);
    END IF;
    IF to_regnamespace(quote_ident(internal_schema)) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %I', internal_schema);
        EXECUTE format('COMMENT ON SCHEMA %I IS %L', internal_schema,
                       format('csmetrics: helper relations of the KPI views in schema %s (not for readers)', target_schema));
    END IF;
    PERFORM @extschema@.kpi_drop_views(target_schema);
    FOR p IN SELECT * FROM @extschema@.plan_kpi_views(target_schema, grain, materialized, zone) LOOP
        qname := @extschema@.kpi_create_relation(target_schema, grain, zone, p.relation_schema, p.relation_name, p.internal,
                                                 p.is_materialized, p.keys, p.description, p.column_descriptions, p.definition,
                                                 p.sort_keys);
        IF NOT p.internal THEN
            made := made || qname;
        END IF;
    END LOOP;
    -- A helper refreshed in place gets its indexes rebuilt by every refresh: its unique index,
    -- made for a concurrent refresh, would cost a sort of its rows each time for nothing.
    FOR qname IN SELECT i.indexrelid::regclass::text
                 FROM @extschema@.kpi_views k
                 JOIN pg_namespace ns ON ns.nspname = k.relation_schema
                 JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = k.view_name AND c.relkind = 'm'
                 JOIN pg_index i ON i.indrelid = c.oid
                 WHERE k.target_schema = create_kpi_views.target_schema AND k.internal AND @extschema@.kpi_refreshed_in_place(c.oid) LOOP
        EXECUTE 'DROP INDEX ' || qname;
    END LOOP;
    PERFORM @extschema@.kpi_grant(to_regrole(quote_ident(r.role_name)), target_schema)
    FROM @extschema@.kpi_access r WHERE to_regrole(quote_ident(r.role_name)) IS NOT NULL;
    RETURN QUERY SELECT unnest(made);
END $$;
COMMENT ON FUNCTION @extschema@.create_kpi_views(name, text, boolean, text) IS 'Creates (or atomically replaces) every KPI view whose sources are registered, in target_schema, by day, week, month or quarter, as plain or materialized views, with every period boundary in time_zone (default: the session''s TimeZone); helper relations go into target_schema_internal; says (NOTICE) which views it skipped and why; returns the views made';

-- Grants a role read access to the KPI views of one schema (or of every schema); helper
-- relations stay closed (the views read them with their owner's rights).
CREATE OR REPLACE FUNCTION @extschema@.kpi_grant(role regrole, target_schema name) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s name;
    v record;
BEGIN
    -- Only what still exists: a user may have dropped a KPI schema or view by hand.
    FOR s IN SELECT DISTINCT k.target_schema FROM @extschema@.kpi_views k
             JOIN pg_namespace ns ON ns.nspname = k.target_schema
             WHERE kpi_grant.target_schema IS NULL OR k.target_schema = kpi_grant.target_schema LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s', s, role);
    END LOOP;
    FOR v IN SELECT k.relation_schema, k.view_name FROM @extschema@.kpi_views k
             JOIN pg_namespace ns ON ns.nspname = k.relation_schema
             JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = k.view_name
             WHERE NOT k.internal AND (kpi_grant.target_schema IS NULL OR k.target_schema = kpi_grant.target_schema) LOOP
        EXECUTE format('GRANT SELECT ON %I.%I TO %s', v.relation_schema, v.view_name, role);
    END LOOP;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_grant(regrole, name) IS 'csmetrics internal: grants USAGE on the KPI schemas and SELECT on the KPI views (not on their helper relations)';

-- Refreshes the materialized KPI views in dependency order, concurrently, so readers go on.
-- A helper relation comes before the views that read it, and is analyzed for them. It is
-- refreshed in place when only materialized views read it, concurrently when a plain view of
-- the set reads it (such as customer_mrr_movements, which unfolds the MRR paths):
-- kpi_refreshed_in_place().
CREATE OR REPLACE FUNCTION @extschema@.refresh_kpi_views(target_schema name DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
    started timestamptz;
    n bigint := 0;
BEGIN
    IF target_schema IS NOT NULL AND NOT EXISTS (SELECT FROM @extschema@.kpi_views k WHERE k.target_schema = refresh_kpi_views.target_schema) THEN
        RAISE EXCEPTION 'no KPI views in schema %', quote_ident(target_schema)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'csmetrics.kpi_views lists the schemas create_kpi_views() made views in.';
    END IF;
    -- (a helper that lost its unique index, or never had it because no plain view read it
    -- when the set was made, is refreshed in place: a view made over it since then waits)
    FOR v IN SELECT k.target_schema, k.relation_schema, k.view_name, k.internal,
                    k.internal AND (@extschema@.kpi_refreshed_in_place(c.oid)
                                    OR NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique)) AS in_place
             FROM @extschema@.kpi_views k
             JOIN pg_namespace ns ON ns.nspname = k.relation_schema
             JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = k.view_name AND c.relkind = 'm'
             WHERE k.materialized AND (refresh_kpi_views.target_schema IS NULL OR k.target_schema = refresh_kpi_views.target_schema)
             ORDER BY k.target_schema, k.position LOOP
        started := clock_timestamp();
        EXECUTE format('REFRESH MATERIALIZED VIEW %s%I.%I', CASE WHEN v.in_place THEN '' ELSE 'CONCURRENTLY ' END,
                       v.relation_schema, v.view_name);
        IF v.internal THEN
            EXECUTE format('ANALYZE %I.%I', v.relation_schema, v.view_name);
        END IF;
        RAISE NOTICE 'refreshed %.% in % ms', quote_ident(v.relation_schema), quote_ident(v.view_name),
            round((extract(epoch FROM clock_timestamp() - started) * 1000)::numeric, 1);
        IF v.relation_schema = v.target_schema THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION @extschema@.refresh_kpi_views(name) IS 'Refreshes every materialized KPI view (of one schema, or all) with REFRESH MATERIALIZED VIEW CONCURRENTLY, and their helper relations, in dependency order; NOTICE per relation with its time; returns how many KPI views were refreshed';
-- kpi_check_source: a NULL relation is reported as such (it printed as <NULL>, with an empty name).
CREATE OR REPLACE FUNCTION @extschema@.kpi_check_source(kind text, relation regclass, relation_name text, columns jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    problems text[] := '{}';
    states text[] := '{}';
    resolved jsonb := '{}';
    role_list text;
    spec record;
    key text;
    wanted text;
    att record;
    relkind "char";
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind) THEN
        RAISE EXCEPTION 'unknown source kind "%"', kind
            USING ERRCODE = '22023',
                  DETAIL = 'Kinds: ' || (SELECT string_agg(DISTINCT c.kind, ', ') FROM @extschema@.source_columns c) || '.';
    END IF;
    SELECT string_agg(c.role, ', ' ORDER BY c.position) INTO role_list
    FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind;

    IF columns IS NULL OR jsonb_typeof(columns) <> 'object' THEN
        problems := problems || 'columns must be a JSON object mapping canonical names to column names'::text;
        states := states || '22023'::text;
        columns := '{}';
    END IF;
    FOR key IN SELECT jsonb_object_keys(columns) ORDER BY 1 LOOP
        IF NOT EXISTS (SELECT 1 FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind AND c.role = key) THEN
            problems := problems || format('"%s" is not a column of kind %s (its columns: %s)', key, kind, role_list);
            states := states || '22023'::text;
        ELSIF jsonb_typeof(columns -> key) <> 'string' THEN
            problems := problems || format('the column for %s must be given as a JSON string, not %s', key, columns -> key);
            states := states || '22023'::text;
        END IF;
    END LOOP;

    IF relation IS NULL AND relation_name IS NULL THEN
        problems := problems || 'no relation was given (NULL)'::text;
        states := states || '22004'::text;
    ELSIF relation IS NULL THEN
        problems := problems || format('relation %s does not exist', relation_name);
        states := states || '42P01'::text;
    ELSE
        SELECT c.relkind INTO relkind FROM pg_class c WHERE c.oid = relation;
        IF relkind IS NULL THEN
            problems := problems || 'the registered relation was dropped'::text;
            states := states || '42P01'::text;
        ELSIF relkind NOT IN ('r', 'p', 'v', 'm', 'f') THEN
            problems := problems || format('%s is not a table, view, materialized view or foreign table', relation);
            states := states || '42809'::text;
        ELSE
            FOR spec IN SELECT * FROM @extschema@.source_columns c WHERE c.kind = kpi_check_source.kind ORDER BY c.position LOOP
                wanted := coalesce(columns ->> spec.role, spec.role);
                SELECT a.attname, a.atttypid INTO att FROM pg_attribute a
                WHERE a.attrelid = relation AND a.attname = wanted AND a.attnum > 0 AND NOT a.attisdropped;
                IF NOT FOUND THEN
                    IF spec.required OR columns ? spec.role THEN
                        problems := problems || format('column "%s" (for %s) does not exist in %s', wanted, spec.role, relation);
                        states := states || '42703'::text;
                    END IF;
                ELSIF NOT @extschema@.kpi_type_fits(att.atttypid, spec.type_class) THEN
                    problems := problems || format('column "%s" (for %s) has type %s; %s needs %s', wanted, spec.role,
                        format_type(att.atttypid, NULL), spec.role,
                        CASE spec.type_class
                            WHEN 'timestamp' THEN 'date, timestamp or timestamp with time zone'
                            WHEN 'number' THEN 'an integer, numeric or floating-point type'
                            WHEN 'integer' THEN 'an integer type or numeric'
                            WHEN 'boolean' THEN 'boolean'
                            ELSE 'a scalar type (text, an integer, uuid...), not json, a row or an array' END);
                    states := states || '42804'::text;
                ELSE
                    resolved := resolved || jsonb_build_object(spec.role, wanted);
                END IF;
            END LOOP;
        END IF;
    END IF;

    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION 'cannot register % as the % source: % problem%', coalesce(relation::text, relation_name, 'NULL'), kind,
            cardinality(problems), CASE WHEN cardinality(problems) > 1 THEN 's' ELSE '' END
            USING ERRCODE = states[1],
                  DETAIL = array_to_string(problems, E';\n') || '.',
                  HINT = 'Map canonical names to your columns, e.g. columns => ''{"customer_id": "Account Id"}'', or register a view that renames and casts them.';
    END IF;
    RETURN resolved;
END $$;
-- END views layer

-- ---------------------------------------------------------------------------------------
-- Survey
-- ---------------------------------------------------------------------------------------

-- nps_agg_state: the transition state of nps_agg(score), the three NPS groups only (32 bytes
-- against rating_summary's 96), so that NPS over many groups keeps each group's state in the
-- cache line of its hash table entry. Its window frames keep a rating_summary (MSTYPE).
CREATE TYPE @extschema@.nps_agg_state;
CREATE FUNCTION @extschema@.nps_agg_state_in(pg_catalog.cstring) RETURNS @extschema@.nps_agg_state
    AS 'MODULE_PATHNAME', 'nps_agg_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_state_out(@extschema@.nps_agg_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'nps_agg_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_state_recv(pg_catalog.internal) RETURNS @extschema@.nps_agg_state
    AS 'MODULE_PATHNAME', 'nps_agg_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_state_send(@extschema@.nps_agg_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'nps_agg_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.nps_agg_state (
    INPUT = @extschema@.nps_agg_state_in,
    OUTPUT = @extschema@.nps_agg_state_out,
    RECEIVE = @extschema@.nps_agg_state_recv,
    SEND = @extschema@.nps_agg_state_send,
    INTERNALLENGTH = 32,
    ALIGNMENT = double,
    STORAGE = plain
);
DO $nps_agg_trans$
DECLARE
    t text;
BEGIN
    -- one transition function per score type, each its own C entry point
    FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'numeric'] LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION @extschema@.nps_agg_trans(@extschema@.nps_agg_state, pg_catalog.%1$s) '
            'RETURNS @extschema@.nps_agg_state AS %2$L, %3$L LANGUAGE C IMMUTABLE PARALLEL SAFE',
            t, 'MODULE_PATHNAME', 'nps_agg_trans_' || t);
        EXECUTE pg_catalog.format(
            'COMMENT ON FUNCTION @extschema@.nps_agg_trans(@extschema@.nps_agg_state, pg_catalog.%s) IS %L',
            t, pg_catalog.format('Aggregate support: adds %s %s NPS score to the state of nps_agg',
                                 CASE WHEN t LIKE 'int%' THEN 'an' ELSE 'a' END, t));
    END LOOP;
END
$nps_agg_trans$;
CREATE FUNCTION @extschema@.nps_agg_combine(@extschema@.nps_agg_state, @extschema@.nps_agg_state) RETURNS @extschema@.nps_agg_state
    AS 'MODULE_PATHNAME', 'nps_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.nps_agg_final(@extschema@.nps_agg_state) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'nps_agg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON TYPE @extschema@.nps_agg_state IS 'Transition state of nps_agg(score): promoters, passives and detractors, text form v1 promoters=P passives=Q detractors=D';
COMMENT ON FUNCTION @extschema@.nps_agg_state_in(pg_catalog.cstring) IS 'Text input of nps_agg_state, strictly validated (SQLSTATE 22P02 on any malformed value)';
COMMENT ON FUNCTION @extschema@.nps_agg_state_out(@extschema@.nps_agg_state) IS 'Text output of nps_agg_state: v1 promoters=P passives=Q detractors=D';
COMMENT ON FUNCTION @extschema@.nps_agg_state_recv(pg_catalog.internal) IS 'Binary input of nps_agg_state: a version byte, then the three counts as int64 (SQLSTATE 22P03 on any malformed value)';
COMMENT ON FUNCTION @extschema@.nps_agg_state_send(@extschema@.nps_agg_state) IS 'Binary output of nps_agg_state: a version byte, then the three counts as int64';
COMMENT ON FUNCTION @extschema@.nps_agg_combine(@extschema@.nps_agg_state, @extschema@.nps_agg_state) IS 'Aggregate support: adds the second nps_agg state into the first (combine function of nps_agg)';
COMMENT ON FUNCTION @extschema@.nps_agg_final(@extschema@.nps_agg_state) IS 'Aggregate support: the NPS of an nps_agg state; NULL when it holds no response';

-- nps_agg(score) keeps an nps_agg_state instead of a rating_summary: the same results, a third
-- of the memory per group. CREATE OR REPLACE keeps the aggregates' identity, so views that use
-- them stay valid.
DO $nps_agg$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'numeric'] LOOP
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE AGGREGATE @extschema@.nps_agg(score pg_catalog.%s) ('
            'SFUNC = @extschema@.nps_agg_trans, STYPE = @extschema@.nps_agg_state, FINALFUNC = @extschema@.nps_agg_final, '
            'COMBINEFUNC = @extschema@.nps_agg_combine, '
            'MSFUNC = @extschema@.nps_trans, MINVFUNC = @extschema@.nps_inv, '
            'MSTYPE = @extschema@.rating_summary, MFINALFUNC = @extschema@.nps, PARALLEL = SAFE)', t);
    END LOOP;
END
$nps_agg$;

-- Comments that 0.1.0 got wrong: the transition and inverse functions of the score aggregates
-- ("adds a int2", "removes ... to the state"), now worded as src/survey.sql generates them.
DO $comments$
DECLARE
    k record;
    t text;
    arg_types text;
    a_type text;
    rule text;
BEGIN
    FOR k IN SELECT * FROM (VALUES ('nps', 'NPS', 0), ('csat', 'CSAT', 0), ('csat', 'CSAT', 1),
                                   ('csat', 'CSAT', 2), ('ces', 'CES', 0), ('ces', 'CES', 1))
                           AS m(kind, label, scale_args)
    LOOP
        FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'numeric'] LOOP
            arg_types := pg_catalog.concat_ws(', ', 'pg_catalog.' || t,
                CASE WHEN k.scale_args >= 1 THEN 'pg_catalog.int4' END,
                CASE WHEN k.scale_args >= 2 THEN 'pg_catalog.int4' END);
            a_type := CASE WHEN t LIKE 'int%' THEN 'an ' ELSE 'a ' END || t;
            rule := CASE k.scale_args WHEN 0 THEN ''
                                      WHEN 1 THEN ' (scale_max must not vary)'
                                      ELSE ' (scale_max, satisfied_from must not vary)' END;
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%s_trans(@extschema@.rating_summary, %s) IS %L',
                k.kind, arg_types, pg_catalog.format('Aggregate support: adds %s %s score to the state%s',
                    a_type, k.label, rule));
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION @extschema@.%s_inv(@extschema@.rating_summary, %s) IS %L',
                k.kind, arg_types, pg_catalog.format('Aggregate support: removes %s %s score from the state%s',
                    a_type, k.label, rule));
        END LOOP;
    END LOOP;
END
$comments$;
COMMENT ON FUNCTION @extschema@.score_count(@extschema@.rating_summary, pg_catalog.int4) IS 'Responses with exactly this score; the score must be on the summary''s scale';
COMMENT ON FUNCTION @extschema@.csat(@extschema@.rating_summary) IS 'CSAT: share (0..1) of responses with a score >= the summary''s satisfied_from (default scale_max - 1); NULL when empty';

-- kpi_subscription_flows() (new in 0.2.0; src/flow.sql): what the flow views compute on a
-- single server. The flows of a whole series straight from subscriptions, which it merges
-- into customer spans itself: the series runs from the period of the first start to that of
-- the last start or end, never past the period of today. Internal state (every subscription,
-- sorted in the final function), so no combine function.
CREATE FUNCTION @extschema@.kpi_subscription_flows_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.date)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_subscription_flows_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_flows_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: transition of kpi_subscription_flows (keeps each subscription)';

CREATE FUNCTION @extschema@.kpi_subscription_flows_final(pg_catalog.internal)
RETURNS @extschema@.customer_flow[]
AS 'MODULE_PATHNAME', 'kpi_subscription_flows_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_flows_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_subscription_flows (merges the subscriptions into spans, counts every period)';

CREATE AGGREGATE @extschema@.kpi_subscription_flows(customer_id anyelement, started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, started_on pg_catalog.date, ended_on pg_catalog.date, grain pg_catalog.text, today pg_catalog.date) (
    SFUNC = @extschema@.kpi_subscription_flows_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_subscription_flows_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_subscription_flows(anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: customer flow of every period (of a day, week, month or quarter grain) from subscriptions merged into spans where they overlap or touch; started_on and ended_on are the local dates of started_at and ended_at';

-- kpi_subscription_lifetimes() (new in 0.2.0; src/survival.sql): what the ltv view computes
-- on a single server, in one pass over the subscriptions (src/flow_series.c). It merges them into spans as
-- kpi_subscription_flows() does, over the months from the first start to the last change
-- (never past the month of today), and gives, for all customers ('(all)') and for each
-- segment: the flows of the last 12 months, the customers with a subscription in force at the end
-- of the latest month and the sum of what they pay there, and the Kaplan-Meier counts of the
-- spans' tenures (whole months of wall time in the given time zone, to the end or, while a
-- span lasts, to the end of the latest month). A NULL segment counts in '(all)' only.
-- Internal state, so no combine function.
CREATE TYPE @extschema@.kpi_segment_lifetime AS (
    segment text,
    latest_month date,
    recent_flows @extschema@.customer_flow[],
    customers_in_force bigint,
    paying_customers bigint,
    mrr numeric,
    survival @extschema@.survival_summary
);
COMMENT ON TYPE @extschema@.kpi_segment_lifetime IS 'csmetrics internal: what kpi_subscription_lifetimes() gives for one segment: the latest month, the flows of the last 12 months, the customers in force at the end of the latest month (and those paying, with their MRR), the Kaplan-Meier counts of the tenures';

CREATE FUNCTION @extschema@.kpi_subscription_lifetimes_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.date)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_subscription_lifetimes_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_lifetimes_trans(pg_catalog.internal, anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: transition of kpi_subscription_lifetimes (keeps each subscription)';

CREATE FUNCTION @extschema@.kpi_subscription_lifetimes_final(pg_catalog.internal)
RETURNS @extschema@.kpi_segment_lifetime[]
AS 'MODULE_PATHNAME', 'kpi_subscription_lifetimes_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_subscription_lifetimes_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_subscription_lifetimes (merges the subscriptions into spans, counts flows, tenures and MRR per segment)';

CREATE AGGREGATE @extschema@.kpi_subscription_lifetimes(customer_id anyelement, started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, started_on pg_catalog.date, ended_on pg_catalog.date, segment pg_catalog.text, mrr pg_catalog.numeric, zone pg_catalog.text, today pg_catalog.date) (
    SFUNC = @extschema@.kpi_subscription_lifetimes_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_subscription_lifetimes_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_subscription_lifetimes(anyelement, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.date, pg_catalog.date, pg_catalog.text, pg_catalog.numeric, pg_catalog.text, pg_catalog.date) IS 'csmetrics internal: per segment and for all customers, the monthly flows, the customers in force at the end of the latest month with their MRR, and the Kaplan-Meier counts of the spans'' tenures, from subscriptions merged into spans where they overlap or touch';

-- MRR paths, the movements of every period and cohort retention (new in 0.2.0; src/mrr_paths.sql).

-- The MRR path of one customer --------------------------------------------------------------

CREATE TYPE @extschema@.mrr_path;

CREATE FUNCTION @extschema@.mrr_path_in(pg_catalog.cstring)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_in(pg_catalog.cstring) IS 'text input of mrr_path (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_path_out(@extschema@.mrr_path)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'mrr_path_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_out(@extschema@.mrr_path) IS 'text output of mrr_path; reads back exactly';

CREATE FUNCTION @extschema@.mrr_path_recv(pg_catalog.internal)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_recv(pg_catalog.internal) IS 'binary input of mrr_path (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_path_send(@extschema@.mrr_path)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'mrr_path_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_send(@extschema@.mrr_path) IS 'binary output of mrr_path';

CREATE TYPE @extschema@.mrr_path (
    INPUT = @extschema@.mrr_path_in,
    OUTPUT = @extschema@.mrr_path_out,
    RECEIVE = @extschema@.mrr_path_recv,
    SEND = @extschema@.mrr_path_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.mrr_path IS 'MRR of one customer at the end of every period of a series, as change points; text form v1 <series> rows=<n> point_periods={<period>,...} point_mrr={<mrr>,...}';

-- STABLE: period boundaries follow timestamptz + interval in the session time zone.
CREATE FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'transition of mrr_path over timestamptz rows';

CREATE FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.date, pg_catalog.date, pg_catalog.numeric, pg_catalog.date, pg_catalog.interval, pg_catalog.int4)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_trans_date' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_trans(@extschema@.mrr_path, pg_catalog.date, pg_catalog.date, pg_catalog.numeric, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'transition of mrr_path over date rows';

CREATE FUNCTION @extschema@.mrr_path_combine(@extschema@.mrr_path, @extschema@.mrr_path)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_combine(@extschema@.mrr_path, @extschema@.mrr_path) IS 'combine function of mrr_path and transition of rollup(mrr_path): the sum of two paths of one series';

CREATE FUNCTION @extschema@.mrr_path_final(@extschema@.mrr_path)
RETURNS @extschema@.mrr_path
AS 'MODULE_PATHNAME', 'mrr_path_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_path_final(@extschema@.mrr_path) IS 'final function of mrr_path and rollup(mrr_path): the path as stored; NULL without rows';

CREATE AGGREGATE @extschema@.mrr_path(started_at pg_catalog.timestamptz, ended_at pg_catalog.timestamptz, mrr pg_catalog.numeric, first_period_start pg_catalog.timestamptz, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.mrr_path_trans, STYPE = @extschema@.mrr_path,
    COMBINEFUNC = @extschema@.mrr_path_combine, FINALFUNC = @extschema@.mrr_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_path(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.numeric, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.int4) IS 'MRR path of a customer (GROUP BY customer): its MRR at the end of every period of the series, from its subscription rows (ended_at NULL = open)';

CREATE AGGREGATE @extschema@.mrr_path(started_at pg_catalog.date, ended_at pg_catalog.date, mrr pg_catalog.numeric, first_period_start pg_catalog.date, period_length pg_catalog.interval, periods pg_catalog.int4) (
    SFUNC = @extschema@.mrr_path_trans, STYPE = @extschema@.mrr_path,
    COMBINEFUNC = @extschema@.mrr_path_combine, FINALFUNC = @extschema@.mrr_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_path(pg_catalog.date, pg_catalog.date, pg_catalog.numeric, pg_catalog.date, pg_catalog.interval, pg_catalog.int4) IS 'MRR path of a customer over a date series (GROUP BY customer)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_path) (
    SFUNC = @extschema@.mrr_path_combine, STYPE = @extschema@.mrr_path,
    COMBINEFUNC = @extschema@.mrr_path_combine, FINALFUNC = @extschema@.mrr_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.mrr_path) IS 'sum of MRR paths of one series (for instance the accounts of one customer), as one path';

-- The movements of every period ------------------------------------------------------------

CREATE TYPE @extschema@.mrr_period_movements AS (
    period_start pg_catalog.timestamptz,
    period_end pg_catalog.timestamptz,
    starting_mrr pg_catalog.numeric,
    ending_mrr pg_catalog.numeric,
    new_mrr pg_catalog.numeric,
    expansion_mrr pg_catalog.numeric,
    contraction_mrr pg_catalog.numeric,
    churned_mrr pg_catalog.numeric,
    reactivation_mrr pg_catalog.numeric,
    customers_start pg_catalog.int8,
    customers_end pg_catalog.int8,
    new_customers pg_catalog.int8,
    expansion_customers pg_catalog.int8,
    contraction_customers pg_catalog.int8,
    churned_customers pg_catalog.int8,
    reactivation_customers pg_catalog.int8
);
COMMENT ON TYPE @extschema@.mrr_period_movements IS 'MRR movements of one period [period_start, period_end): the fields of mrr_movements after the period bounds';

CREATE TYPE @extschema@.mrr_movements_series;

CREATE FUNCTION @extschema@.mrr_movements_series_in(pg_catalog.cstring)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_in(pg_catalog.cstring) IS 'text input of mrr_movements_series (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_movements_series_out(@extschema@.mrr_movements_series)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'mrr_movements_series_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_out(@extschema@.mrr_movements_series) IS 'text output of mrr_movements_series; reads back exactly';

CREATE FUNCTION @extschema@.mrr_movements_series_recv(pg_catalog.internal)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_recv(pg_catalog.internal) IS 'binary input of mrr_movements_series (validated, versioned)';

CREATE FUNCTION @extschema@.mrr_movements_series_send(@extschema@.mrr_movements_series)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'mrr_movements_series_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_send(@extschema@.mrr_movements_series) IS 'binary output of mrr_movements_series';

CREATE TYPE @extschema@.mrr_movements_series (
    INPUT = @extschema@.mrr_movements_series_in,
    OUTPUT = @extschema@.mrr_movements_series_out,
    RECEIVE = @extschema@.mrr_movements_series_recv,
    SEND = @extschema@.mrr_movements_series_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.mrr_movements_series IS 'MRR movements of every period of a series: exact per-period sums and customer counts of each movement class; storable and summable (rollup)';

-- STABLE: the first path's series gets its boundaries in the session time zone.
CREATE FUNCTION @extschema@.mrr_movements_series_trans(@extschema@.mrr_movements_series, @extschema@.mrr_path)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_trans(@extschema@.mrr_movements_series, @extschema@.mrr_path) IS 'transition of mrr_movements(path) and mrr_movements_series(path)';

CREATE FUNCTION @extschema@.mrr_movements_series_combine(@extschema@.mrr_movements_series, @extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_combine(@extschema@.mrr_movements_series, @extschema@.mrr_movements_series) IS 'combine function of the movement series aggregates and transition of rollup(mrr_movements_series)';

-- STABLE: a date series reports its bounds as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.mrr_movements_series_final(@extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_period_movements[]
AS 'MODULE_PATHNAME', 'mrr_movements_series_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_final(@extschema@.mrr_movements_series) IS 'final function of mrr_movements(path): one mrr_period_movements per period';

CREATE FUNCTION @extschema@.mrr_movements_series_summary_final(@extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_movements_series
AS 'MODULE_PATHNAME', 'mrr_movements_series_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements_series_summary_final(@extschema@.mrr_movements_series) IS 'final function of mrr_movements_series(path) and rollup(mrr_movements_series): the summary as stored, once the MRR of every period is known to fit';

CREATE AGGREGATE @extschema@.mrr_movements(path @extschema@.mrr_path) (
    SFUNC = @extschema@.mrr_movements_series_trans, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    FINALFUNC = @extschema@.mrr_movements_series_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements(@extschema@.mrr_path) IS 'MRR movements of every period of the series, from the customers'' MRR paths, in one pass: one mrr_period_movements per period';

CREATE AGGREGATE @extschema@.mrr_movements_series(path @extschema@.mrr_path) (
    SFUNC = @extschema@.mrr_movements_series_trans, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    FINALFUNC = @extschema@.mrr_movements_series_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mrr_movements_series(@extschema@.mrr_path) IS 'MRR movements of every period of the series as a storable summary (read it with mrr_movements(summary), add summaries with rollup)';

CREATE AGGREGATE @extschema@.rollup(@extschema@.mrr_movements_series) (
    SFUNC = @extschema@.mrr_movements_series_combine, STYPE = @extschema@.mrr_movements_series,
    COMBINEFUNC = @extschema@.mrr_movements_series_combine,
    FINALFUNC = @extschema@.mrr_movements_series_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.mrr_movements_series) IS 'exact sum of mrr_movements_series summaries of one series (segments to totals)';

CREATE FUNCTION @extschema@.mrr_movements(s @extschema@.mrr_movements_series)
RETURNS @extschema@.mrr_period_movements[]
AS 'MODULE_PATHNAME', 'mrr_movements_series_movements' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mrr_movements(@extschema@.mrr_movements_series) IS 'the movements of every period of a stored mrr_movements_series, one mrr_period_movements per period';

-- The accessors of mrr_movements, on a period's row (the same C functions read both).
CREATE FUNCTION @extschema@.nrr(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_nrr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.nrr(@extschema@.mrr_period_movements) IS 'net revenue retention of the period: (starting - churned - contraction + expansion) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.grr(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_grr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.grr(@extschema@.mrr_period_movements) IS 'gross revenue retention of the period: (starting - churned - contraction) / starting; NULL when starting_mrr is 0';

CREATE FUNCTION @extschema@.quick_ratio(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'mrr_movements_quick_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.quick_ratio(@extschema@.mrr_period_movements) IS 'SaaS quick ratio of the period: (new + expansion + reactivation) / (contraction + churned); NULL when nothing was lost';

CREATE FUNCTION @extschema@.net_new_mrr(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_net_new_mrr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.net_new_mrr(@extschema@.mrr_period_movements) IS 'net new MRR of the period: new + reactivation + expansion - contraction - churned (= ending_mrr - starting_mrr)';

CREATE FUNCTION @extschema@.arpa(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'mrr_movements_arpa' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.arpa(@extschema@.mrr_period_movements) IS 'average revenue per account at the end of the period: ending_mrr / customers_end; NULL without paying customers';

CREATE FUNCTION @extschema@.negative_churn(m @extschema@.mrr_period_movements)
RETURNS pg_catalog.bool
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (m).expansion_mrr OPERATOR(pg_catalog.>) ((m).churned_mrr OPERATOR(pg_catalog.+) (m).contraction_mrr) $$;
COMMENT ON FUNCTION @extschema@.negative_churn(@extschema@.mrr_period_movements) IS 'negative churn in the period: expansion_mrr > churned_mrr + contraction_mrr';

-- One customer's movement in each period.
-- STABLE: a date series reports its bounds as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.customer_mrr_movements(path @extschema@.mrr_path,
    OUT period_start pg_catalog.timestamptz, OUT period_end pg_catalog.timestamptz,
    OUT previous_mrr pg_catalog.numeric, OUT mrr pg_catalog.numeric, OUT movement pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'customer_mrr_movements' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION @extschema@.customer_mrr_movements(@extschema@.mrr_path) IS 'movement of one customer in each period from its first paying period to the end of the series: previous and current MRR and the mrr_movement() class; periods without MRR before or after are left out';

-- The periods where one customer's MRR moves.
-- STABLE: a date series reports its bounds as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.customer_mrr_changes(path @extschema@.mrr_path,
    OUT period_start pg_catalog.timestamptz, OUT period_end pg_catalog.timestamptz,
    OUT previous_mrr pg_catalog.numeric, OUT mrr pg_catalog.numeric, OUT movement pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'customer_mrr_changes' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.customer_mrr_changes(@extschema@.mrr_path) IS 'the rows of customer_mrr_movements(path) whose movement is not unchanged: the periods where one customer''s MRR moves (new, expansion, contraction, churn, reactivation), at a cost of the path''s change points';

-- The rows of the view customer_mrr_movements from one path (csmetrics internal): those of
-- customer_mrr_movements(path), with the period as a date and the change made once per
-- path point, not once per row.
-- STABLE: the dates are those of the period starts in the session time zone.
CREATE FUNCTION @extschema@.kpi_mrr_movement_rows(path @extschema@.mrr_path,
    OUT period_start pg_catalog.date, OUT previous_mrr pg_catalog.numeric, OUT mrr pg_catalog.numeric,
    OUT mrr_change pg_catalog.numeric, OUT movement pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'kpi_mrr_movement_rows' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION @extschema@.kpi_mrr_movement_rows(@extschema@.mrr_path) IS 'csmetrics internal: the rows of customer_mrr_movements(path) as the view customer_mrr_movements shows them (period_start as a date, mrr_change = mrr - previous_mrr)';

-- Cohort retention ----------------------------------------------------------------------------

CREATE TYPE @extschema@.cohort_summary;

CREATE FUNCTION @extschema@.cohort_summary_in(pg_catalog.cstring)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_in(pg_catalog.cstring) IS 'text input of cohort_summary (validated, versioned)';

CREATE FUNCTION @extschema@.cohort_summary_out(@extschema@.cohort_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'cohort_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_out(@extschema@.cohort_summary) IS 'text output of cohort_summary; reads back exactly';

CREATE FUNCTION @extschema@.cohort_summary_recv(pg_catalog.internal)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_recv(pg_catalog.internal) IS 'binary input of cohort_summary (validated, versioned)';

CREATE FUNCTION @extschema@.cohort_summary_send(@extschema@.cohort_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'cohort_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_send(@extschema@.cohort_summary) IS 'binary output of cohort_summary';

CREATE TYPE @extschema@.cohort_summary (
    INPUT = @extschema@.cohort_summary_in,
    OUTPUT = @extschema@.cohort_summary_out,
    RECEIVE = @extschema@.cohort_summary_recv,
    SEND = @extschema@.cohort_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.cohort_summary IS 'cohort retention triangle of a series: per cohort (first paying period) and periods since its start, the changes of retained customers, MRR and gross MRR; storable and summable (rollup)';

-- STABLE: the first path's series gets its boundaries in the session time zone.
CREATE FUNCTION @extschema@.cohort_summary_trans(@extschema@.cohort_summary, @extschema@.mrr_path)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_trans' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_trans(@extschema@.cohort_summary, @extschema@.mrr_path) IS 'transition of cohort_summary(path)';

CREATE FUNCTION @extschema@.cohort_summary_combine(@extschema@.cohort_summary, @extschema@.cohort_summary)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_combine(@extschema@.cohort_summary, @extschema@.cohort_summary) IS 'combine function of cohort_summary and transition of rollup(cohort_summary)';

CREATE FUNCTION @extschema@.cohort_summary_final(@extschema@.cohort_summary)
RETURNS @extschema@.cohort_summary
AS 'MODULE_PATHNAME', 'cohort_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_summary_final(@extschema@.cohort_summary) IS 'final function of cohort_summary and rollup(cohort_summary): the summary as stored';

CREATE AGGREGATE @extschema@.cohort_summary(path @extschema@.mrr_path) (
    SFUNC = @extschema@.cohort_summary_trans, STYPE = @extschema@.cohort_summary,
    COMBINEFUNC = @extschema@.cohort_summary_combine, FINALFUNC = @extschema@.cohort_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cohort_summary(@extschema@.mrr_path) IS 'cohort retention triangle of the customers'' MRR paths (cohort = first paying period), in one pass; read it with cohort_retention()';

CREATE AGGREGATE @extschema@.rollup(@extschema@.cohort_summary) (
    SFUNC = @extschema@.cohort_summary_combine, STYPE = @extschema@.cohort_summary,
    COMBINEFUNC = @extschema@.cohort_summary_combine, FINALFUNC = @extschema@.cohort_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.cohort_summary) IS 'exact sum of cohort_summary values of one series over disjoint customers (segments to totals)';

-- STABLE: a date series reports its cohorts as timestamptz in the session time zone.
CREATE FUNCTION @extschema@.cohort_retention(s @extschema@.cohort_summary,
    OUT cohort pg_catalog.timestamptz, OUT periods_since_start pg_catalog.int4,
    OUT customers pg_catalog.int8, OUT retained_customers pg_catalog.int8,
    OUT logo_retention pg_catalog.float8, OUT starting_mrr pg_catalog.numeric,
    OUT mrr pg_catalog.numeric, OUT revenue_retention pg_catalog.float8,
    OUT gross_revenue_retention pg_catalog.float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cohort_retention' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_retention(@extschema@.cohort_summary) IS 'the cohort retention triangle, one row per cohort and periods since its start: customers, retained customers and logo retention, starting MRR, MRR, revenue retention (cohort NRR) and gross revenue retention';

-- roc: the ROC AUC of a score as a churn predictor (src/roc.sql).
CREATE TYPE @extschema@.roc_summary;

CREATE FUNCTION @extschema@.roc_summary_in(pg_catalog.cstring)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_in(pg_catalog.cstring) IS
'text input of roc_summary: v1 scores={...} retained={...} churned={...} (validated, canonical form only)';

CREATE FUNCTION @extschema@.roc_summary_out(@extschema@.roc_summary)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'roc_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_out(@extschema@.roc_summary) IS
'text output of roc_summary: the distinct scores ascending, then the retained and the churned rows of each';

CREATE FUNCTION @extschema@.roc_summary_recv(pg_catalog.internal)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_recv(pg_catalog.internal) IS
'binary input of roc_summary (validated): version byte, int32 n, n float8 scores, n int64 retained, n int64 churned';

CREATE FUNCTION @extschema@.roc_summary_send(@extschema@.roc_summary)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'roc_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_send(@extschema@.roc_summary) IS
'binary output of roc_summary: version byte, int32 n, n float8 scores, n int64 retained, n int64 churned';

CREATE TYPE @extschema@.roc_summary (
    INPUT = @extschema@.roc_summary_in,
    OUTPUT = @extschema@.roc_summary_out,
    RECEIVE = @extschema@.roc_summary_recv,
    SEND = @extschema@.roc_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.roc_summary IS
'storable ROC summary: every distinct score with its retained and churned rows; build with roc_summary(score, churned), merge with rollup, read with roc_auc';

CREATE FUNCTION @extschema@.roc_summary_eq(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'roc_summary_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_eq(@extschema@.roc_summary, @extschema@.roc_summary) IS
'true when two ROC summaries hold the same retained and churned rows at every score';

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.roc_summary,
    RIGHTARG = @extschema@.roc_summary,
    FUNCTION = @extschema@.roc_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=)
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.roc_summary, @extschema@.roc_summary) IS
'the same retained and churned rows at every score';

-- Accessors.
CREATE FUNCTION @extschema@.roc_auc(s @extschema@.roc_summary)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'roc_auc_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_auc(@extschema@.roc_summary) IS
'ROC AUC of a summary: P(a retained row scores higher than a churned row) + 1/2 P(equal scores); NULL when no row is retained or none churned';

CREATE FUNCTION @extschema@.customers(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.customers(@extschema@.roc_summary) IS
'rows counted by a ROC summary, retained and churned';

CREATE FUNCTION @extschema@.retained(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_retained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retained(@extschema@.roc_summary) IS
'rows of a ROC summary that did not churn';

CREATE FUNCTION @extschema@.churned(s @extschema@.roc_summary)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'roc_summary_churned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churned(@extschema@.roc_summary) IS
'rows of a ROC summary that churned';

-- Support functions. Not strict: the transitions make the state on the first row that has
-- a score and a flag, and skip rows without.
CREATE FUNCTION @extschema@.roc_summary_trans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_trans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'transition function of roc_auc(score, churned) and roc_summary(score, churned): counts one row';

CREATE FUNCTION @extschema@.roc_summary_mtrans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_mtrans(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'moving-aggregate transition function of roc_auc(score, churned) and roc_summary(score, churned)';

CREATE FUNCTION @extschema@.roc_summary_inv(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_inv(@extschema@.roc_summary, pg_catalog.float8, pg_catalog.bool) IS
'moving-aggregate inverse of roc_summary_mtrans: uncounts a row that leaves the window frame';

CREATE FUNCTION @extschema@.roc_summary_combine(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_combine(@extschema@.roc_summary, @extschema@.roc_summary) IS
'combine function of the roc_summary aggregates and transition function of rollup(roc_summary): adds the second summary to the first';

CREATE FUNCTION @extschema@.roc_summary_rollup_mtrans(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_rollup_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_rollup_mtrans(@extschema@.roc_summary, @extschema@.roc_summary) IS
'moving-aggregate transition function of rollup(roc_summary)';

CREATE FUNCTION @extschema@.roc_summary_rollup_inv(@extschema@.roc_summary, @extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_rollup_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_rollup_inv(@extschema@.roc_summary, @extschema@.roc_summary) IS
'moving-aggregate inverse of rollup(roc_summary): subtracts a summary that leaves the window frame';

CREATE FUNCTION @extschema@.roc_summary_final(@extschema@.roc_summary)
RETURNS @extschema@.roc_summary
AS 'MODULE_PATHNAME', 'roc_summary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.roc_summary_final(@extschema@.roc_summary) IS
'final function of roc_summary(score, churned) and rollup(roc_summary): the summary, or NULL when it counts no row';

-- Aggregates.
CREATE AGGREGATE @extschema@.roc_auc(score pg_catalog.float8, churned pg_catalog.bool) (
    SFUNC = @extschema@.roc_summary_trans, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_auc,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_mtrans, MINVFUNC = @extschema@.roc_summary_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_auc,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.roc_auc(pg_catalog.float8, pg_catalog.bool) IS
'ROC AUC of a score as a churn predictor: P(a retained row scores higher than a churned row) + 1/2 P(equal scores), exact; NULL when no row is retained or none churned';

CREATE AGGREGATE @extschema@.roc_summary(score pg_catalog.float8, churned pg_catalog.bool) (
    SFUNC = @extschema@.roc_summary_trans, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_summary_final,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_mtrans, MINVFUNC = @extschema@.roc_summary_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.roc_summary(pg_catalog.float8, pg_catalog.bool) IS
'roc_summary of (score, churned) rows, to store and roll up; NULL over no rows';

CREATE AGGREGATE @extschema@.rollup(s @extschema@.roc_summary) (
    SFUNC = @extschema@.roc_summary_combine, STYPE = @extschema@.roc_summary,
    FINALFUNC = @extschema@.roc_summary_final,
    COMBINEFUNC = @extschema@.roc_summary_combine,
    MSFUNC = @extschema@.roc_summary_rollup_mtrans, MINVFUNC = @extschema@.roc_summary_rollup_inv,
    MSTYPE = @extschema@.roc_summary, MFINALFUNC = @extschema@.roc_summary_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.roc_summary) IS
'exact merge of ROC summaries (by period, segment...); NULL when they count no row';

-- kpi_score_ntiles(buckets, score, churned, tiebreak): internal to the health validation
-- views. The group's rows in order of score, then tiebreak (NULLs last), cut into ntiles as
-- ntile(buckets) cuts them, and for each ntile with rows its number, the roc_summary of its
-- rows and its lowest and highest score. Rows with a NULL score or churned flag are left
-- out, as roc_summary leaves them out. It keeps every row of the group (about 24 bytes each,
-- plus the tiebreak when it is passed by reference): no combine function.
CREATE TYPE @extschema@.kpi_score_ntile AS (
    ntile int,
    summary @extschema@.roc_summary,
    min_score float8,
    max_score float8
);
COMMENT ON TYPE @extschema@.kpi_score_ntile IS 'csmetrics internal: one ntile of the scores of a group (kpi_score_ntiles): its number, the roc_summary of its rows, its lowest and highest score';

CREATE FUNCTION @extschema@.kpi_score_ntiles_trans(pg_catalog.internal, pg_catalog.int4, pg_catalog.float8, pg_catalog.bool, anyelement)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_score_ntiles_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_score_ntiles_trans(pg_catalog.internal, pg_catalog.int4, pg_catalog.float8, pg_catalog.bool, anyelement) IS 'csmetrics internal: transition of kpi_score_ntiles (keeps each row)';

CREATE FUNCTION @extschema@.kpi_score_ntiles_final(pg_catalog.internal)
RETURNS @extschema@.kpi_score_ntile[]
AS 'MODULE_PATHNAME', 'kpi_score_ntiles_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_score_ntiles_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_score_ntiles (sorts the rows once and summarises each ntile)';

CREATE AGGREGATE @extschema@.kpi_score_ntiles(buckets pg_catalog.int4, score pg_catalog.float8, churned pg_catalog.bool, tiebreak anyelement) (
    SFUNC = @extschema@.kpi_score_ntiles_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_score_ntiles_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_score_ntiles(pg_catalog.int4, pg_catalog.float8, pg_catalog.bool, anyelement) IS 'csmetrics internal: the ntiles of a score over ORDER BY score, tiebreak (as ntile(buckets) cuts them), each with the roc_summary of its rows and its lowest and highest score';

-- The look-back measures of the health views (src/health_windows.c): one customer's rows as
-- arrays, measured in every window at once.
CREATE FUNCTION @extschema@.kpi_days_late(due_on pg_catalog.date[], due_at pg_catalog.timestamptz[], paid_at pg_catalog.timestamptz[],
                                          window_starts pg_catalog.date[], window_ends pg_catalog.date[],
                                          window_end_ats pg_catalog.timestamptz[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_days_late'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_days_late(pg_catalog.date[], pg_catalog.timestamptz[], pg_catalog.timestamptz[], pg_catalog.date[], pg_catalog.date[], pg_catalog.timestamptz[]) IS
'csmetrics internal: per window [window_starts[k], window_ends[k]), the mean days late of the invoices due in it (to the payment, or to window_end_ats[k] while unpaid; never below 0), NULL without one';

CREATE FUNCTION @extschema@.kpi_latest_in_windows(days pg_catalog.date[], instants pg_catalog.timestamptz[], vals pg_catalog.float8[],
                                                  window_starts pg_catalog.date[], window_ends pg_catalog.date[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_latest_in_windows'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_latest_in_windows(pg_catalog.date[], pg_catalog.timestamptz[], pg_catalog.float8[], pg_catalog.date[], pg_catalog.date[]) IS
'csmetrics internal: per window [window_starts[k], window_ends[k]), the value of the latest row whose day is in it (the lowest value among rows at that instant), NULL without one';

CREATE FUNCTION @extschema@.kpi_in_force_periods(started_on pg_catalog.date[], ended_on pg_catalog.date[], period_ends pg_catalog.date[])
RETURNS pg_catalog.int4[]
AS 'MODULE_PATHNAME', 'kpi_in_force_periods'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_in_force_periods(pg_catalog.date[], pg_catalog.date[], pg_catalog.date[]) IS
'csmetrics internal: the numbers k (ascending) of the periods at whose end period_ends[k] a row is in force (started_on before it, ended_on NULL or not before it)';

-- Usage and tickets per period (src/health_windows.c): an aggregate over one customer's rows,
-- the exact sum of each window's values at once. Internal state (the windows and an exact sum
-- per window), so no combine function: the health views group by customer, which under Citus
-- is taken whole to the shards.
CREATE FUNCTION @extschema@.kpi_sums_in_windows_trans(pg_catalog.internal, pg_catalog.date, pg_catalog.numeric, pg_catalog.date[], pg_catalog.date[])
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_sums_in_windows_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_sums_in_windows_trans(pg_catalog.internal, pg_catalog.date, pg_catalog.numeric, pg_catalog.date[], pg_catalog.date[]) IS 'csmetrics internal: transition of kpi_sums_in_windows (adds the value to the sum of every window holding the day)';

CREATE FUNCTION @extschema@.kpi_sums_in_windows_final(pg_catalog.internal)
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_sums_in_windows_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_sums_in_windows_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_sums_in_windows (each window''s sum as float8, NULL without a row)';

-- SSPACE: a group keeps its windows and 24 bytes per window, about 500 bytes for the dozen
-- periods the health views read.
CREATE AGGREGATE @extschema@.kpi_sums_in_windows(day pg_catalog.date, value pg_catalog.numeric, window_starts pg_catalog.date[], window_ends pg_catalog.date[]) (
    SFUNC = @extschema@.kpi_sums_in_windows_trans, STYPE = pg_catalog.internal, SSPACE = 512,
    FINALFUNC = @extschema@.kpi_sums_in_windows_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_sums_in_windows(pg_catalog.date, pg_catalog.numeric, pg_catalog.date[], pg_catalog.date[]) IS 'csmetrics internal: per window [window_starts[k], window_ends[k]), the exact sum of the values of the rows whose day is in it, as float8 (sum(value)::float8), NULL where no row falls in it; the windows are the same on every row of a group';

-- The rank normalization of the health views: each value's percentile rank in its period,
-- searched in the period's values sorted once (src/health.c).
CREATE FUNCTION @extschema@.kpi_sorted_sample(vals pg_catalog.float8[])
RETURNS pg_catalog.float8[]
AS 'MODULE_PATHNAME', 'kpi_sorted_sample'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_sorted_sample(pg_catalog.float8[]) IS
'csmetrics internal: the values that are not NULL, sorted ascending (the sample of kpi_percentile_rank); a NaN or infinite value is an error';

CREATE FUNCTION @extschema@.kpi_percentile_rank(sample pg_catalog.float8[], value pg_catalog.float8, higher_is_better pg_catalog.bool)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'kpi_percentile_rank'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_percentile_rank(pg_catalog.float8[], pg_catalog.float8, pg_catalog.bool) IS
'csmetrics internal: the percentile rank of value (0..100, ties at the mid-rank, inverted when lower is better) among sample, the partition''s values sorted ascending; what health_score_ranked gives for one measure';

-- customer_actions and its rules (src/views/actions.sql).
CREATE TABLE @extschema@.action_rules (
    action     text     PRIMARY KEY
               CONSTRAINT "unknown action (see COMMENT ON COLUMN action_rules.action)" CHECK (action IN (
                   'review_account', 'send_guidance', 'expansion_opportunity', 'call_detractor', 'send_value',
                   'ask_referral', 'contact_contraction', 'payment_reminder', 'renewal_risk')),
    enabled    boolean  NOT NULL DEFAULT true,
    priority   int      NOT NULL
               CONSTRAINT "priority must be from 1 (most urgent) to 4" CHECK (priority BETWEEN 1 AND 4),
    due_within interval NOT NULL
               CONSTRAINT "due_within must not be negative" CHECK (due_within >= '0'::interval),
    threshold  float8   NOT NULL,
    CONSTRAINT "threshold out of range for its rule" CHECK (
        threshold > '-infinity' AND threshold < 'infinity' AND CASE action
            WHEN 'contact_contraction' THEN threshold >= 0 AND threshold < 1
            WHEN 'review_account' THEN true
            WHEN 'send_guidance' THEN true
            WHEN 'expansion_opportunity' THEN true
            ELSE threshold >= 0 AND threshold = trunc(threshold) END)
);
COMMENT ON TABLE @extschema@.action_rules IS 'csmetrics: the rules of the customer_actions view, one per action (kept by pg_dump; switch a rule off with enabled = false, rows cannot be deleted; inserting an existing action replaces it)';
COMMENT ON COLUMN @extschema@.action_rules.action IS 'action code: review_account (health at or below threshold), send_guidance (health above review_account''s threshold, at or below this one), expansion_opportunity (health points above threshold: a power user), call_detractor / send_value / ask_referral (latest NPS answer 0-6 / 7-8 / 9-10, not older than threshold days), contact_contraction (MRR contraction in the current period), payment_reminder (invoice past due), renewal_risk (renewal due soon, health at or below send_guidance''s threshold)';
COMMENT ON COLUMN @extschema@.action_rules.enabled IS 'false switches the rule off';
COMMENT ON COLUMN @extschema@.action_rules.priority IS '1 (most urgent) to 4';
COMMENT ON COLUMN @extschema@.action_rules.due_within IS 'time from the trigger to the due date of the action (due_at = triggered_at + due_within)';
COMMENT ON COLUMN @extschema@.action_rules.threshold IS 'health score limit (review_account, send_guidance), health points limit (expansion_opportunity), oldest answer acted upon in whole days (call_detractor, send_value, ask_referral), share of MRR lost beyond which a contraction counts (contact_contraction, 0 = any), whole days of grace after the due date (payment_reminder), whole days ahead a renewal is due (renewal_risk)';
COMMENT ON CONSTRAINT action_rules_pkey ON @extschema@.action_rules IS 'one rule per action';
COMMENT ON CONSTRAINT "unknown action (see COMMENT ON COLUMN action_rules.action)" ON @extschema@.action_rules IS 'only the nine action codes of customer_actions';
COMMENT ON CONSTRAINT "priority must be from 1 (most urgent) to 4" ON @extschema@.action_rules IS 'priorities 1 to 4, the columns of kpi_overview';
COMMENT ON CONSTRAINT "due_within must not be negative" ON @extschema@.action_rules IS 'an action is never due before its trigger';
COMMENT ON CONSTRAINT "threshold out of range for its rule" ON @extschema@.action_rules IS 'finite; a share from 0 to below 1 for contact_contraction, whole days from 0 for the NPS rules, payment_reminder and renewal_risk';

CREATE TRIGGER replace_rule BEFORE INSERT ON @extschema@.action_rules
    FOR EACH ROW EXECUTE FUNCTION @extschema@.kpi_config_replace('action');
COMMENT ON TRIGGER replace_rule ON @extschema@.action_rules IS 'INSERT of an existing action replaces its rule';

-- Refuses to delete rules: a missing rule would silently come back as its default after a
-- dump and restore. The replace trigger's own DELETE runs inside its INSERT and is let through.
CREATE FUNCTION @extschema@.action_rules_keep() RETURNS trigger
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'action rules cannot be deleted'
        USING ERRCODE = '0A000',
              DETAIL = 'Every action has one rule, so that a dump and restore gives back the same rules.',
              HINT = 'Switch a rule off instead: UPDATE csmetrics.action_rules SET enabled = false WHERE action = ''...''.';
END $$;
COMMENT ON FUNCTION @extschema@.action_rules_keep() IS 'csmetrics internal: trigger refusing to delete or truncate action rules (switch them off instead)';
CREATE TRIGGER keep_rules BEFORE DELETE ON @extschema@.action_rules
    FOR EACH ROW EXECUTE FUNCTION @extschema@.action_rules_keep();
COMMENT ON TRIGGER keep_rules ON @extschema@.action_rules IS 'rules are switched off, not deleted';
CREATE TRIGGER keep_rules_truncate BEFORE TRUNCATE ON @extschema@.action_rules
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.action_rules_keep();
COMMENT ON TRIGGER keep_rules_truncate ON @extschema@.action_rules IS 'rules are switched off, not truncated';

-- The defaults of the customer-success playbooks.
INSERT INTO @extschema@.action_rules (action, priority, due_within, threshold) VALUES
    ('review_account', 1, '2 days', 40),
    ('send_guidance', 3, '7 days', 70),
    ('expansion_opportunity', 3, '14 days', 100),
    ('call_detractor', 1, '1 day', 365),
    ('send_value', 3, '7 days', 365),
    ('ask_referral', 4, '14 days', 365),
    ('contact_contraction', 1, '2 days', 0),
    ('payment_reminder', 2, '3 days', 0),
    ('renewal_risk', 1, '7 days', 90);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.action_rules', '');

-- A number for the reason of an action: rounded to one decimal, without trailing zeros.
CREATE FUNCTION @extschema@.kpi_action_number(x float8) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.trim_scale(pg_catalog.round(x::pg_catalog.numeric, 1))::pg_catalog.text
$$;
COMMENT ON FUNCTION @extschema@.kpi_action_number(float8) IS 'csmetrics internal: a number as the reasons of customer_actions write it (one decimal at most)';

-- Builder of customer_actions: one row per customer and open action. Each rule reads what it
-- needs: customer_health (health rules, renewal_risk), the latest NPS answer,
-- customer_mrr_movements (contact_contraction), unpaid invoices, renewals. A rule whose source
-- is missing adds nothing; NULL (no view) when no rule can run. The as-of instant is the
-- latest event of the registered sources, capped at now, so that the actions of fixed data
-- are the same whenever they are read; local dates, and the days of due_within, are in the
-- views' time zone.
CREATE FUNCTION @extschema@.kpi_view_customer_actions(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    health text := ctx -> 'made' ->> 'customer_health';
    movements text := ctx -> 'made' ->> 'customer_mrr_movements';
    own_paths boolean := NOT ((ctx ->> 'materialized')::boolean OR (ctx ->> 'distributed')::boolean);
    parts text[] := '{}';
    latest text[] := '{}';
    event_kinds constant text[] := ARRAY['usage_events', 'survey_responses', 'tickets', 'invoices', 'subscriptions'];
    event_columns constant text[] := ARRAY['occurred_at', 'responded_at', 'opened_at', 'due_at', 'started_at'];
BEGIN
    ctx := ctx || jsonb_build_object('customer_health', coalesce(health, ''));
    -- the latest event of each registered source (payments are left out: data often holds
    -- payments planned after the last invoice); in a materialized set, the health_period
    -- helper has already read it from the health sources
    FOR i IN 1 .. cardinality(event_kinds) LOOP
        IF @extschema@.kpi_has(ctx, event_kinds[i]) THEN
            latest := latest || CASE WHEN ctx -> 'made' ? 'health_period' AND event_kinds[i] IN (SELECT e.kind FROM @extschema@.kpi_health_sources() AS e)
                                     THEN format('(SELECT h.%I FROM %s AS h)', event_kinds[i] || '_at', ctx ->> 'health_period')
                                     ELSE '(' || @extschema@.kpi_latest_instant(ctx, event_kinds[i], ctx ->> event_kinds[i], event_columns[i]) || ')' END;
        END IF;
    END LOOP;

    -- health at or below / above the thresholds, from customer_health (current customers):
    -- one of the three at most, as the bands go
    IF health IS NOT NULL THEN
        parts := parts || @extschema@.kpi_render($p$
SELECT x.customer_id, x.action,
       'health ' || @extschema@.kpi_action_number(x.health_score) || ' (' || x.health_band || ')'
       || CASE WHEN x.action = 'expansion_opportunity' THEN ', ' || @extschema@.kpi_action_number(x.health_points) || ' health points' ELSE '' END
       || CASE WHEN x.health_trend < 0 THEN ', down ' || @extschema@.kpi_action_number(-x.health_trend) || ' points on the previous {{grain_name}}'
               WHEN x.health_trend > 0 THEN ', up ' || @extschema@.kpi_action_number(x.health_trend) || ' points on the previous {{grain_name}}'
               WHEN x.health_trend = 0 THEN ', unchanged on the previous {{grain_name}}'
               ELSE '' END,
       (x.period_start::timestamp AT TIME ZONE {{zone}}), false
FROM (SELECT h.*, CASE WHEN h.health_score <= l.review_at THEN 'review_account'
                       WHEN h.health_score <= l.guidance_at THEN 'send_guidance'
                       WHEN h.health_points > l.expansion_at THEN 'expansion_opportunity' END AS action
      FROM health AS h CROSS JOIN limits AS l) AS x
WHERE x.action IS NOT NULL$p$, ctx);
    END IF;

    -- the latest NPS answer of each customer (the lowest score of answers given at the same
    -- latest instant, as customer_health picks it), when it is not older than the rule says:
    -- answers older than every rule allows are left out before the latest is picked
    IF @extschema@.kpi_has(ctx, 'survey_responses') THEN
        parts := parts || @extschema@.kpi_render($p$
SELECT n.customer_id::text, n.action,
       'NPS answer ' || n.score::int || CASE n.action WHEN 'call_detractor' THEN ' (detractor)' WHEN 'send_value' THEN ' (passive)' ELSE ' (promoter)' END
       || ' on ' || n.responded_on,
       n.responded_at, true
FROM (SELECT n.*, CASE WHEN n.score <= 6 THEN 'call_detractor' WHEN n.score <= 8 THEN 'send_value' ELSE 'ask_referral' END AS action
      FROM (SELECT DISTINCT ON (r.customer_id) r.customer_id, r.responded_at, r.responded_on, r.score
            FROM {{survey_responses}} AS r CROSS JOIN asof AS a CROSS JOIN limits AS l
            WHERE r.customer_id IS NOT NULL AND coalesce(lower(r.survey), 'nps') = 'nps' AND r.responded_at <= a.as_of
              AND a.as_of_on - r.responded_on <= greatest(l.detractor_days, l.passive_days, l.promoter_days)
            ORDER BY r.customer_id, r.responded_at DESC, r.score) AS n) AS n
CROSS JOIN asof AS a CROSS JOIN limits AS l
WHERE a.as_of_on - n.responded_on <= CASE n.action WHEN 'call_detractor' THEN l.detractor_days
                                                   WHEN 'send_value' THEN l.passive_days ELSE l.promoter_days END$p$, ctx);
    END IF;

    -- a contraction of the MRR in the period of the as-of date (the rows of
    -- customer_mrr_movements, read as the changes of the MRR paths: the movements of every
    -- period of every customer would be unfolded only to keep one period's contractions);
    -- triggered by the latest start or end of the customer's subscriptions in that period
    -- (not later than the as-of instant). Those instants come from one pass over the
    -- subscriptions grouped by customer (not a subquery per movement, which Citus cannot
    -- run beside the views' CTEs), of the subscriptions starting or ending in that period
    -- only: a customer without one has no instant either way.
    -- Over plain views the MRR paths are made here, and only for the customers with a
    -- subscription starting or ending in that period or later (the CTE
    -- contraction_subscriptions): the MRR of any other customer is the same at both ends of
    -- the period. A materialized set reads its stored paths.
    IF movements IS NOT NULL THEN
        parts := parts || @extschema@.kpi_render($p$
SELECT m.customer_id, 'contact_contraction',
       'MRR down ' || @extschema@.kpi_action_number((100 * (m.previous_mrr - m.mrr) / m.previous_mrr)::float8) || '% from '
       || m.previous_mrr || ' to ' || m.mrr || ' in the {{grain_name}} of ' || m.{{period}},
       coalesce(least(c.changed_at, a.as_of), b.period_start_at),
       false
FROM (SELECT p.customer_id::text AS customer_id, c.period_start::date AS {{period}}, c.previous_mrr, c.mrr, c.movement
      FROM {{contraction_paths}} AS p CROSS JOIN LATERAL @extschema@.customer_mrr_changes(p.path) AS c) AS m
CROSS JOIN asof AS a CROSS JOIN limits AS l CROSS JOIN as_of_period AS b
LEFT JOIN (SELECT s.customer_id::text AS customer_id,
                  greatest(max(s.started_at) FILTER (WHERE s.started_at >= b.period_start_at AND s.started_at < b.period_end_at),
                           max(s.ended_at) FILTER (WHERE s.ended_at >= b.period_start_at AND s.ended_at < b.period_end_at)) AS changed_at
           FROM {{subscriptions}} AS s CROSS JOIN as_of_period AS b
           WHERE (s.started_at >= b.period_start_at AND s.started_at < b.period_end_at)
              OR (s.ended_at >= b.period_start_at AND s.ended_at < b.period_end_at)
           GROUP BY s.customer_id) AS c ON c.customer_id = m.customer_id
WHERE m.{{period}} = b.{{period}} AND m.movement = 'contraction'
  AND m.previous_mrr - m.mrr > l.contraction_at * m.previous_mrr$p$,
            ctx || jsonb_build_object('contraction_paths', CASE WHEN own_paths
                THEN '(' || @extschema@.kpi_view_mrr_paths(ctx || '{"subscriptions": "contraction_subscriptions"}') || E'\n)'
                ELSE ctx ->> 'mrr_paths' END));
    END IF;

    -- unpaid invoices more than the grace days past their due date, one action per customer
    IF @extschema@.kpi_has(ctx, 'invoices') THEN
        parts := parts || @extschema@.kpi_render($p$
SELECT i.customer_id::text, 'payment_reminder',
       count(*) || CASE WHEN count(*) = 1 THEN ' invoice' ELSE ' invoices' END || ' past due, ' || sum(i.amount) || ' unpaid; the oldest was due '
       || min(i.due_on) || ' (' || (min(a.as_of_on) - min(i.due_on)) || ' days ago)',
       ((min(i.due_on) + min(l.payment_at)::int + 1)::timestamp AT TIME ZONE {{zone}}), false
FROM {{invoices}} AS i CROSS JOIN asof AS a CROSS JOIN limits AS l
WHERE i.customer_id IS NOT NULL AND (i.paid_at IS NULL OR i.paid_at > a.as_of) AND a.as_of_on - i.due_on > l.payment_at
GROUP BY i.customer_id$p$, ctx);
    END IF;

    -- the earliest renewal due within the window, not renewed, of a customer in poor health
    IF @extschema@.kpi_has(ctx, 'renewals') AND health IS NOT NULL THEN
        parts := parts || @extschema@.kpi_render($p$
SELECT r.customer_id, 'renewal_risk', r.reason, r.triggered_at, true
FROM (SELECT DISTINCT ON (x.customer_id) x.customer_id::text AS customer_id,
             'renewal' || coalesce(' of ' || x.amount, '') || ' due ' || x.due_on || ' (in ' || (x.due_on - a.as_of_on) || ' days), health '
             || @extschema@.kpi_action_number(h.health_score) || ' (' || h.health_band || ')' AS reason,
             greatest(((x.due_on - l.renewal_days::int)::timestamp AT TIME ZONE {{zone}}),
                      (h.period_start::timestamp AT TIME ZONE {{zone}})) AS triggered_at
      FROM {{renewals}} AS x
      JOIN health AS h ON h.customer_id = x.customer_id::text
      CROSS JOIN asof AS a CROSS JOIN limits AS l
      WHERE NOT x.renewed AND x.due_on >= a.as_of_on AND x.due_on - a.as_of_on <= l.renewal_days
        AND h.health_score <= l.guidance_at
      ORDER BY x.customer_id, x.due_on, x.amount DESC NULLS LAST) AS r$p$, ctx);
    END IF;

    IF cardinality(parts) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_render($t$
WITH asof AS MATERIALIZED (
    SELECT t.as_of, (t.as_of AT TIME ZONE {{zone}})::date AS as_of_on
    FROM (SELECT least(pg_catalog.now(), greatest({{latest}})) AS as_of OFFSET 0) AS t),
limits AS (
    SELECT max(threshold) FILTER (WHERE action = 'review_account') AS review_at,
           max(threshold) FILTER (WHERE action = 'send_guidance') AS guidance_at,
           max(threshold) FILTER (WHERE action = 'expansion_opportunity') AS expansion_at,
           max(threshold) FILTER (WHERE action = 'call_detractor') AS detractor_days,
           max(threshold) FILTER (WHERE action = 'send_value') AS passive_days,
           max(threshold) FILTER (WHERE action = 'ask_referral') AS promoter_days,
           max(threshold) FILTER (WHERE action = 'contact_contraction') AS contraction_at,
           max(threshold) FILTER (WHERE action = 'payment_reminder') AS payment_at,
           max(threshold) FILTER (WHERE action = 'renewal_risk') AS renewal_days
    FROM @extschema@.action_rules),
as_of_period AS (
    -- the period of the as-of date, and its bounds as instants
    SELECT p.{{period}}, (p.{{period}}::timestamp AT TIME ZONE {{zone}}) AS period_start_at,
           ((p.{{period}} + {{step}})::timestamp AT TIME ZONE {{zone}}) AS period_end_at
    FROM (SELECT @extschema@.kpi_period_start(a.as_of_on, {{grain}}) AS {{period}} FROM asof AS a) AS p){{contraction_cte}}{{health_cte}},
triggers (customer_id, action, reason, triggered_at, current_only) AS ({{parts}})
SELECT c.customer_id::text AS customer_id, c.name, c.segment, t.action, t.reason, r.priority::bigint AS priority,
       t.triggered_at, ((t.triggered_at AT TIME ZONE {{zone}}) + r.due_within) AT TIME ZONE {{zone}} AS due_at
FROM triggers AS t
JOIN @extschema@.action_rules AS r ON r.action = t.action AND r.enabled
JOIN {{customers}} AS c ON c.customer_id::text = t.customer_id
WHERE NOT t.current_only OR {{current}}$t$,
        ctx || jsonb_build_object(
            'latest', coalesce(array_to_string(latest, ', '), 'NULL::timestamptz'),
            'contraction_cte', CASE WHEN movements IS NOT NULL AND own_paths THEN @extschema@.kpi_render($s$,
contraction_subscriptions AS MATERIALIZED (
    SELECT s.* FROM {{subscriptions}} AS s
    WHERE s.customer_id IN (SELECT e.customer_id FROM {{subscriptions}} AS e CROSS JOIN as_of_period AS b
                            WHERE e.started_on >= b.{{period}} OR e.ended_on >= b.{{period}}))$s$, ctx) ELSE '' END,
            -- customer_health is read once, by the health rules and renewal_risk
            'health_cte', CASE WHEN health IS NULL THEN '' ELSE @extschema@.kpi_render($h$,
health AS MATERIALIZED (
    SELECT h.customer_id, h.{{period}} AS period_start, h.health_score, h.health_band, h.health_trend, h.health_points
    FROM {{customer_health}} AS h)$h$, ctx) END,
            'parts', array_to_string(parts, E'\nUNION ALL'),
            -- actions on answers and renewals are for current customers: a subscription in force
            -- at the as-of instant (every customer when subscriptions are not registered)
            'current', CASE WHEN @extschema@.kpi_has(ctx, 'subscriptions') THEN @extschema@.kpi_render($c$EXISTS (
    SELECT FROM {{subscriptions}} AS s CROSS JOIN asof AS a
    WHERE {{match}} AND s.started_at <= a.as_of AND (s.ended_at IS NULL OR s.ended_at > a.as_of))$c$,
                ctx || jsonb_build_object('match', @extschema@.kpi_customer_match('subscriptions', 'c', 's'))) ELSE 'true' END));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_customer_actions(jsonb) IS 'csmetrics internal: builder of customer_actions';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, sources, any_sources, optional_sources, config_tables,
                                      keys, by_segment, overview_pick, description) VALUES
    (700, 'customer_actions', 'health', '@extschema@.kpi_view_customer_actions', '{customers}',
     '{usage_events,survey_responses,tickets,invoices,subscriptions,renewals}', '{}', '{action_rules,health_measures}',
     ARRAY['customer_id', 'action'], false, 'totals',
     'Open actions for the customer-success team, one row per customer and action, with the numbers behind each (rules: csmetrics.action_rules; as of the latest event in the data)');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('action', 'what to do: review_account, send_guidance, expansion_opportunity, call_detractor, send_value, ask_referral, contact_contraction, payment_reminder or renewal_risk'),
    ('reason', 'why, with the numbers behind it'),
    ('priority', '1 (most urgent) to 4 (csmetrics.action_rules)'),
    ('triggered_at', 'when the trigger started to hold (the answer, the start of the period of the score, the first day past due...)'),
    ('due_at', 'when the action is due: triggered_at + due_within of its rule');

INSERT INTO @extschema@.kpi_overview_columns (position, column_name, view_name, expression, type, description) VALUES
    (240, 'open_actions', 'customer_actions', 'count(*)', 'bigint', 'open actions of the customer-success team'),
    (250, 'open_actions_priority_1', 'customer_actions', 'count(*) FILTER (WHERE v.priority = 1)', 'bigint', 'open actions of priority 1 (most urgent)'),
    (260, 'open_actions_priority_2', 'customer_actions', 'count(*) FILTER (WHERE v.priority = 2)', 'bigint', 'open actions of priority 2'),
    (270, 'open_actions_priority_3', 'customer_actions', 'count(*) FILTER (WHERE v.priority = 3)', 'bigint', 'open actions of priority 3'),
    (280, 'open_actions_priority_4', 'customer_actions', 'count(*) FILTER (WHERE v.priority = 4)', 'bigint', 'open actions of priority 4');

-- ---------------------------------------------------------------------------------------
-- Known customers (src/id_set.c)
-- ---------------------------------------------------------------------------------------

-- kpi_id_set: a set of integer ids that is its own hash table. The clean relations of the
-- views test each row's customer against the set of the customers' ids, made once per scan
-- (an InitPlan), when those ids are integers: a probe into the value instead of the hash
-- table PostgreSQL builds for an EXISTS over the customers at every scan. A materialized
-- set stores it once (the helper customer_id_set) uncompressed (STORAGE external): writing it
-- then costs no compression, and each query reads it back once (kpi_id_set_contains keeps
-- what it read).
CREATE TYPE @extschema@.kpi_id_set;

CREATE FUNCTION @extschema@.kpi_id_set_in(pg_catalog.cstring)
RETURNS @extschema@.kpi_id_set
AS 'MODULE_PATHNAME', 'kpi_id_set_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_in(pg_catalog.cstring) IS 'text input of kpi_id_set (validated, versioned)';

CREATE FUNCTION @extschema@.kpi_id_set_out(@extschema@.kpi_id_set)
RETURNS pg_catalog.cstring
AS 'MODULE_PATHNAME', 'kpi_id_set_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_out(@extschema@.kpi_id_set) IS 'text output of kpi_id_set; reads back exactly';

CREATE FUNCTION @extschema@.kpi_id_set_recv(pg_catalog.internal)
RETURNS @extschema@.kpi_id_set
AS 'MODULE_PATHNAME', 'kpi_id_set_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_recv(pg_catalog.internal) IS 'binary input of kpi_id_set (validated, versioned)';

CREATE FUNCTION @extschema@.kpi_id_set_send(@extschema@.kpi_id_set)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'kpi_id_set_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_send(@extschema@.kpi_id_set) IS 'binary output of kpi_id_set';

CREATE TYPE @extschema@.kpi_id_set (
    INPUT = @extschema@.kpi_id_set_in,
    OUTPUT = @extschema@.kpi_id_set_out,
    RECEIVE = @extschema@.kpi_id_set_recv,
    SEND = @extschema@.kpi_id_set_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = external
);
COMMENT ON TYPE @extschema@.kpi_id_set IS 'csmetrics internal: a set of bigint ids stored as its own bitmap or hash table (made by kpi_id_set_agg, tested by kpi_id_set_contains); text form v1 ids={<id>,...}, ascending';

CREATE FUNCTION @extschema@.kpi_id_set_agg_trans(pg_catalog.internal, pg_catalog.int8)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_id_set_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_agg_trans(pg_catalog.internal, pg_catalog.int8) IS 'csmetrics internal: transition of kpi_id_set_agg (keeps each id)';

CREATE FUNCTION @extschema@.kpi_id_set_agg_final(pg_catalog.internal)
RETURNS @extschema@.kpi_id_set
AS 'MODULE_PATHNAME', 'kpi_id_set_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_agg_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_id_set_agg (hashes the ids once)';

CREATE AGGREGATE @extschema@.kpi_id_set_agg(id pg_catalog.int8) (
    SFUNC = @extschema@.kpi_id_set_agg_trans, STYPE = pg_catalog.internal,
    FINALFUNC = @extschema@.kpi_id_set_agg_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_id_set_agg(pg_catalog.int8) IS 'csmetrics internal: the set of the ids of the group (NULLs left out; an empty set over no row)';

CREATE FUNCTION @extschema@.kpi_id_set_contains_support(pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_id_set_contains_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_id_set_contains_support(pg_catalog.internal) IS 'csmetrics internal: planner support of kpi_id_set_contains (estimates that it keeps half of the rows, as for the EXISTS test it replaces)';

CREATE FUNCTION @extschema@.kpi_id_set_contains(set @extschema@.kpi_id_set, id pg_catalog.int8)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'kpi_id_set_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SUPPORT @extschema@.kpi_id_set_contains_support;
COMMENT ON FUNCTION @extschema@.kpi_id_set_contains(@extschema@.kpi_id_set, pg_catalog.int8) IS 'csmetrics internal: whether id is in the set';

-- kpi_median(value): the median the views report per period (src/median.c). The same number
-- as percentile_cont(0.5) WITHIN GROUP (ORDER BY value), but an ordinary aggregate, which
-- the planner may compute by hashing the groups instead of sorting every row by them.
CREATE FUNCTION @extschema@.kpi_median_trans(pg_catalog.internal, pg_catalog.float8)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_median_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_trans(pg_catalog.internal, pg_catalog.float8) IS 'csmetrics internal: transition of kpi_median (keeps each value that is not NULL)';

CREATE FUNCTION @extschema@.kpi_median_combine(pg_catalog.internal, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_median_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_combine(pg_catalog.internal, pg_catalog.internal) IS 'csmetrics internal: combine function of kpi_median (the values of both states)';

CREATE FUNCTION @extschema@.kpi_median_serialize(pg_catalog.internal)
RETURNS pg_catalog.bytea
AS 'MODULE_PATHNAME', 'kpi_median_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_serialize(pg_catalog.internal) IS 'csmetrics internal: binary form of a kpi_median state, for parallel workers';

CREATE FUNCTION @extschema@.kpi_median_deserialize(pg_catalog.bytea, pg_catalog.internal)
RETURNS pg_catalog.internal
AS 'MODULE_PATHNAME', 'kpi_median_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_deserialize(pg_catalog.bytea, pg_catalog.internal) IS 'csmetrics internal: reads back the binary form of a kpi_median state';

CREATE FUNCTION @extschema@.kpi_median_final(pg_catalog.internal)
RETURNS pg_catalog.float8
AS 'MODULE_PATHNAME', 'kpi_median_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kpi_median_final(pg_catalog.internal) IS 'csmetrics internal: final function of kpi_median (sorts the values in place and interpolates the two middle ones as percentile_cont does)';

CREATE AGGREGATE @extschema@.kpi_median(value pg_catalog.float8) (
    SFUNC = @extschema@.kpi_median_trans, STYPE = pg_catalog.internal,
    COMBINEFUNC = @extschema@.kpi_median_combine,
    SERIALFUNC = @extschema@.kpi_median_serialize, DESERIALFUNC = @extschema@.kpi_median_deserialize,
    FINALFUNC = @extschema@.kpi_median_final, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kpi_median(pg_catalog.float8) IS 'csmetrics internal: the median of the values that are not NULL, as percentile_cont(0.5) WITHIN GROUP (ORDER BY value) gives it (NaN sorts above every number), NULL without one; hashable, unlike percentile_cont';

-- views/health.sql: the health model as data, and the views that follow it.
--
-- csmetrics.health_measures holds the model: the four built-in measures (usage, nps, support,
-- billing) and any number of measures over the signals source (a signal's count, sum,
-- average, latest value or days since its last occurrence, over the period or a trailing
-- window). A measure either weighs in the weighted score (normalised to 0..100 by rank or
-- bounds) or, with an impact, counts in the points score (raw value x impact).
--
-- One query generator, kpi_health_query(), computes every measure of every customer in scope
-- for a set of periods, one row per customer and period (the signal measures in long form), and
-- the scores per customer and period. Three relations use it with their own periods:
--   customer_health             the latest period and the one before (trend)
--   customer_health_measures    the latest period, one row per customer and measure
--   health_outcomes (helper)    the periods of the validation horizon, with whether each
--                               paying customer stopped paying within the next N periods
-- In a materialized set it runs once, for all of those periods (the health_scores helper),
-- and the three read their periods from there.
-- and health_score_validation(_by_segment) summarises the helper: churn rate by band and
-- decile, lift, and the ROC AUC of the score (roc_summary rolled up by period and segment).

---------------------------------------------------------------------------------------------
-- The model.

CREATE TABLE @extschema@.health_measures (
    measure          text    PRIMARY KEY,
    weight           float8  NOT NULL DEFAULT 1 CHECK (weight >= 0 AND weight < 'infinity'),
    higher_is_better boolean NOT NULL DEFAULT true,
    normalization    text    NOT NULL DEFAULT 'rank' CHECK (normalization IN ('rank', 'bounds')),
    lower_bound      float8,
    upper_bound      float8,
    signal           text,
    aggregation      text    NOT NULL DEFAULT 'count' CHECK (aggregation IN ('count', 'sum', 'avg', 'latest', 'days_since')),
    look_back        interval CHECK (look_back > '0'::interval),
    impact           float8  CHECK (impact > '-infinity' AND impact < 'infinity'),
    CHECK (normalization = 'rank' OR (lower_bound IS NOT NULL AND upper_bound IS NOT NULL AND lower_bound < upper_bound))
);
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

CREATE TRIGGER replace_measure BEFORE INSERT ON @extschema@.health_measures
    FOR EACH ROW EXECUTE FUNCTION @extschema@.kpi_config_replace('measure');
COMMENT ON TRIGGER replace_measure ON @extschema@.health_measures IS 'INSERT of an existing measure replaces it';

INSERT INTO @extschema@.health_measures VALUES
    ('usage', 40, true, 'rank', NULL, NULL),
    ('nps', 10, true, 'bounds', 0, 10),
    ('support', 20, false, 'bounds', 0, 5),
    ('billing', 30, false, 'bounds', 0, 30);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.health_measures', '');
-- Statistics of the few rows: the health views join every customer with the model, and the
-- planner's guess for a never-analysed table (hundreds of rows) would make it expect a
-- hundred times the work and switch on JIT compilation for a query of milliseconds.
ANALYZE @extschema@.health_measures;

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

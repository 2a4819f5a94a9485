-- views/driver.sql: create_kpi_views() and what goes with it: the plan of the views to make,
-- creation, refresh, grants and scheduling.

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
CREATE FUNCTION @extschema@.kpi_grant(role regrole, target_schema name) RETURNS void
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

-- Gives a role read access to every KPI view, now and after the views are re-created.
CREATE FUNCTION @extschema@.grant_kpi_access(role regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM @extschema@.kpi_grant(role, NULL);
    INSERT INTO @extschema@.kpi_access (role_name) VALUES ((SELECT rolname FROM pg_roles WHERE oid = role))
    ON CONFLICT DO NOTHING;
END $$;
COMMENT ON FUNCTION @extschema@.grant_kpi_access(regrole) IS 'Grants a (read-only BI) role USAGE on the KPI schemas and SELECT on every KPI view, now and whenever create_kpi_views() re-creates them; the role needs no access to the source tables';

-- Refreshes the materialized KPI views in dependency order, concurrently, so readers go on.
-- A helper relation comes before the views that read it, and is analyzed for them. It is
-- refreshed in place when only materialized views read it, concurrently when a plain view of
-- the set reads it (such as customer_mrr_movements, which unfolds the MRR paths):
-- kpi_refreshed_in_place().
CREATE FUNCTION @extschema@.refresh_kpi_views(target_schema name DEFAULT NULL) RETURNS bigint
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
-- The schema of pg_cron's functions, or an error saying how to get pg_cron.
CREATE FUNCTION @extschema@.kpi_cron_schema() RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s name;
BEGIN
    -- pg_cron puts its functions in schema cron whatever its extension schema says, so look
    -- for the schedule() that belongs to the extension.
    SELECT n.nspname INTO s
    FROM pg_extension e
    JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
                    AND d.classid = 'pg_proc'::regclass
    JOIN pg_proc p ON p.oid = d.objid AND p.proname = 'schedule'
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE e.extname = 'pg_cron'
    LIMIT 1;
    IF s IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = '55000',
                  DETAIL = 'Scheduled refreshes of the KPI views use the pg_cron extension.',
                  HINT = format('Install the package postgresql-%s-cron, add pg_cron to shared_preload_libraries, set cron.database_name to this database, restart, and run CREATE EXTENSION pg_cron; or call csmetrics.refresh_kpi_views() from your own scheduler.',
                                current_setting('server_version_num')::int / 10000);
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION @extschema@.kpi_cron_schema() IS 'csmetrics internal: schema of the pg_cron extension, or a clear error when it is not installed';

-- Schedules refresh_kpi_views() with pg_cron, called dynamically (csmetrics does not require it).
CREATE FUNCTION @extschema@.schedule_kpi_refresh(schedule text) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    EXECUTE format('SELECT %I.schedule($1, $2, $3)', @extschema@.kpi_cron_schema())
        INTO job USING 'csmetrics_refresh_kpi_views', schedule, 'SELECT csmetrics.refresh_kpi_views()';
    RETURN job;
END $$;
COMMENT ON FUNCTION @extschema@.schedule_kpi_refresh(text) IS 'Schedules refresh_kpi_views() with pg_cron (cron syntax, e.g. ''0 3 * * *''; job name csmetrics_refresh_kpi_views, replaced when scheduled again); returns the job id. Clear error when pg_cron is not installed';

-- Removes the pg_cron job of schedule_kpi_refresh().
CREATE FUNCTION @extschema@.unschedule_kpi_refresh() RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    done boolean;
BEGIN
    EXECUTE format('SELECT %I.unschedule($1)', @extschema@.kpi_cron_schema()) INTO done USING 'csmetrics_refresh_kpi_views';
    RETURN done;
END $$;
COMMENT ON FUNCTION @extschema@.unschedule_kpi_refresh() IS 'Removes the pg_cron job made by schedule_kpi_refresh()';

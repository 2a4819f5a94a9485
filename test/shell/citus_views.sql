-- Every KPI view over the distributed CRM (schema crm) against the same view over the plain
-- copies of the same rows (schema local_crm), run on the coordinator after citus_data.sql.
-- Four sets of views: plain and materialized, over each schema, all with their periods in
-- America/New_York while every node runs in UTC and this session in Asia/Kolkata (the views
-- pin their zone: nothing may depend on where a part of a query runs). Each view must give
-- the same rows in the same order:
--   * after create_kpi_views(), plain and materialized;
--   * after the same changes to both schemas and refresh_kpi_views() (plain views follow the
--     change at once, materialized ones after the refresh).
-- Then the plans of the heavy views: the per-customer step (cleaning, spans, MRR paths,
-- health measures) runs in the worker tasks, next to the customer's rows, and the series
-- per period are partial states combined on the coordinator.
-- The views to check are read from csmetrics.kpi_views, so a view added to the registry is
-- covered as soon as citus_data.sql has the sources it needs (the test fails until then).
SET timezone = 'Asia/Kolkata';
SET search_path = public, csmetrics;
-- (errors only: Citus warns that views over plain tables are not created on the workers)
SET client_min_messages = error;

CREATE SCHEMA citus_views;

-- Registers every table of a schema that is named after a source kind, as that kind.
CREATE FUNCTION citus_views.register(schema_name text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM csmetrics.sources;
    PERFORM csmetrics.register_source(k.kind, format('%I.%I', schema_name, k.kind))
    FROM (SELECT DISTINCT c.kind FROM csmetrics.source_columns c) k
    WHERE to_regclass(format('%I.%I', schema_name, k.kind)) IS NOT NULL;
    RETURN (SELECT string_agg(s.kind, ', ' ORDER BY s.kind) FROM csmetrics.sources s);
END $$;

-- The rows of a relation, one JSON text each, numbered in the order of those texts (a view
-- has no row order of its own, and a materialized view refreshed concurrently keeps its rows
-- in another physical order). The rows are fetched first and turned into JSON on the
-- coordinator: on a worker, whose time zone is another, instants would print differently.
-- The relation a data_issues row names is given without its schema (crm.x and local_crm.x
-- are the same source).
CREATE FUNCTION citus_views.rows(relation text) RETURNS TABLE (n bigint, line text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        $q$WITH v AS MATERIALIZED (SELECT * FROM %s)
           SELECT row_number() OVER (ORDER BY x.line COLLATE "C"), x.line
           FROM (SELECT (CASE WHEN j ? 'relation'
                              THEN j || jsonb_build_object('relation', regexp_replace(j ->> 'relation', '^[a-z_]+\.', ''))
                              ELSE j END)::text AS line
                 FROM (SELECT to_jsonb(v) AS j FROM v) AS y) AS x$q$, relation);
END $$;

-- What differs between two relations that must be equal row for row (NULL: nothing).
CREATE FUNCTION citus_views.difference(expected text, actual text) RETURNS text
LANGUAGE sql AS $$
    SELECT string_agg(format('  row %s: %s | %s', d.n, coalesce(d.e, '(none)'), coalesce(d.a, '(none)')), E'\n' ORDER BY d.n)
    FROM (SELECT n, e.line AS e, a.line AS a
          FROM citus_views.rows(expected) AS e FULL JOIN citus_views.rows(actual) AS a USING (n)
          WHERE e.line IS DISTINCT FROM a.line ORDER BY n LIMIT 3) AS d
$$;

-- Compares every relation of a set of views with its counterpart in another set; one line
-- per problem: a relation made in one set only, or different rows. (A materialized set has
-- helpers of summaries that a plain one does without: a helper made only in the
-- materialized one of a plain and a materialized set is no problem.)
CREATE FUNCTION citus_views.compare(expected name, actual name, stage text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    problem text;
BEGIN
    FOR v IN SELECT view_name, e.relation_schema AS e_schema, a.relation_schema AS a_schema,
                    coalesce(e.internal, a.internal) AND
                    (SELECT bool_or(k.materialized) FROM csmetrics.kpi_views k WHERE k.target_schema = expected)
                    <> (SELECT bool_or(k.materialized) FROM csmetrics.kpi_views k WHERE k.target_schema = actual) AS mat_helper
             FROM (SELECT * FROM csmetrics.kpi_views WHERE target_schema = expected) e
             FULL JOIN (SELECT * FROM csmetrics.kpi_views WHERE target_schema = actual) a USING (view_name)
             ORDER BY coalesce(e.position, a.position) LOOP
        CONTINUE WHEN (v.e_schema IS NULL OR v.a_schema IS NULL) AND v.mat_helper;
        IF v.e_schema IS NULL OR v.a_schema IS NULL THEN
            RETURN NEXT format('%s: %s made in %s only', stage, v.view_name, CASE WHEN v.e_schema IS NULL THEN actual ELSE expected END);
            CONTINUE;
        END IF;
        problem := citus_views.difference(format('%I.%I', v.e_schema, v.view_name), format('%I.%I', v.a_schema, v.view_name));
        IF problem IS NOT NULL THEN
            RETURN NEXT format(E'%s: %s differs (%s | %s)\n%s', stage, v.view_name, expected, actual, problem);
        END IF;
    END LOOP;
END $$;

-- The models of the views that need one: signal measures of every aggregation (one a points
-- measure) beside the built-in ones, and an onboarding model with required milestones.
INSERT INTO csmetrics.health_measures (measure, weight, higher_is_better, normalization, lower_bound, upper_bound, signal, aggregation, look_back, impact) VALUES
    ('logins', 20, true, 'rank', NULL, NULL, 'login', 'sum', NULL, NULL),
    ('seats', 10, true, 'bounds', 0, 40, NULL, 'latest', '90 days', NULL),
    ('seat_avg', 5, false, 'rank', NULL, NULL, 'seats', 'avg', '1 year', NULL),
    ('last_login', 10, false, 'bounds', 0, 60, 'login', 'days_since', '1 year', NULL),
    ('features', 5, true, 'rank', NULL, NULL, 'feature_adopted', 'count', NULL, NULL),
    ('sponsor_change', 1, true, 'rank', NULL, NULL, 'sponsor_left', 'count', '6 months', -30);
INSERT INTO csmetrics.onboarding_milestones (milestone, weight, required) VALUES
    ('signed_in', 1, true), ('invited_team', 2, true), ('first_report', 3, false), ('integration', 4, false);

-- The four sets. The local ones first: create_kpi_views() reads the registration.
SELECT 'local sources: ' || citus_views.register('local_crm') AS registered;
SELECT count(*) AS local_plain FROM create_kpi_views('local_plain', 'month', false, 'America/New_York');
SELECT count(*) AS local_mat FROM create_kpi_views('local_mat', 'month', true, 'America/New_York');
SELECT 'distributed sources: ' || citus_views.register('crm') AS registered;
SELECT count(*) AS dist_plain FROM create_kpi_views('dist_plain', 'month', false, 'America/New_York');
SELECT count(*) AS dist_mat FROM create_kpi_views('dist_mat', 'month', true, 'America/New_York');

-- Every view of the registry is made (with its _by_segment variant), or this test does not
-- cover it: its sources must be added to citus_data.sql.
CREATE TEMP TABLE problems AS
SELECT format('%s is not made over the test data (add its sources to citus_data.sql)', r.name) AS problem
FROM (SELECT csmetrics.kpi_render(g.view_name, '{"grain_name": "month"}') || s.suffix AS name
      FROM csmetrics.kpi_registry g CROSS JOIN LATERAL unnest(CASE WHEN g.by_segment THEN ARRAY['', '_by_segment'] ELSE ARRAY[''] END) AS s(suffix)
      WHERE NOT g.internal) r
WHERE NOT EXISTS (SELECT FROM csmetrics.kpi_views v WHERE v.target_schema IN ('dist_plain', 'dist_mat') AND v.view_name = r.name);

INSERT INTO problems SELECT citus_views.compare('local_plain', 'dist_plain', 'created');
INSERT INTO problems SELECT citus_views.compare('local_mat', 'dist_mat', 'created');
INSERT INTO problems SELECT citus_views.compare('local_plain', 'local_mat', 'created');
SELECT format('%s relations in each set compared after create_kpi_views()', count(*)) AS compared
FROM csmetrics.kpi_views WHERE target_schema = 'dist_plain';

-- The same changes in both schemas: a customer leaves, another comes back, new answers (two
-- at the same instant), a ticket resolved, an invoice paid, a customer's duplicate row.
DO $$
DECLARE
    s text;
BEGIN
    FOREACH s IN ARRAY ARRAY['local_crm', 'crm'] LOOP
        EXECUTE format($q$
            UPDATE %1$I.subscriptions SET ended_at = date '2024-11-20' WHERE customer_id IN (3, 33, 333) AND ended_at IS NULL;
            INSERT INTO %1$I.subscriptions VALUES (910001, 44, '2024-10-05', NULL, 321.50), (910002, 444, '2024-11-01', NULL, 99);
            DELETE FROM %1$I.subscriptions WHERE customer_id = 55;
            INSERT INTO %1$I.survey_responses VALUES (910001, 66, '2024-12-20 08:00+00', 'nps', 10), (910002, 66, '2024-12-20 08:00+00', 'nps', 2),
                                                     (910003, 67, '2024-12-21 09:30+00', 'csat', 5);
            UPDATE %1$I.tickets SET resolved_at = timestamptz '2025-01-02 10:00+00' WHERE resolved_at IS NULL AND customer_id %% 5 = 0;
            UPDATE %1$I.invoices SET paid_at = due_at + 3 WHERE paid_at IS NULL AND customer_id %% 3 = 0;
            INSERT INTO %1$I.customers VALUES (88, 'customer 88, entered twice', NULL);$q$, s);
    END LOOP;
END $$;
SELECT sum(csmetrics.refresh_kpi_views(s)) AS refreshed FROM unnest(ARRAY['local_mat', 'dist_mat']) AS s;
INSERT INTO problems SELECT citus_views.compare('local_plain', 'dist_plain', 'changed');
INSERT INTO problems SELECT citus_views.compare('local_mat', 'dist_mat', 'refreshed');
INSERT INTO problems SELECT citus_views.compare('local_plain', 'local_mat', 'refreshed');

-- The plan of a query over distributed tables, split into what the worker tasks run (one
-- text per task shown: the query sent to the worker and its plan there) and what the
-- coordinator runs (everything else, its own tasks too).
CREATE FUNCTION citus_views.plan_parts(query text, OUT worker_tasks text[], OUT coordinator text)
LANGUAGE plpgsql AS $$
DECLARE
    coordinator_port int := (SELECT nodeport FROM pg_dist_node WHERE groupid = 0);
    plan text[] := '{}';
    line text;
    depth int;
    task_depth int;         -- indentation of the task being read; NULL outside a task
    on_worker boolean;      -- whether that task runs on a worker (its Node line says)
    task text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
        plan := plan || line;
    END LOOP;
    worker_tasks := '{}';
    coordinator := '';
    -- the plan's lines, then a NULL that ends the last task
    FOREACH line IN ARRAY plan || NULL::text LOOP
        depth := length(line) - length(ltrim(line));
        IF task_depth IS NOT NULL AND (line IS NULL OR depth <= task_depth) THEN
            IF on_worker THEN
                worker_tasks := worker_tasks || task;
            ELSE
                coordinator := coordinator || task;
            END IF;
            task_depth := NULL;
        END IF;
        CONTINUE WHEN line IS NULL;
        IF task_depth IS NULL AND line ~ '^\s*->  Task$' THEN
            task_depth := depth;
            task := '';
            on_worker := false;
        ELSIF task_depth IS NOT NULL AND line ~ '^\s*Node: host=\S+ port=\d+' THEN
            on_worker := substring(line FROM 'port=(\d+)')::int <> coordinator_port;
        END IF;
        IF task_depth IS NOT NULL THEN
            task := task || line || E'\n';
        ELSE
            coordinator := coordinator || line || E'\n';
        END IF;
    END LOOP;
END $$;

-- The per-customer step of each heavy view: patterns that one worker task must show all of
-- (it reads the shard of the customers' source rows and does the step there), and what the
-- coordinator must do (combine partial states of a series).
CREATE TABLE citus_views.steps (
    view_name   text PRIMARY KEY,
    step        text NOT NULL,
    in_a_task   text[] NOT NULL,
    coordinator text
);
INSERT INTO citus_views.steps VALUES
    ('mrr_by_month', 'each customer''s MRR path, and the movements of the shard''s paths',
     ARRAY['subscriptions_\d+', 'csmetrics\.mrr_path\(', 'worker_partial_agg\('], 'coord_combine_agg\('),
    ('customer_flow_by_month', 'each customer''s spans, and the flows of the shard''s spans',
     ARRAY['subscriptions_\d+', 'WindowAgg', 'worker_partial_agg\('], 'coord_combine_agg\('),
    ('customer_mrr_movements', 'each customer''s MRR path, unfolded into its movements',
     ARRAY['subscriptions_\d+', 'csmetrics\.mrr_path\(', 'csmetrics\.kpi_mrr_movement_rows\('], NULL),
    ('ltv', 'each customer''s spans',
     ARRAY['subscriptions_\d+', 'WindowAgg'], NULL),
    ('customer_health', 'each customer''s measures: usage, latest answer, tickets, days late, in force',
     ARRAY['usage_events_\d+', 'survey_responses_\d+', 'tickets_\d+', 'invoices_\d+', 'subscriptions_\d+', 'Unique'], NULL);

INSERT INTO problems
SELECT format(E'%s: the per-customer step (%s) is not in one worker task, or the coordinator does not combine states\n%s',
              s.view_name, s.step, (SELECT string_agg(l, E'\n') FROM unnest(string_to_array(p.coordinator, E'\n')) l WHERE l <> ''))
FROM citus_views.steps s
CROSS JOIN LATERAL citus_views.plan_parts(format('SELECT * FROM dist_plain.%I', s.view_name)) p
WHERE NOT EXISTS (SELECT FROM unnest(p.worker_tasks) t WHERE (SELECT bool_and(t ~ pattern) FROM unnest(s.in_a_task) pattern))
   OR p.coordinator !~ coalesce(s.coordinator, '');
SELECT format('plans checked: %s', string_agg(view_name, ', ' ORDER BY view_name)) AS plans FROM citus_views.steps;

SELECT problem FROM problems;
DO $$
BEGIN
    IF EXISTS (SELECT FROM problems) THEN
        RAISE EXCEPTION 'KPI views over distributed tables: % problems (listed above)', (SELECT count(*) FROM problems);
    END IF;
END $$;

-- views/actions.sql: customer_actions, what the customer-success team should do next with each
-- customer (the "plays" of the playbooks), following the rules in the action_rules table.
--
-- Each rule turns a fact of the KPI views or the sources into an open action: a red health
-- score into an account review, a detractor's answer into a call, an unpaid invoice into a
-- reminder. An action is open while its trigger still holds, as of the latest event in the
-- data (never later than now): a later answer replaces an earlier one, a paid invoice or a
-- recovered score closes the action.

-- The rules. One row per action code, always all of them: a rule is switched off, not
-- deleted (a deleted default would come back with the next CREATE EXTENSION of a restore).
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

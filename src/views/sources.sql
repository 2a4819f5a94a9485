-- views/sources.sql: the kinds of CRM source, their registration, and one clean relation per
-- registered source.
--
-- The user registers which table or view holds each kind of CRM data and which of its
-- columns play each canonical role. Every KPI view reads a source through its clean
-- relation (a plain view in the companion schema): the canonical columns, each instant also
-- as a local date in the views' time zone, the customer's segment, and only the rows that
-- pass the checks of source_checks; data_issues lists the others, from the same checks.
-- A new source kind = its rows in source_columns and source_checks.

---------------------------------------------------------------------------------------------
-- Catalog of source kinds and their canonical columns (static, shipped with the extension).

CREATE TABLE @extschema@.source_columns (
    kind        text    NOT NULL,
    role        text    NOT NULL,
    required    boolean NOT NULL,
    type_class  text    NOT NULL CHECK (type_class IN ('id', 'text', 'timestamp', 'number', 'integer', 'boolean')),
    position    int     NOT NULL,
    description text    NOT NULL,
    PRIMARY KEY (kind, role)
);
COMMENT ON TABLE @extschema@.source_columns IS 'csmetrics: the kinds of CRM source register_source() accepts and the canonical columns (roles) of each; read-only reference';
COMMENT ON COLUMN @extschema@.source_columns.kind IS 'source kind, the first argument of register_source()';
COMMENT ON COLUMN @extschema@.source_columns.role IS 'canonical column name; map it to your column with the columns argument';
COMMENT ON COLUMN @extschema@.source_columns.required IS 'true when the relation must have this column';
COMMENT ON COLUMN @extschema@.source_columns.type_class IS 'accepted column types: id/text (any), timestamp (date, timestamp, timestamptz), number (integer, numeric, float), integer (integer types, numeric), boolean';
COMMENT ON COLUMN @extschema@.source_columns.position IS 'order of the column in the generated views';
COMMENT ON COLUMN @extschema@.source_columns.description IS 'what the column holds';

INSERT INTO @extschema@.source_columns (kind, role, required, type_class, position, description) VALUES
    ('customers', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('customers', 'name', false, 'text', 2, 'customer name'),
    ('customers', 'segment', false, 'text', 3, 'segment (plan, size, region); enables the _by_segment views'),
    ('subscriptions', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('subscriptions', 'started_at', true, 'timestamp', 2, 'start of the subscription (inclusive)'),
    ('subscriptions', 'ended_at', true, 'timestamp', 3, 'end of the subscription (exclusive); NULL while active'),
    ('subscriptions', 'mrr', true, 'number', 4, 'monthly recurring revenue of the subscription'),
    ('subscriptions', 'churn_reason', false, 'text', 5, 'why the subscription ended (competitor, price, closed...); NULL when unknown (shown as unknown by the churn_by_reason views)'),
    ('survey_responses', 'customer_id', true, 'id', 1, 'customer identifier (NULL for anonymous answers)'),
    ('survey_responses', 'responded_at', true, 'timestamp', 2, 'when the answer was given'),
    ('survey_responses', 'score', true, 'integer', 3, 'the score: NPS/eNPS 0..10, CSAT 1..5, CES 1..7'),
    ('survey_responses', 'survey', false, 'text', 4, 'nps, csat, ces or enps (default nps)'),
    ('tickets', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('tickets', 'opened_at', true, 'timestamp', 2, 'when the ticket was opened'),
    ('tickets', 'resolved_at', true, 'timestamp', 3, 'when it was resolved; NULL while open'),
    ('tickets', 'contacts', false, 'integer', 4, 'number of contacts needed; 1 = first contact resolution'),
    ('tickets', 'first_contact_resolved', false, 'boolean', 5, 'resolved in the first contact'),
    ('invoices', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('invoices', 'due_at', true, 'timestamp', 2, 'due date'),
    ('invoices', 'paid_at', true, 'timestamp', 3, 'payment date; NULL while unpaid'),
    ('invoices', 'amount', true, 'number', 4, 'invoiced amount'),
    ('usage_events', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('usage_events', 'occurred_at', true, 'timestamp', 2, 'when the event happened'),
    ('usage_events', 'quantity', false, 'number', 3, 'amount of usage (default 1 per event)'),
    ('renewals', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('renewals', 'due_at', true, 'timestamp', 2, 'when the contract was up for renewal'),
    ('renewals', 'renewed', true, 'boolean', 3, 'whether it was renewed'),
    ('renewals', 'amount', false, 'number', 4, 'contract value up for renewal'),
    ('trials', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('trials', 'started_at', true, 'timestamp', 2, 'start of the trial'),
    ('trials', 'converted_at', true, 'timestamp', 3, 'when the trial became a paid customer; NULL if not'),
    ('costs', 'incurred_at', true, 'timestamp', 1, 'when the cost was incurred'),
    ('costs', 'amount', true, 'number', 2, 'amount'),
    ('costs', 'kind', true, 'text', 3, 'success (customer retention) or acquisition'),
    ('milestones', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('milestones', 'milestone', true, 'text', 2, 'the onboarding milestone reached, by its name in csmetrics.onboarding_milestones'),
    ('milestones', 'reached_at', true, 'timestamp', 3, 'when the customer reached it'),
    ('signals', 'customer_id', true, 'id', 1, 'customer identifier'),
    ('signals', 'occurred_at', true, 'timestamp', 2, 'when the signal happened or was measured'),
    ('signals', 'signal', true, 'text', 3, 'name of the signal (logins, feature_adopted, sponsor_left...); health_measures rows name it'),
    ('signals', 'value', false, 'number', 4, 'the value measured, non-negative (default 1 per occurrence; a NULL value counts as 1)');
GRANT SELECT ON @extschema@.source_columns TO PUBLIC;

-- Registered sources (a configuration table, kept by pg_dump). The relation is a regclass: pg_dump writes it as a qualified name and
-- restore reads the name back, so registrations survive the new OIDs of a restore.
CREATE TABLE @extschema@.sources (
    kind          text        PRIMARY KEY,
    relation      regclass    NOT NULL,
    columns       jsonb       NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.sources IS 'csmetrics: registered CRM sources (written by register_source(); kept by pg_dump)';
COMMENT ON COLUMN @extschema@.sources.kind IS 'source kind (see csmetrics.source_columns)';
COMMENT ON COLUMN @extschema@.sources.relation IS 'the table, view, materialized view or foreign table holding the data';
COMMENT ON COLUMN @extschema@.sources.columns IS 'canonical role -> column name, for every role the relation provides';
COMMENT ON COLUMN @extschema@.sources.registered_at IS 'when the source was (re)registered';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sources', '');

---------------------------------------------------------------------------------------------
-- Registration.

-- Whether a column of type typ (a domain counts as its base type) can play a role of class.
CREATE FUNCTION @extschema@.kpi_type_fits(typ oid, type_class text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE type_class
        WHEN 'timestamp' THEN b IN ('pg_catalog.date'::pg_catalog.regtype, 'pg_catalog.timestamp'::pg_catalog.regtype,
                                    'pg_catalog.timestamptz'::pg_catalog.regtype)
        WHEN 'number' THEN b IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                                 'pg_catalog.int8'::pg_catalog.regtype, 'pg_catalog.numeric'::pg_catalog.regtype,
                                 'pg_catalog.float4'::pg_catalog.regtype, 'pg_catalog.float8'::pg_catalog.regtype)
        WHEN 'integer' THEN b IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                                  'pg_catalog.int8'::pg_catalog.regtype, 'pg_catalog.numeric'::pg_catalog.regtype)
        WHEN 'boolean' THEN b OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype
        -- ids and labels are read as text: a scalar value, not a document, row or array
        ELSE NOT (b IN ('pg_catalog.json'::pg_catalog.regtype, 'pg_catalog.jsonb'::pg_catalog.regtype)
                  OR bt.typtype IN ('c', 'p') OR bt.typcategory OPERATOR(pg_catalog.=) 'A')
    END
    FROM (SELECT CASE WHEN t.typtype OPERATOR(pg_catalog.=) 'd' THEN t.typbasetype ELSE t.oid END::pg_catalog.regtype AS b
          FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) typ) s
    JOIN pg_catalog.pg_type bt ON bt.oid OPERATOR(pg_catalog.=) s.b
$$;
COMMENT ON FUNCTION @extschema@.kpi_type_fits(oid, text) IS 'csmetrics internal: whether a column type is usable for a canonical role of the given type class';

-- The SQL type a role of class is cast to in the views.
CREATE FUNCTION @extschema@.kpi_role_type(type_class text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE type_class
        WHEN 'timestamp' THEN 'pg_catalog.timestamptz'
        WHEN 'number' THEN 'pg_catalog.numeric'
        WHEN 'integer' THEN 'pg_catalog.numeric'
        WHEN 'boolean' THEN 'pg_catalog.bool'
        ELSE 'pg_catalog.text'
    END
$$;
COMMENT ON FUNCTION @extschema@.kpi_role_type(text) IS 'csmetrics internal: the type a canonical column of the given type class has in the generated views';

-- Checks a registration and returns the resolved role -> column map; raises one error
-- listing every problem found. relation is NULL when relation_name did not resolve.
CREATE FUNCTION @extschema@.kpi_check_source(kind text, relation regclass, relation_name text, columns jsonb)
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
COMMENT ON FUNCTION @extschema@.kpi_check_source(text, regclass, text, jsonb) IS 'csmetrics internal: validates a registration and returns the resolved column map; reports every problem in one error';

-- Validates a source registration and records (or replaces) it. relation is NULL when
-- relation_name did not resolve.
CREATE FUNCTION @extschema@.kpi_register(kind text, relation regclass, relation_name text, columns jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    resolved jsonb := @extschema@.kpi_check_source(kind, relation, relation_name, columns);
BEGIN
    INSERT INTO @extschema@.sources AS s (kind, relation, columns)
    VALUES (kind, relation, resolved)
    ON CONFLICT ON CONSTRAINT sources_pkey
    DO UPDATE SET relation = EXCLUDED.relation, columns = EXCLUDED.columns, registered_at = now();
END $$;
COMMENT ON FUNCTION @extschema@.kpi_register(text, regclass, text, jsonb) IS 'csmetrics internal: validates and records a source registration';

-- Registers the relation holding one kind of CRM data.
CREATE FUNCTION @extschema@.register_source(kind text, relation regclass, columns jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql AS $$
    SELECT @extschema@.kpi_register(kind, relation, relation::pg_catalog.text, columns)
$$;
COMMENT ON FUNCTION @extschema@.register_source(text, regclass, jsonb) IS 'Registers the relation holding one kind of CRM data (customers, subscriptions, survey_responses, tickets, invoices, usage_events, renewals, trials, costs, milestones, signals); columns maps canonical names to column names. Validates everything and reports every problem in one error';

-- Registers a source given by name. Deliberately SQL without a pinned search_path: the name
-- is resolved with the caller's search_path, as a regclass literal would be; everything the
-- body calls is schema-qualified.
CREATE FUNCTION @extschema@.register_source(kind text, relation text, columns jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql AS $$
    SELECT @extschema@.kpi_register(kind, pg_catalog.to_regclass(relation), relation, columns)
$$;
COMMENT ON FUNCTION @extschema@.register_source(text, text, jsonb) IS 'Registers a source given by name: like register_source(kind, regclass, columns), but a missing relation is reported together with the other problems';

-- Forgets the source of one kind.
CREATE FUNCTION @extschema@.unregister_source(kind text) RETURNS boolean
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM @extschema@.sources s WHERE s.kind OPERATOR(pg_catalog.=) unregister_source.kind RETURNING 1)
    SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 FROM d
$$;
COMMENT ON FUNCTION @extschema@.unregister_source(text) IS 'Removes the registration of a source kind; returns whether there was one';


---------------------------------------------------------------------------------------------
-- Checks: what keeps a source row out of the KPIs (static, shipped with the extension).

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

---------------------------------------------------------------------------------------------
-- Clean sources. Every identifier that comes from the user goes through quote_ident() or
-- quote_literal(); user text is never pasted into SQL.

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

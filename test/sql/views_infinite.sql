-- Values that are no point in time or no number: infinite instants ('infinity',
-- '-infinity'), which have no period, so that a view counting them would have a period series
-- without end; and NaN or infinite numbers, whose sums are no amount. Every timestamp role
-- and every number role of every kind has a check that leaves such a row out and lists it in
-- data_issues; every view then reads as if the row were not there. (Before these checks, one
-- such row made the subscription views fail with "periods must not be NULL" or "mrr NaN is
-- not a finite amount", customer_health with "measure 1 is NaN", customer_actions with
-- "cannot subtract infinite dates", and the health validation write temporary files until
-- the disk was full.)
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
CREATE SCHEMA infinite_src;

-- Each timestamp role of each kind has its check, worded the same way.
SELECT c.kind, c.role, k.problem, k.bad_when
FROM source_columns c
LEFT JOIN source_checks k ON k.kind = c.kind AND k.bad_when = format('NOT isfinite(x.%s)', c.role)
WHERE c.type_class = 'timestamp'
ORDER BY c.kind, c.position;
-- Each number role too (survey scores are whole numbers within their survey's range, which
-- NaN and infinities are not).
SELECT c.kind, c.role, string_agg(k.problem, '; ' ORDER BY k.position) AS problems
FROM source_columns c
LEFT JOIN source_checks k ON k.kind = c.kind AND (k.bad_when LIKE format('%%kpi_finite_number(x.%s)', c.role)
                                                  OR k.bad_when LIKE format('%%x.%s NOT BETWEEN%%', c.role))
WHERE c.type_class IN ('number', 'integer')
GROUP BY c.kind, c.role, c.position
ORDER BY c.kind, c.position;

-- A small CRM with every kind of source; every instant finite.
CREATE TABLE infinite_src.customers (customer_id int, name text, segment text);
INSERT INTO infinite_src.customers VALUES (1, 'Ada', 'smb'), (2, 'Bo', 'enterprise');
CREATE TABLE infinite_src.subscriptions (customer_id int, started_at timestamptz, ended_at timestamptz, mrr numeric, churn_reason text);
INSERT INTO infinite_src.subscriptions VALUES (1, '2024-01-01', '2024-06-01', 10, 'price'), (2, '2024-02-01', NULL, 20, NULL);
CREATE TABLE infinite_src.survey_responses (customer_id int, responded_at timestamptz, score int, survey text);
INSERT INTO infinite_src.survey_responses VALUES (1, '2024-03-01', 9, 'nps'), (2, '2024-03-02', 4, 'csat');
CREATE TABLE infinite_src.tickets (customer_id int, opened_at timestamptz, resolved_at timestamptz, contacts numeric, first_contact_resolved boolean);
INSERT INTO infinite_src.tickets VALUES (1, '2024-03-01', '2024-03-02', 1, true);
CREATE TABLE infinite_src.invoices (customer_id int, due_at timestamptz, paid_at timestamptz, amount numeric);
INSERT INTO infinite_src.invoices VALUES (1, '2024-03-01', '2024-03-05', 10);
CREATE TABLE infinite_src.usage_events (customer_id int, occurred_at timestamptz, quantity numeric);
INSERT INTO infinite_src.usage_events VALUES (1, '2024-03-01', 3);
CREATE TABLE infinite_src.renewals (customer_id int, due_at timestamptz, renewed boolean, amount numeric);
INSERT INTO infinite_src.renewals VALUES (1, '2024-05-01', true, 100);
CREATE TABLE infinite_src.trials (customer_id int, started_at timestamptz, converted_at timestamptz);
INSERT INTO infinite_src.trials VALUES (1, '2023-12-01', '2024-01-01');
CREATE TABLE infinite_src.costs (incurred_at timestamptz, amount numeric, kind text);
INSERT INTO infinite_src.costs VALUES ('2024-03-01', 100, 'success');
CREATE TABLE infinite_src.signals (customer_id int, occurred_at timestamptz, signal text, value numeric);
INSERT INTO infinite_src.signals VALUES (1, '2024-03-01', 'login', 1);
CREATE TABLE infinite_src.milestones (customer_id int, milestone text, reached_at timestamptz);
SELECT count(register_source(k, 'infinite_src.' || k)) AS registered
FROM unnest(ARRAY['customers', 'subscriptions', 'survey_responses', 'tickets', 'invoices', 'usage_events',
                  'renewals', 'trials', 'costs', 'signals', 'milestones']) AS k;
SET client_min_messages = warning;
SELECT count(*) > 30 AS views_made FROM create_kpi_views(target_schema => 'infinite_kpi', time_zone => 'UTC');
SELECT count(*) > 30 AS views_made FROM create_kpi_views(target_schema => 'infinite_mat', time_zone => 'UTC', materialized => true);
RESET client_min_messages;

-- A fingerprint of every row of every view of a set, and the views that fail to read.
CREATE FUNCTION infinite_src.read_all(target name) RETURNS TABLE (view_name name, fingerprint text, failure text)
LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT k.relation_schema, k.view_name AS name FROM kpi_views k
             WHERE k.target_schema = target AND NOT k.internal AND k.view_name <> 'data_issues' ORDER BY k.position LOOP
        view_name := v.name;
        fingerprint := NULL; failure := NULL;
        BEGIN
            EXECUTE format('SELECT md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM %I.%I AS t',
                           v.relation_schema, v.name) INTO fingerprint;
        EXCEPTION WHEN others THEN
            failure := SQLSTATE || ': ' || SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
CREATE TEMP TABLE finite_plain AS SELECT * FROM infinite_src.read_all('infinite_kpi');
CREATE TEMP TABLE finite_mat AS SELECT * FROM infinite_src.read_all('infinite_mat');
SELECT count(*) AS views, count(*) FILTER (WHERE failure IS NOT NULL) AS failing FROM finite_plain;

-- One infinite instant in each timestamp role of each kind (two in some).
INSERT INTO infinite_src.subscriptions VALUES (1, '2024-07-01', 'infinity', 5, NULL), (2, '-infinity', '2024-01-01', 5, NULL);
INSERT INTO infinite_src.survey_responses VALUES (1, 'infinity', 9, 'nps'), (2, '-infinity', 5, 'nps');
INSERT INTO infinite_src.tickets VALUES (1, 'infinity', NULL, 1, true), (2, '2024-03-01', 'infinity', 1, false);
INSERT INTO infinite_src.invoices VALUES (1, 'infinity', NULL, 10), (2, '2024-03-01', 'infinity', 5);
INSERT INTO infinite_src.usage_events VALUES (1, 'infinity', 3), (2, '-infinity', 1);
INSERT INTO infinite_src.renewals VALUES (1, 'infinity', false, 1);
INSERT INTO infinite_src.trials VALUES (1, 'infinity', NULL), (2, '2024-01-01', 'infinity');
INSERT INTO infinite_src.costs VALUES ('infinity', 1, 'success');
INSERT INTO infinite_src.signals VALUES (1, 'infinity', 'login', 1);
INSERT INTO infinite_src.milestones VALUES (1, 'first_login', '-infinity');
-- NaN in each number role.
INSERT INTO infinite_src.subscriptions VALUES (2, '2024-03-01', NULL, 'NaN', NULL);
INSERT INTO infinite_src.tickets VALUES (2, '2024-04-01', NULL, 'NaN', NULL);
INSERT INTO infinite_src.invoices VALUES (2, '2024-04-01', '2024-04-02', 'NaN');
INSERT INTO infinite_src.usage_events VALUES (2, '2024-04-01', 'NaN');
INSERT INTO infinite_src.renewals VALUES (2, '2024-06-01', false, 'NaN');
INSERT INTO infinite_src.costs VALUES ('2024-04-01', 'NaN', 'acquisition');
INSERT INTO infinite_src.signals VALUES (2, '2024-04-01', 'login', 'NaN');
-- Infinite numbers, where numeric has them (PostgreSQL 14 on); listed below only by count,
-- so that the output is the same on every major.
DO $$
BEGIN
    INSERT INTO infinite_src.subscriptions VALUES (2, '2024-03-01', NULL, 'Infinity', NULL);
    INSERT INTO infinite_src.invoices VALUES (2, '2024-04-01', '2024-04-02', '-Infinity');
    INSERT INTO infinite_src.usage_events VALUES (2, '2024-04-01', 'Infinity');
    INSERT INTO infinite_src.renewals VALUES (2, '2024-06-01', false, 'Infinity');
    INSERT INTO infinite_src.costs VALUES ('2024-04-01', 'Infinity', 'acquisition');
    INSERT INTO infinite_src.signals VALUES (2, '2024-04-01', 'login', 'Infinity');
EXCEPTION WHEN invalid_text_representation THEN
    NULL;    -- PostgreSQL 13: no infinite numeric
END $$;

-- data_issues lists each of those rows, with the role at fault.
SELECT source, customer_id, problem FROM infinite_kpi.data_issues
WHERE source_row NOT LIKE '%Infinity%' ORDER BY source, problem, customer_id;
SELECT count(*) FILTER (WHERE source_row LIKE '%Infinity%') = CASE WHEN current_setting('server_version_num')::int >= 140000 THEN 7 ELSE 0 END
       AS infinite_numbers_listed
FROM infinite_kpi.data_issues;

-- Every view reads, and gives the rows it gave without them: plain views at once, the
-- materialized set after a refresh.
SELECT count(*) AS views,
       count(*) FILTER (WHERE a.failure IS NOT NULL) AS failing,
       count(*) FILTER (WHERE a.fingerprint IS DISTINCT FROM b.fingerprint) AS changed
FROM infinite_src.read_all('infinite_kpi') a JOIN finite_plain b USING (view_name);
SET client_min_messages = warning;    -- the time each view took
SELECT refresh_kpi_views('infinite_mat') > 30 AS refreshed;
RESET client_min_messages;
SELECT count(*) AS views,
       count(*) FILTER (WHERE a.failure IS NOT NULL) AS failing,
       count(*) FILTER (WHERE a.fingerprint IS DISTINCT FROM b.fingerprint) AS changed
FROM infinite_src.read_all('infinite_mat') a JOIN finite_mat b USING (view_name);
SELECT (SELECT count(*) FROM infinite_mat.data_issues) = (SELECT count(*) FROM infinite_kpi.data_issues) AS materialized_issues_agree;

-- Floating-point columns hold infinities on every major, PostgreSQL 13 too, where numeric
-- has none: a float mrr, amount, quantity or value is checked as it is stored, and made a
-- numeric only once its row has passed (on 13 the cast of an infinity fails, and did, before
-- any check saw the row). The same sources with those columns as float8 (float4 for the
-- invoices; their rows with an infinite numeric left out, then an infinity of each sign added
-- to each) give the same issues and the same views.
CREATE FUNCTION infinite_src.finite_or_nan(x numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT x IS NULL OR x - x = 0 OR x = 'NaN' $$;
CREATE TABLE infinite_src.subscriptions_f AS
SELECT customer_id, started_at, ended_at, mrr::float8 AS mrr, churn_reason FROM infinite_src.subscriptions WHERE infinite_src.finite_or_nan(mrr);
INSERT INTO infinite_src.subscriptions_f VALUES (2, '2024-03-01', NULL, 'Infinity', NULL), (1, '2024-03-01', NULL, '-Infinity', NULL);
CREATE TABLE infinite_src.invoices_f AS
SELECT customer_id, due_at, paid_at, amount::float4 AS amount FROM infinite_src.invoices WHERE infinite_src.finite_or_nan(amount);
INSERT INTO infinite_src.invoices_f VALUES (2, '2024-04-01', '2024-04-02', '-Infinity'), (1, '2024-04-01', NULL, 'Infinity');
CREATE TABLE infinite_src.usage_events_f AS
SELECT customer_id, occurred_at, quantity::float8 AS quantity FROM infinite_src.usage_events WHERE infinite_src.finite_or_nan(quantity);
INSERT INTO infinite_src.usage_events_f VALUES (2, '2024-04-01', 'Infinity'), (1, '2024-03-01', '-Infinity');
CREATE TABLE infinite_src.renewals_f AS
SELECT customer_id, due_at, renewed, amount::float8 AS amount FROM infinite_src.renewals WHERE infinite_src.finite_or_nan(amount);
INSERT INTO infinite_src.renewals_f VALUES (2, '2024-06-01', false, 'Infinity'), (1, '2024-05-01', true, '-Infinity');
CREATE TABLE infinite_src.costs_f AS
SELECT incurred_at, amount::float8 AS amount, kind FROM infinite_src.costs WHERE infinite_src.finite_or_nan(amount);
INSERT INTO infinite_src.costs_f VALUES ('2024-04-01', 'Infinity', 'acquisition'), ('2024-03-01', '-Infinity', 'success');
CREATE TABLE infinite_src.signals_f AS
SELECT customer_id, occurred_at, signal, value::float8 AS value FROM infinite_src.signals WHERE infinite_src.finite_or_nan(value);
INSERT INTO infinite_src.signals_f VALUES (2, '2024-04-01', 'login', 'Infinity'), (1, '2024-03-01', 'login', '-Infinity');
SELECT count(register_source(k, format('infinite_src.%s_f', k))) AS registered_as_float
FROM unnest(ARRAY['subscriptions', 'invoices', 'usage_events', 'renewals', 'costs', 'signals']) AS k;
SET client_min_messages = warning;
SELECT count(*) > 30 AS views_made FROM create_kpi_views(target_schema => 'infinite_flt', time_zone => 'UTC');
RESET client_min_messages;
-- each infinity listed once, with the role at fault, beside the issues listed before
SELECT source, customer_id, problem, count(*) AS rows FROM infinite_flt.data_issues
WHERE source_row LIKE '%Infinity%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT (SELECT count(*) FROM infinite_flt.data_issues WHERE source_row NOT LIKE '%Infinity%')
       = (SELECT count(*) FROM infinite_kpi.data_issues WHERE source_row NOT LIKE '%Infinity%') AS other_issues_agree;
SELECT count(*) AS views,
       count(*) FILTER (WHERE a.failure IS NOT NULL) AS failing,
       count(*) FILTER (WHERE a.fingerprint IS DISTINCT FROM b.fingerprint) AS changed
FROM infinite_src.read_all('infinite_flt') a JOIN finite_plain b USING (view_name);
-- a condition on the clean column is no way around the checks: the infinite rows give NULL
-- there, never an error, and are not in the clean relation at all
SELECT count(*) AS rows, count(*) FILTER (WHERE mrr > 0) AS paying, count(*) FILTER (WHERE mrr IS NULL) AS without_mrr
FROM infinite_flt_internal.subscriptions;

\set ECHO none

SET client_min_messages = warning;
\i test/fixtures/views_reset.sql
DROP SCHEMA infinite_src, infinite_kpi, infinite_kpi_internal, infinite_mat, infinite_mat_internal, infinite_flt, infinite_flt_internal CASCADE;
RESET client_min_messages;

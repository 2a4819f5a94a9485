-- customer_actions on a small hand-made CRM: every rule fires once where it should, and the
-- cases already handled (a later answer, a paid invoice, a recovered score, an earlier
-- contraction, a renewal signed, a former customer) do not; the rules tuned in
-- action_rules; plain and materialized views; kpi_overview; the errors of action_rules; the
-- contraction and NPS rules against plain SQL on seeded random data.
-- Not echoed: the registry emptied (test/fixtures/views_reset.sql).
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET search_path = csmetrics, public;
SET timezone = 'UTC';
SET datestyle = 'ISO';

-- Health is the support measure alone here (tickets opened in the month, 0..5 mapped to
-- 100..0): 4 tickets give 20 (red), 2 give 60 (yellow), none 100 (green).
CREATE TABLE health_before AS SELECT * FROM health_measures;
UPDATE health_measures SET weight = CASE measure WHEN 'support' THEN 1 ELSE 0 END;
-- Usage is a points measure: 150 points per unit used in the month (health_points), so
-- Initech's one event in June makes it a power user (above 100 points: expansion_opportunity).
UPDATE health_measures SET impact = 150 WHERE measure = 'usage';

CREATE SCHEMA actions_crm;
CREATE TABLE actions_crm.customers (customer_id int, name text, segment text);
INSERT INTO actions_crm.customers VALUES
    (1, 'Acme', 'smb'), (2, 'Globex', 'ent'), (3, 'Initech', 'smb'), (4, 'Umbrella', 'ent'), (5, 'Hooli', 'smb'),
    (6, 'Stark', 'ent'), (7, 'Wayne', 'smb'), (8, 'Tyrell', 'ent'), (9, 'Cyberdyne', 'smb'), (10, 'Soylent', 'ent');
CREATE TABLE actions_crm.subscriptions (customer_id int, started_at date, ended_at date, mrr numeric);
INSERT INTO actions_crm.subscriptions
SELECT c, date '2024-01-01', NULL, 100 FROM generate_series(1, 10) c WHERE c NOT IN (5, 6, 9);
INSERT INTO actions_crm.subscriptions VALUES
    (5, '2024-01-01', '2025-06-10', 500), (5, '2025-06-10', NULL, 300),   -- Hooli: contraction in June
    (6, '2024-01-01', '2025-04-15', 800), (6, '2025-04-15', NULL, 600),   -- Stark: contraction in April only
    (9, '2024-01-01', '2025-04-30', 100);                                 -- Cyberdyne left in April
CREATE TABLE actions_crm.tickets (customer_id int, opened_at timestamptz, resolved_at timestamptz);
INSERT INTO actions_crm.tickets
SELECT c, d, d + interval '1 hour'
FROM (VALUES (1, timestamptz '2025-06-03 09:00'), (1, '2025-06-04 09:00'), (1, '2025-06-05 09:00'), (1, '2025-06-06 09:00'),
             (1, '2025-05-06 09:00'),
             (2, '2025-06-07 09:00'), (2, '2025-06-08 09:00'), (2, '2025-05-07 09:00'), (2, '2025-05-08 09:00'),
             (10, '2025-05-09 09:00'), (10, '2025-05-10 09:00'), (10, '2025-05-11 09:00')) AS t(c, d);
CREATE TABLE actions_crm.survey_responses (customer_id int, responded_at timestamptz, score int, survey text);
INSERT INTO actions_crm.survey_responses VALUES
    (1, '2025-06-02 10:00', 3, 'nps'),                                          -- detractor
    (2, '2025-06-01 09:00', 9, 'nps'), (2, '2025-06-01 09:00', 6, 'nps'),       -- same instant: the lower counts
    (3, '2025-05-15 16:30', 10, 'nps'),                                         -- promoter
    (4, '2025-03-01 08:00', 2, 'nps'), (4, '2025-06-05 11:00', 8, 'nps'),       -- a later passive answer
    (9, '2025-04-20 12:00', 2, 'nps'),                                          -- a former customer
    (7, '2025-06-06 12:00', 1, 'csat');                                         -- not an NPS answer
CREATE TABLE actions_crm.invoices (customer_id int, due_at date, paid_at date, amount numeric);
INSERT INTO actions_crm.invoices VALUES
    (7, '2025-06-01', NULL, 250.00), (7, '2025-06-20', NULL, 120.00),           -- two past due
    (7, '2025-05-01', '2025-05-03', 100.00),                                    -- paid
    (8, '2025-06-10', '2025-06-12', 90.00),                                     -- paid late, but paid
    (3, '2025-06-25', NULL, 80.00);                                             -- due today: not past due yet
CREATE TABLE actions_crm.renewals (customer_id int, due_at date, renewed boolean, amount numeric);
INSERT INTO actions_crm.renewals VALUES
    (2, '2025-07-25', false, 12000), (2, '2025-11-01', false, 5000),           -- the earlier one counts
    (8, '2025-07-10', true, 3000),                                              -- renewed
    (3, '2025-07-01', false, 2000),                                             -- healthy customer
    (1, '2025-12-01', false, 1500);                                             -- outside the 90 days
CREATE TABLE actions_crm.usage_events (customer_id int, occurred_at timestamptz);
INSERT INTO actions_crm.usage_events VALUES (3, '2025-06-25 12:00');            -- the latest event: as of 2025-06-25 12:00
-- Statistics, so that the planner sees ten customers (and does not compile the queries).
ANALYZE actions_crm.customers, actions_crm.subscriptions, actions_crm.tickets, actions_crm.survey_responses,
        actions_crm.invoices, actions_crm.renewals, actions_crm.usage_events;

SELECT register_source('customers', 'actions_crm.customers');
SELECT register_source('subscriptions', 'actions_crm.subscriptions');
SELECT register_source('tickets', 'actions_crm.tickets');
SELECT register_source('survey_responses', 'actions_crm.survey_responses');
SELECT register_source('invoices', 'actions_crm.invoices');
SELECT register_source('renewals', 'actions_crm.renewals');
SELECT register_source('usage_events', 'actions_crm.usage_events');
SELECT count(*) AS views_made FROM create_kpi_views('actions_kpi');

-- Default rules, as of 2025-06-25 12:00 (the latest event). Handled, so absent: Umbrella's
-- March detractor answer (a later 8 replaced it), Wayne's May invoice and Tyrell's invoice
-- (paid), Soylent's red May (recovered to 100), Stark's April contraction (not this month),
-- Tyrell's renewal (signed), Initech's renewal (healthy), Acme's December renewal (beyond
-- 90 days), Cyberdyne's detractor answer (left in April), Initech's invoice (due today).
SELECT * FROM actions_kpi.customer_actions ORDER BY priority, due_at, customer_id;
-- Health as the actions read it.
SELECT customer_id, health_score, health_band, health_trend FROM actions_kpi.customer_health ORDER BY customer_id::int;
SELECT open_actions, open_actions_priority_1, open_actions_priority_2, open_actions_priority_3, open_actions_priority_4
FROM actions_kpi.kpi_overview;
SELECT action, enabled, priority, due_within, threshold FROM action_rules ORDER BY action;

-- The same as materialized views, with the unique index on (customer_id, action).
SELECT count(*) AS views_made FROM create_kpi_views('actions_nightly', materialized => true);
SELECT (SELECT count(*) FROM actions_nightly.customer_actions) AS materialized_rows,
       (SELECT count(*) FROM (SELECT * FROM actions_kpi.customer_actions EXCEPT SELECT * FROM actions_nightly.customer_actions) d) AS differences;
SELECT indexrelid::regclass AS unique_index, indisunique, pg_get_indexdef(indexrelid) AS definition
FROM pg_index WHERE indrelid = 'actions_nightly.customer_actions'::regclass;
-- Over plain views kpi_overview scores the health once: the query of customer_health, and
-- the query of customer_actions over those scores instead of the customer_actions view (which
-- would score every customer again). Both read the latest period and the latest event of
-- each health source from one CTE, where each found them on its own. It shows the same row as
-- the materialized set.
SELECT (SELECT count(*) FROM regexp_matches(pg_get_viewdef('actions_kpi.kpi_overview'), '\mscope_customers AS', 'g')) AS health_scorings,
       (SELECT count(*) FROM regexp_matches(pg_get_viewdef('actions_kpi.kpi_overview'), '\moverview_health_period AS', 'g')) AS latest_period_reads,
       (SELECT count(*) FROM regexp_matches(pg_get_viewdef('actions_kpi.kpi_overview'), 'actions_kpi\.customer_(health|actions)\M', 'g')) AS view_reads;
SELECT (SELECT count(*) FROM (SELECT * FROM actions_kpi.kpi_overview EXCEPT SELECT * FROM actions_nightly.kpi_overview) d)
     + (SELECT count(*) FROM (SELECT * FROM actions_nightly.kpi_overview EXCEPT SELECT * FROM actions_kpi.kpi_overview) d) AS overview_differences;

-- Tuning the rules: the plain view follows at once, the materialized one after a refresh.
UPDATE action_rules SET enabled = false WHERE action = 'call_detractor';
UPDATE action_rules SET threshold = 200 WHERE action = 'expansion_opportunity';   -- Initech's 150 points are not enough
UPDATE action_rules SET due_within = '10 days', priority = 1 WHERE action = 'payment_reminder';
UPDATE action_rules SET threshold = 10 WHERE action = 'review_account';    -- Acme's 20 is now yellow
UPDATE action_rules SET threshold = 180 WHERE action = 'renewal_risk';     -- Acme's renewal in 159 days counts
UPDATE action_rules SET threshold = 30 WHERE action = 'ask_referral';      -- Initech's answer, 41 days old, is too old
SELECT customer_id, name, action, reason, priority, triggered_at, due_at
FROM actions_kpi.customer_actions ORDER BY customer_id::int, action;
SELECT count(*) AS stale_rows FROM actions_nightly.customer_actions WHERE action = 'call_detractor';
SET client_min_messages = warning;
SELECT refresh_kpi_views('actions_nightly') > 0 AS refreshed;
RESET client_min_messages;
SELECT (SELECT count(*) FROM (SELECT * FROM actions_kpi.customer_actions EXCEPT SELECT * FROM actions_nightly.customer_actions) d)
     + (SELECT count(*) FROM (SELECT * FROM actions_nightly.customer_actions EXCEPT SELECT * FROM actions_kpi.customer_actions) d) AS differences_after_refresh;
SELECT open_actions, open_actions_priority_1, open_actions_priority_2, open_actions_priority_3, open_actions_priority_4
FROM actions_nightly.kpi_overview;
-- back to the defaults: INSERT replaces a rule
INSERT INTO action_rules VALUES ('call_detractor', true, 1, '1 day', 365), ('expansion_opportunity', true, 3, '14 days', 100),
                                ('payment_reminder', true, 2, '3 days', 0), ('review_account', true, 1, '2 days', 40),
                                ('renewal_risk', true, 1, '7 days', 90), ('ask_referral', true, 4, '14 days', 365);
SELECT count(*) AS rules, count(*) FILTER (WHERE enabled) AS enabled FROM action_rules;
SELECT count(*) AS open_actions FROM actions_kpi.customer_actions;

-- Triggers that stop holding close their actions: Wayne pays, Acme answers again, Globex
-- signs its renewal, Hooli's MRR comes back (the June movement is no longer a contraction).
INSERT INTO actions_crm.survey_responses VALUES (1, '2025-06-20 10:00', 9, 'nps');
UPDATE actions_crm.invoices SET paid_at = '2025-06-24' WHERE customer_id = 7;
UPDATE actions_crm.renewals SET renewed = true WHERE customer_id = 2 AND due_at = '2025-07-25';
INSERT INTO actions_crm.subscriptions VALUES (5, '2025-06-12', NULL, 250);
SELECT customer_id, action, reason FROM actions_kpi.customer_actions ORDER BY customer_id::int, action;
DELETE FROM actions_crm.survey_responses WHERE responded_at = '2025-06-20 10:00';
UPDATE actions_crm.invoices SET paid_at = NULL WHERE customer_id = 7 AND due_at <> '2025-05-01';
UPDATE actions_crm.renewals SET renewed = false WHERE customer_id = 2 AND due_at = '2025-07-25';
DELETE FROM actions_crm.subscriptions WHERE customer_id = 5 AND mrr = 250;

-- Only registered sources produce actions; a rule without its source is skipped.
SELECT unregister_source('invoices') AND unregister_source('renewals') AND unregister_source('subscriptions') AS unregistered;
SELECT count(*) AS views_made FROM create_kpi_views('actions_kpi');
SELECT customer_id, action FROM actions_kpi.customer_actions ORDER BY customer_id::int, action;
-- without subscriptions every customer counts as current: Cyberdyne's answer asks for a call
SELECT customer_id, name, action, reason FROM actions_kpi.customer_actions WHERE customer_id = '9';
SELECT unregister_source('tickets') AND unregister_source('survey_responses') AND unregister_source('usage_events') AS unregistered;
SELECT register_source('renewals', 'actions_crm.renewals');
-- renewals alone: renewal_risk needs customer_health, so there is nothing to show
SELECT count(*) AS views_made FROM create_kpi_views('actions_kpi');
SELECT to_regclass('actions_kpi.customer_actions') AS customer_actions, open_actions, open_actions_priority_1
FROM actions_kpi.kpi_overview;

-- Errors of the rules table: CHECK constraints named by what they require.
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET priority = 0 WHERE action = 'ask_referral'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET priority = 5 WHERE action = 'ask_referral'$$);
SELECT regress.expect_error($$INSERT INTO csmetrics.action_rules VALUES ('send_flowers', true, 2, '1 day', 1)$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET due_within = '-1 day' WHERE action = 'send_value'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET due_within = '1 month -40 days' WHERE action = 'send_value'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET due_within = NULL WHERE action = 'send_value'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET priority = NULL WHERE action = 'send_value'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET enabled = NULL WHERE action = 'send_value'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = NULL WHERE action = 'review_account'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = 2.5 WHERE action = 'call_detractor'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = -1 WHERE action = 'ask_referral'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = 'NaN' WHERE action = 'review_account'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = 'infinity' WHERE action = 'expansion_opportunity'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = 1 WHERE action = 'contact_contraction'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = -0.1 WHERE action = 'contact_contraction'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = 1.5 WHERE action = 'payment_reminder'$$);
SELECT regress.expect_error($$UPDATE csmetrics.action_rules SET threshold = -1 WHERE action = 'renewal_risk'$$);
SELECT regress.expect_error($$DELETE FROM csmetrics.action_rules WHERE action = 'ask_referral'$$);
SELECT regress.expect_error($$TRUNCATE csmetrics.action_rules$$);
SELECT count(*) AS rules FROM action_rules;

-- Every view column and the rules table are commented.
SELECT a.attname, col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a WHERE a.attrelid = 'actions_nightly.customer_actions'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT obj_description('actions_nightly.customer_actions'::regclass, 'pg_class') AS view_comment;
SELECT a.attname, col_description(a.attrelid, a.attnum) IS NOT NULL AS commented
FROM pg_attribute a WHERE a.attrelid = 'csmetrics.action_rules'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum;
-- (NOT NULL constraints are left out: PostgreSQL 18 lists them in pg_constraint, unnamed by us)
SELECT conname, obj_description(oid, 'pg_constraint') IS NOT NULL AS commented
FROM pg_constraint WHERE conrelid = 'csmetrics.action_rules'::regclass AND contype <> 'n' ORDER BY conname;

-- Clean up: the health model as it was, the registry empty.
UPDATE health_measures h SET weight = b.weight, impact = b.impact FROM health_before b WHERE b.measure = h.measure;
DROP TABLE health_before;

-- Seeded random data: the contraction and NPS rules against plain SQL, over plain views
-- (which make the MRR paths of the customers whose subscriptions start or end in the as-of
-- month or later, and pick the latest answer among those recent enough for some rule) and
-- materialized ones (which read the stored paths). 2,000 customers with one to three
-- subscriptions each, a fifth ending in June 2025; 4,000 answers, some given at the same
-- instant; the latest event is an answer of June 20, 2025.
CREATE SCHEMA actions_rand;
CREATE TABLE actions_rand.customers AS SELECT c AS customer_id, 'customer ' || c AS name FROM generate_series(1, 2000) c;
CREATE TABLE actions_rand.subscriptions AS
SELECT c AS customer_id, s AS started_at,
       CASE WHEN e < 0.3 THEN NULL WHEN e < 0.5 THEN date '2025-06-01' + regress.rand_int(41, c * 10 + i, 0, 29)::int
            ELSE s + regress.rand_int(42, c * 10 + i, 1, 500)::int END AS ended_at,
       (ARRAY[0, 50, 80, 120, 200, 35.5])[1 + regress.rand_int(43, c * 10 + i, 0, 5)::int] AS mrr
FROM (SELECT c, i, date '2023-01-01' + regress.rand_int(44, c * 10 + i, 0, 900)::int AS s, regress.rand(45, c * 10 + i) AS e
      FROM generate_series(1, 2000) c, generate_series(1, 3) i WHERE i <= regress.rand_int(46, c, 1, 3)) x;
UPDATE actions_rand.subscriptions SET ended_at = started_at WHERE ended_at < started_at;
CREATE TABLE actions_rand.answers AS
SELECT 1 + regress.rand_int(47, a, 0, 1999)::int AS customer_id,
       timestamptz '2024-01-01 00:00+00' + regress.rand_int(48, a, 0, 535 * 24)::int * interval '1 hour' AS responded_at,
       CASE WHEN a % 7 = 0 THEN 'csat' ELSE 'nps' END AS survey,
       CASE WHEN a % 7 = 0 THEN regress.rand_int(49, a, 1, 5) ELSE regress.rand_int(49, a, 0, 10) END::int AS score
FROM generate_series(1, 4000) a;
INSERT INTO actions_rand.answers SELECT customer_id, responded_at, survey, 10 - score FROM actions_rand.answers WHERE survey = 'nps' AND customer_id % 9 = 0;
INSERT INTO actions_rand.answers VALUES (1, '2025-06-20 12:00+00', 'nps', 7);
SELECT count(*) AS subscriptions, count(*) FILTER (WHERE ended_at >= '2025-06-01' AND ended_at < '2025-07-01') AS ending_in_june,
       (SELECT count(*) FROM actions_rand.answers) AS answers FROM actions_rand.subscriptions;
SELECT register_source('customers', 'actions_rand.customers');
SELECT register_source('subscriptions', 'actions_rand.subscriptions');
SELECT register_source('survey_responses', 'actions_rand.answers');
UPDATE action_rules SET threshold = CASE action WHEN 'call_detractor' THEN 200 WHEN 'send_value' THEN 60 WHEN 'ask_referral' THEN 30
                                                WHEN 'contact_contraction' THEN 0.1 END
WHERE action IN ('call_detractor', 'send_value', 'ask_referral', 'contact_contraction');
SET client_min_messages = warning;
SELECT count(*) > 0 AS views_made FROM create_kpi_views('actions_rand_kpi');
SELECT count(*) > 0 AS views_made FROM create_kpi_views('actions_rand_mat', materialized => true);
RESET client_min_messages;
-- The MRR at a month end: the subscriptions started before it and not ended before it. A
-- contraction: MRR lower at the end of June than at the end of May, not zero, by more than a
-- tenth. The latest NPS answer up to the as-of instant (the lowest score of those given at
-- the same instant), of a customer with a subscription in force then, acted upon while not
-- older than its rule's days.
CREATE TEMP VIEW expected_actions AS
WITH asof AS (
    SELECT t.as_of, (t.as_of AT TIME ZONE 'UTC')::date AS as_of_on, date_trunc('month', t.as_of AT TIME ZONE 'UTC')::date AS ps
    FROM (SELECT greatest((SELECT max(responded_at) FROM actions_rand.answers),
                          (SELECT max(started_at) FROM actions_rand.subscriptions)::timestamptz) AS as_of) t),
mrr AS (
    SELECT s.customer_id, sum(s.mrr) FILTER (WHERE s.started_at < a.ps AND (s.ended_at IS NULL OR s.ended_at >= a.ps)) AS before,
           sum(s.mrr) FILTER (WHERE s.started_at < (a.ps + interval '1 month')::date
                              AND (s.ended_at IS NULL OR s.ended_at >= (a.ps + interval '1 month')::date)) AS after
    FROM actions_rand.subscriptions s CROSS JOIN asof a GROUP BY s.customer_id),
latest AS (
    SELECT DISTINCT ON (r.customer_id) r.customer_id, r.responded_at, r.score
    FROM actions_rand.answers r CROSS JOIN asof a WHERE r.survey = 'nps' AND r.responded_at <= a.as_of
    ORDER BY r.customer_id, r.responded_at DESC, r.score)
SELECT customer_id::text AS customer_id, 'contact_contraction' AS action, before AS previous_mrr, after AS mrr
FROM mrr WHERE before > 0 AND after > 0 AND before - after > 0.1 * before
UNION ALL
SELECT l.customer_id::text, x.action, NULL, NULL
FROM latest l CROSS JOIN asof a
CROSS JOIN LATERAL (SELECT CASE WHEN l.score <= 6 THEN 'call_detractor' WHEN l.score <= 8 THEN 'send_value' ELSE 'ask_referral' END AS action) x
WHERE a.as_of_on - (l.responded_at AT TIME ZONE 'UTC')::date <= CASE x.action WHEN 'call_detractor' THEN 200 WHEN 'send_value' THEN 60 ELSE 30 END
  AND EXISTS (SELECT FROM actions_rand.subscriptions s
              WHERE s.customer_id = l.customer_id AND s.started_at <= a.as_of AND (s.ended_at IS NULL OR s.ended_at > a.as_of));
CREATE FUNCTION pg_temp.compare_actions(rel text)
RETURNS TABLE (action text, expected bigint, mismatches bigint) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT coalesce(e.action, v.action), count(e.action),
               count(*) FILTER (WHERE e.action IS NULL OR v.action IS NULL
                                OR (e.previous_mrr, e.mrr) IS DISTINCT FROM (v.previous_mrr, v.mrr))
        FROM expected_actions e
        FULL JOIN (SELECT customer_id, action,
                          substring(reason FROM ' from ([0-9.]+) to ')::numeric AS previous_mrr,
                          substring(reason FROM ' to ([0-9.]+) in ')::numeric AS mrr
                   FROM %s WHERE action IN ('contact_contraction', 'call_detractor', 'send_value', 'ask_referral')) v
        USING (customer_id, action)
        GROUP BY 1 ORDER BY 1$q$, rel);
END $$;
SELECT * FROM pg_temp.compare_actions('actions_rand_kpi.customer_actions');
SELECT * FROM pg_temp.compare_actions('actions_rand_mat.customer_actions');
-- kpi_overview reads the plain views' queries (the health scores of the latest period only):
-- the same counts and health summary as the views
SELECT o.open_actions, o.red_customers, round(o.average_health_score::numeric, 6) AS average_health_score,
       (o.open_actions, o.open_actions_priority_1, o.open_actions_priority_2, o.open_actions_priority_3, o.open_actions_priority_4)
       = (SELECT count(*), count(*) FILTER (WHERE a.priority = 1), count(*) FILTER (WHERE a.priority = 2),
                 count(*) FILTER (WHERE a.priority = 3), count(*) FILTER (WHERE a.priority = 4)
          FROM actions_rand_kpi.customer_actions a) AS same_actions,
       (o.average_health_score, o.red_customers)
       = (SELECT avg(h.health_score::numeric)::float8, count(*) FILTER (WHERE h.health_band = 'red')
          FROM actions_rand_kpi.customer_health h) AS same_health
FROM actions_rand_kpi.kpi_overview o;
-- ... and each survey's latest period from its answers of that period only: CES answers
-- whose latest month (March) is not that of the NPS answers (June).
INSERT INTO actions_rand.answers
SELECT 1 + regress.rand_int(50, a, 0, 1999)::int, timestamptz '2025-02-01 00:00+00' + regress.rand_int(51, a, 0, 55 * 24)::int * interval '1 hour',
       'CES', regress.rand_int(52, a, 1, 7)::int
FROM generate_series(1, 60) a;
SELECT o.as_of, n.month AS nps_month, c.month AS csat_month, e.month AS ces_month,
       (o.nps, o.nps_ci_lower, o.nps_ci_upper, o.csat, o.ces) = (n.nps, n.nps_ci_lower, n.nps_ci_upper, c.csat, e.ces) AS same_surveys,
       o.enps IS NULL AS no_enps
FROM actions_rand_kpi.kpi_overview o,
     (SELECT * FROM actions_rand_kpi.nps_by_month ORDER BY month DESC LIMIT 1) n,
     (SELECT * FROM actions_rand_kpi.csat_by_month ORDER BY month DESC LIMIT 1) c,
     (SELECT * FROM actions_rand_kpi.ces_by_month ORDER BY month DESC LIMIT 1) e;
DROP VIEW expected_actions;
INSERT INTO action_rules VALUES ('call_detractor', true, 1, '1 day', 365), ('send_value', true, 3, '7 days', 365),
                                ('ask_referral', true, 4, '14 days', 365), ('contact_contraction', true, 1, '2 days', 0);
\set ECHO none
\i test/fixtures/views_reset.sql
\set ECHO all
SET client_min_messages = warning;
DROP SCHEMA actions_kpi, actions_kpi_internal, actions_nightly, actions_nightly_internal, actions_crm,
            actions_rand, actions_rand_kpi, actions_rand_kpi_internal, actions_rand_mat, actions_rand_mat_internal CASCADE;
RESET client_min_messages;

-- CRM data for the Citus test (run on the coordinator): the same deterministic rows twice,
-- once in schema local_crm as plain tables on the coordinator and once in schema crm,
-- distributed by customer_id (32 shards, co-located) with the small costs table as a
-- reference table. Stored summaries of every summary type are distributed the same way.
SET timezone = 'UTC';
SET client_min_messages = warning;
SET search_path = public, csmetrics;

-- Deterministic pseudo-random numbers: draw i of stream seed, uniform in [0, 1), from the
-- first 52 bits of an md5 (the same formula as regress.rand in test/sql/00_setup.sql).
CREATE SCHEMA gen;
CREATE FUNCTION gen.rand(seed int, i bigint) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || substr(md5(seed::text || ':' || i::text), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
$$;
CREATE FUNCTION gen.rand_int(seed int, i bigint, lo bigint, hi bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lo + floor(gen.rand(seed, i) * (hi - lo + 1))::bigint
$$;

CREATE SCHEMA local_crm;
CREATE TABLE local_crm.customers (customer_id bigint NOT NULL, name text, segment text);
CREATE TABLE local_crm.subscriptions (id bigint NOT NULL, customer_id bigint NOT NULL, started_at date, ended_at date, mrr numeric(10,2),
                                      churn_reason text);
CREATE TABLE local_crm.survey_responses (id bigint NOT NULL, customer_id bigint NOT NULL, responded_at timestamptz, survey text, score int);
CREATE TABLE local_crm.tickets (id bigint NOT NULL, customer_id bigint NOT NULL, opened_at timestamptz, resolved_at timestamptz, contacts int);
CREATE TABLE local_crm.invoices (id bigint NOT NULL, customer_id bigint NOT NULL, due_at date, paid_at date, amount numeric(10,2));
CREATE TABLE local_crm.usage_events (id bigint NOT NULL, customer_id bigint NOT NULL, occurred_at timestamptz, quantity int);
CREATE TABLE local_crm.renewals (id bigint NOT NULL, customer_id bigint NOT NULL, due_at date, renewed boolean, amount numeric(12,2));
CREATE TABLE local_crm.trials (id bigint NOT NULL, customer_id bigint NOT NULL, started_at date, converted_at date);
CREATE TABLE local_crm.costs (incurred_at date, kind text, amount numeric(12,2));
CREATE TABLE local_crm.milestones (id bigint NOT NULL, customer_id bigint NOT NULL, milestone text, reached_at timestamptz);
CREATE TABLE local_crm.signals (id bigint NOT NULL, customer_id bigint NOT NULL, occurred_at timestamptz, signal text, value numeric(10,2));
-- Facts for the aggregates that take per-customer-month inputs (MRR movements, cohort
-- NRR/GRR, health scores with float measures whose text form needs all 17 digits).
CREATE TABLE local_crm.customer_months (customer_id bigint NOT NULL, month date, prev_mrr numeric(10,2), mrr numeric(10,2),
                                        seen_before boolean, tenure int, churned boolean, measures float8[], weights float8[]);

-- 1200 customers over 2023 and 2024, in three segments (a few without one).
INSERT INTO local_crm.customers
SELECT i, 'customer ' || i,
       CASE WHEN gen.rand(1, i) < 0.04 THEN NULL ELSE (ARRAY['smb', 'mid-market', 'enterprise'])[gen.rand_int(2, i, 1, 3)] END
FROM generate_series(1, 1200) i;

-- One to four subscriptions a customer: upgrades that touch, overlapping plans, gaps
-- (a customer who left and came back), the last one often still running.
INSERT INTO local_crm.subscriptions
SELECT row_number() OVER (ORDER BY c, j), c, s.started_at,
       CASE WHEN j = n AND gen.rand(5, c) < 0.6 THEN NULL
            ELSE s.started_at + gen.rand_int(6, c * 10 + j, 20, 400)::int END,
       round((20 + gen.rand(7, c * 10 + j) * 980)::numeric, 2)
FROM generate_series(1, 1200) c,
     LATERAL (SELECT gen.rand_int(3, c, 1, 4)::int AS n) k,
     LATERAL generate_series(1, k.n) j,
     LATERAL (SELECT date '2023-01-01' + gen.rand_int(4, c, 0, 500)::int + (j - 1) * gen.rand_int(8, c, 60, 200)::int AS started_at) s;

-- Survey answers: NPS mostly, CSAT and CES after tickets; some customers answer NPS twice
-- at the same instant (a tie a "latest answer" pick must break the same way every time).
INSERT INTO local_crm.survey_responses
SELECT row_number() OVER (ORDER BY c, j), c,
       timestamptz '2023-01-01 00:00+00' + gen.rand(11, c * 100 + j) * interval '730 days',
       v.survey,
       CASE v.survey WHEN 'nps' THEN gen.rand_int(13, c * 100 + j, 0, 10)
                     WHEN 'csat' THEN gen.rand_int(13, c * 100 + j, 1, 5)
                     ELSE gen.rand_int(13, c * 100 + j, 1, 7) END
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(10, c, 2, 16)::int) j,
     LATERAL (SELECT CASE WHEN gen.rand(12, c * 100 + j) < 0.6 THEN 'nps'
                          WHEN gen.rand(12, c * 100 + j) < 0.85 THEN 'csat' ELSE 'ces' END AS survey) v;
INSERT INTO local_crm.survey_responses
SELECT 100000 + r.id, r.customer_id, r.responded_at, 'nps', (r.score + 5) % 11
FROM local_crm.survey_responses r WHERE r.survey = 'nps' AND r.id % 37 = 0;

INSERT INTO local_crm.tickets
SELECT row_number() OVER (ORDER BY c, j), c, t.opened_at,
       CASE WHEN gen.rand(21, c * 100 + j) < 0.08 THEN NULL
            ELSE t.opened_at + gen.rand(22, c * 100 + j) * gen.rand(23, c * 100 + j) * interval '150 hours' END,
       gen.rand_int(24, c * 100 + j, 1, 4)::int
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(20, c, 0, 8)::int) j,
     LATERAL (SELECT timestamptz '2023-01-01 00:00+00' + gen.rand(25, c * 100 + j) * interval '730 days' AS opened_at) t;

INSERT INTO local_crm.invoices
SELECT row_number() OVER (ORDER BY c, j), c, d.due_at,
       CASE WHEN gen.rand(31, c * 100 + j) < 0.05 THEN NULL
            ELSE d.due_at + gen.rand_int(32, c * 100 + j, -10, 60)::int END,
       round((20 + gen.rand(33, c * 100 + j) * 980)::numeric, 2)
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(30, c, 1, 24)::int) j,
     LATERAL (SELECT (date '2023-01-15' + (j - 1) * interval '1 month')::date AS due_at) d;

INSERT INTO local_crm.usage_events
SELECT row_number() OVER (ORDER BY c, j), c,
       timestamptz '2023-01-01 00:00+00' + gen.rand(41, c * 100 + j) * interval '730 days',
       gen.rand_int(42, c * 100 + j, 1, 20)::int
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(40, c, 0, 30)::int) j;

INSERT INTO local_crm.renewals
SELECT row_number() OVER (ORDER BY c, j), c, (date '2023-03-01' + (j - 1) * interval '1 year' + gen.rand_int(51, c, 0, 300) * interval '1 day')::date,
       gen.rand(52, c * 10 + j) < 0.8, round((1000 + gen.rand(53, c * 10 + j) * 20000)::numeric, 2)
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(50, c, 0, 2)::int) j;

INSERT INTO local_crm.trials
SELECT c, c, date '2022-12-01' + gen.rand_int(61, c, 0, 720)::int,
       CASE WHEN gen.rand(62, c) < 0.4 THEN date '2022-12-01' + gen.rand_int(61, c, 0, 720)::int + gen.rand_int(63, c, 0, 40)::int END
FROM generate_series(1, 1200) c;

INSERT INTO local_crm.costs
SELECT m::date, k, round((10000 + gen.rand(71, extract(epoch FROM m)::bigint + length(k)) * 5000)::numeric, 2)
FROM generate_series(date '2023-01-01', date '2024-12-01', interval '1 month') m, unnest(ARRAY['success', 'acquisition']) k;

INSERT INTO local_crm.customer_months
SELECT c, (date '2023-01-01' + (j - 1) * interval '1 month')::date,
       CASE WHEN gen.rand(81, c * 100 + j) < 0.2 THEN 0 ELSE round((gen.rand(82, c * 100 + j) * 900)::numeric, 2) END,
       CASE WHEN gen.rand(83, c * 100 + j) < 0.2 THEN 0 ELSE round((gen.rand(84, c * 100 + j) * 900)::numeric, 2) END,
       gen.rand(85, c * 100 + j) < 0.5,
       gen.rand_int(86, c * 100 + j, 0, 36)::int, gen.rand(87, c * 100 + j) < 0.3,
       ARRAY[gen.rand(88, c * 100 + j) * 100 / 3, gen.rand(89, c * 100 + j) * 100 / 7,
             CASE WHEN gen.rand(90, c * 100 + j) < 0.1 THEN NULL ELSE gen.rand(91, c * 100 + j) * 100 END],
       ARRAY[0.4, 0.35, 0.25]::float8[]
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(80, c, 1, 24)::int) j;

-- Churn reasons of ended subscriptions: some blank or missing (shown as unknown), and
-- subscriptions of one customer ending on the same day with different reasons (a tie the
-- churn_by_reason views break by MRR, start and reason).
UPDATE local_crm.subscriptions
SET churn_reason = (ARRAY['price', 'competitor', 'closed', ' ', NULL, 'Price'])[gen.rand_int(64, id, 1, 6)]
WHERE ended_at IS NOT NULL;
INSERT INTO local_crm.subscriptions
SELECT 800000 + s.id, s.customer_id, s.started_at + 10, s.ended_at, s.mrr, 'support'
FROM local_crm.subscriptions s WHERE s.ended_at IS NOT NULL AND s.ended_at > s.started_at + 10 AND s.id % 29 = 0;

-- Onboarding milestones after the first subscription: some reached twice (the first time
-- counts), some never; a few with a name outside the model (data_issues).
INSERT INTO local_crm.milestones
SELECT row_number() OVER (ORDER BY c, j), c, m.milestone,
       f.started_at::timestamptz + gen.rand(66, c * 10 + j) * interval '60 days'
FROM generate_series(1, 1200) c
     JOIN LATERAL (SELECT min(started_at) AS started_at FROM local_crm.subscriptions WHERE customer_id = c) f ON true,
     LATERAL generate_series(1, gen.rand_int(65, c, 0, 6)::int) j,
     LATERAL (SELECT (ARRAY['signed_in', 'invited_team', 'first_report', 'integration', 'signed_in', 'webinar'])[j] AS milestone) m;

-- Product signals: logins with a count, features adopted, seats measured (twice at the same
-- instant for some customers: the latest pick takes the lower value), sponsors leaving.
INSERT INTO local_crm.signals
SELECT row_number() OVER (ORDER BY c, j), c,
       timestamptz '2023-01-01 00:00+00' + gen.rand(71, c * 100 + j) * interval '730 days',
       v.signal,
       CASE v.signal WHEN 'login' THEN gen.rand_int(73, c * 100 + j, 1, 9)
                     WHEN 'seats' THEN gen.rand_int(73, c * 100 + j, 1, 40)
                     WHEN 'feature_adopted' THEN NULL ELSE 1 END
FROM generate_series(1, 1200) c, LATERAL generate_series(1, gen.rand_int(70, c, 0, 25)::int) j,
     LATERAL (SELECT CASE WHEN gen.rand(72, c * 100 + j) < 0.6 THEN 'login'
                          WHEN gen.rand(72, c * 100 + j) < 0.8 THEN 'seats'
                          WHEN gen.rand(72, c * 100 + j) < 0.97 THEN 'feature_adopted' ELSE 'sponsor_left' END AS signal) v;
INSERT INTO local_crm.signals
SELECT 100000 + x.id, x.customer_id, x.occurred_at, 'seats', x.value + 3
FROM local_crm.signals x WHERE x.signal = 'seats' AND x.id % 5 = 0;

-- Rows the KPI views leave out and list in data_issues: a duplicate customer, customers
-- nobody registered, impossible dates, negative money, out-of-range scores.
INSERT INTO local_crm.customers VALUES (7, 'customer 7, entered twice', 'enterprise');
INSERT INTO local_crm.subscriptions VALUES (900001, 5000, '2024-03-01', NULL, 99), (900002, 12, '2024-05-01', '2024-04-01', 10),
                                           (900003, 13, '2024-02-01', NULL, -50);
INSERT INTO local_crm.survey_responses VALUES (900001, 17, '2024-09-03 10:00+00', 'nps', 11), (900002, 5001, '2024-09-03 10:00+00', 'nps', 9),
                                              (900003, 18, '2024-07-01 10:00+00', 'webinar', 3);
INSERT INTO local_crm.tickets VALUES (900001, 5002, '2024-10-02 09:00+00', '2024-10-02 11:00+00', 1),
                                     (900002, 20, '2024-10-02 09:00+00', '2024-10-01 11:00+00', 1);
INSERT INTO local_crm.invoices VALUES (900001, 21, '2024-06-15', NULL, -5);
INSERT INTO local_crm.costs VALUES ('2024-06-01', 'party', 300);

-- Stored summaries, one per customer and month (or cohort), of every storable type.
CREATE TABLE local_crm.survey_summaries AS
SELECT customer_id, date_trunc('month', responded_at)::date AS month,
       nps_summary(score) FILTER (WHERE survey = 'nps' AND score BETWEEN 0 AND 10) AS nps,
       csat_summary(score) FILTER (WHERE survey = 'csat') AS csat,
       ces_summary(score) FILTER (WHERE survey = 'ces') AS ces
FROM local_crm.survey_responses GROUP BY 1, 2;
CREATE TABLE local_crm.flow_summaries AS
SELECT s.customer_id, m::date AS month, customer_flow(s.started_at, s.ended_at, m::date, (m + interval '1 month')::date) AS flow
FROM local_crm.subscriptions s, generate_series(date '2023-01-01', date '2024-12-01', interval '1 month') m
WHERE s.ended_at IS NULL OR s.ended_at >= s.started_at
GROUP BY 1, 2;
CREATE TABLE local_crm.mrr_summaries AS
SELECT customer_id, date_trunc('quarter', month)::date AS quarter, mrr_movements(prev_mrr, mrr, seen_before) AS movements
FROM local_crm.customer_months GROUP BY 1, 2;
CREATE TABLE local_crm.survival_summaries AS
SELECT customer_id, date_trunc('quarter', month)::date AS cohort, survival_summary(tenure, churned) AS survival
FROM local_crm.customer_months GROUP BY 1, 2;
-- MRR paths over the 24 months of the data, one per customer and quarter its subscriptions
-- started in, and the movement and cohort summaries of those paths.
CREATE TABLE local_crm.mrr_paths AS
SELECT customer_id, date_trunc('quarter', started_at)::date AS quarter,
       mrr_path(started_at, ended_at, mrr, date '2023-01-01', '1 month', 24) AS path
FROM local_crm.subscriptions WHERE (ended_at IS NULL OR ended_at >= started_at) AND mrr >= 0
GROUP BY 1, 2;
-- ROC summaries of a float score (every digit counts in their text form) against churn.
CREATE TABLE local_crm.roc_summaries AS
SELECT customer_id, date_trunc('quarter', month)::date AS quarter, roc_summary(measures[1], churned) AS roc
FROM local_crm.customer_months GROUP BY 1, 2;
CREATE TABLE local_crm.mrr_path_summaries AS
SELECT customer_id, quarter, mrr_movements_series(path) AS series, cohort_summary(path) AS cohorts
FROM local_crm.mrr_paths GROUP BY 1, 2;

-- The distributed copy: same tables, same rows.
CREATE SCHEMA crm;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'local_crm'::regnamespace AND c.relkind = 'r'
             ORDER BY c.relname = 'customers' DESC, c.relname LOOP
        EXECUTE format('CREATE TABLE crm.%I (LIKE local_crm.%I)', t.relname, t.relname);
        IF t.relname = 'costs' THEN
            PERFORM create_reference_table(format('crm.%I', t.relname));
        ELSIF t.relname = 'customers' THEN
            PERFORM create_distributed_table('crm.customers', 'customer_id', shard_count => 32);
        ELSE
            PERFORM create_distributed_table(format('crm.%I', t.relname), 'customer_id', colocate_with => 'crm.customers');
        END IF;
        EXECUTE format('INSERT INTO crm.%I SELECT * FROM local_crm.%I', t.relname, t.relname);
    END LOOP;
END $$;
ANALYZE;

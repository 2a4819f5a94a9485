-- The demo's CRM: a realistic sample of a SaaS company's data, as a home-grown CRM schema
-- would hold it (its own table and column names; 02_register.sql maps them). Three years of
-- history ending on 2026-10-31, drawn from a fixed pseudo-random stream, so the report is the
-- same on every run and every PostgreSQL version.
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'UTC'); END $$;
SET timezone = 'UTC';
CREATE EXTENSION csmetrics;

-- The demo's dice: the next draw of one stream, uniform in [0, 1), from an md5 of its number
-- (random() after setseed() gives other numbers before PostgreSQL 15).
CREATE TEMP SEQUENCE demo_draw;
CREATE FUNCTION pg_temp.dice() RETURNS float8 LANGUAGE sql AS $$
    SELECT ('x' || substr(md5('demo:' || nextval('pg_temp.demo_draw')), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
$$;
CREATE SCHEMA crm;

CREATE TABLE crm.accounts (id int PRIMARY KEY, company text NOT NULL, plan_tier text);
CREATE TABLE crm.subscriptions (id serial PRIMARY KEY, account_id int, start_date date, end_date date, mrr numeric(10,2),
                                cancel_reason text);
CREATE TABLE crm.survey_answers (account_id int, answered_at timestamptz, survey text, score int);
CREATE TABLE crm.tickets (id serial PRIMARY KEY, account_id int, created_at timestamptz, solved_at timestamptz, touches int);
CREATE TABLE crm.invoices (account_id int, due_date date, paid_date date, amount numeric(10,2));
CREATE TABLE crm.product_events (account_id int, occurred_at timestamptz, units int);
CREATE TABLE crm.renewals (account_id int, renewal_date date, renewed boolean, contract_value numeric(12,2));
CREATE TABLE crm.trials (account_id int, trial_start date, converted_on date);
CREATE TABLE crm.cs_costs (month date, cost_type text, amount numeric(12,2));
CREATE TABLE crm.onboarding_events (account_id int, event text, happened_at timestamptz);

-- Month by month, each account may upgrade, downgrade, cancel (and sometimes come back);
-- while active it answers surveys, opens tickets, gets invoices and uses the product.
DO $$
DECLARE
    first_day constant date := '2023-11-01';
    last_day constant date := '2026-10-31';
    acct int;
    tier text;
    r float8;
    signup date;
    month date;
    mrr numeric;
    sub_start date;
    active boolean;
    churn_p float8;
    engagement float8;
    d date;
    n int;
    i int;
    t timestamptz;
    score int;
BEGIN
    FOR acct IN 1..1200 LOOP
        r := pg_temp.dice();
        tier := CASE WHEN r < 0.6 THEN 'SMB' WHEN r < 0.9 THEN 'Mid-Market' ELSE 'Enterprise' END;
        INSERT INTO crm.accounts VALUES (acct, 'Company ' || acct, tier);
        signup := first_day + (pg_temp.dice() * 1090)::int;
        mrr := round((CASE tier WHEN 'SMB' THEN 49 + pg_temp.dice() * 150 WHEN 'Mid-Market' THEN 500 + pg_temp.dice() * 1500
                       ELSE 3000 + pg_temp.dice() * 7000 END)::numeric, 0);
        churn_p := CASE tier WHEN 'SMB' THEN 0.035 WHEN 'Mid-Market' THEN 0.018 ELSE 0.008 END;
        engagement := pg_temp.dice();                 -- how much this account uses and likes the product
        INSERT INTO crm.trials VALUES (acct, signup - (7 + pg_temp.dice() * 21)::int, signup);
        sub_start := signup;
        active := true;
        month := date_trunc('month', signup)::date;
        WHILE month <= last_day LOOP
            IF active THEN
                r := pg_temp.dice();
                d := greatest(sub_start + 1, month + (pg_temp.dice() * 27)::int);
                IF r < churn_p * (1.5 - engagement) AND d <= last_day THEN
                    INSERT INTO crm.subscriptions (account_id, start_date, end_date, mrr) VALUES (acct, sub_start, d, mrr);
                    active := false;
                    IF pg_temp.dice() < 0.25 THEN            -- comes back after a while
                        sub_start := d + (60 + pg_temp.dice() * 180)::int;
                    ELSE
                        sub_start := NULL;
                    END IF;
                ELSIF r > 1 - 0.03 * (0.5 + engagement) AND d <= last_day THEN   -- upgrade
                    INSERT INTO crm.subscriptions (account_id, start_date, end_date, mrr) VALUES (acct, sub_start, d, mrr);
                    mrr := round(mrr * (1.2 + pg_temp.dice() * 0.6)::numeric, 0);
                    sub_start := d;
                ELSIF r > 1 - 0.03 * (0.5 + engagement) - 0.012 AND d <= last_day THEN   -- downgrade
                    INSERT INTO crm.subscriptions (account_id, start_date, end_date, mrr) VALUES (acct, sub_start, d, mrr);
                    mrr := greatest(19, round(mrr * (0.5 + pg_temp.dice() * 0.3)::numeric, 0));
                    sub_start := d;
                END IF;
            ELSIF sub_start IS NOT NULL AND sub_start < month + 31 AND sub_start <= last_day THEN
                active := true;                        -- reactivation
            END IF;
            IF active THEN
                -- invoice for the month: most on time, some late, a few recent ones unpaid
                d := month + 14;
                IF d <= last_day THEN
                    r := pg_temp.dice();
                    INSERT INTO crm.invoices VALUES (acct, d,
                        CASE WHEN r < 0.3 + 0.65 * engagement THEN d - (pg_temp.dice() * 10)::int
                             WHEN r < 0.97 THEN d + (1 + pg_temp.dice() * 70 * (1.2 - engagement))::int END, mrr);
                END IF;
                -- product usage
                n := (pg_temp.dice() * 12 * engagement)::int;
                FOR i IN 1..n LOOP
                    INSERT INTO crm.product_events VALUES (acct, month + make_interval(secs => round(pg_temp.dice() * 29.9 * 86400)), 1 + (pg_temp.dice() * 9 * engagement)::int);
                END LOOP;
                -- NPS answer now and then; better for engaged accounts
                IF pg_temp.dice() < 0.18 THEN
                    score := least(10, greatest(0, round(4 + engagement * 7 + (pg_temp.dice() - 0.5) * 5)))::int;
                    INSERT INTO crm.survey_answers VALUES (acct, month + make_interval(secs => round(pg_temp.dice() * 29 * 86400)), 'nps', score);
                END IF;
                -- support tickets, each with a CSAT answer (and sometimes CES) after it is solved
                n := CASE WHEN pg_temp.dice() < 0.15 + 0.5 * (1 - engagement) THEN 1 + (pg_temp.dice() * 4 * (1 - engagement))::int ELSE 0 END;
                FOR i IN 1..n LOOP
                    t := month + make_interval(secs => round(pg_temp.dice() * 29 * 86400));
                    INSERT INTO crm.tickets (account_id, created_at, solved_at, touches)
                    VALUES (acct, t, nullif(least(t + make_interval(secs => round((0.5 + pg_temp.dice() * pg_temp.dice() * 120) * 3600)),
                                                  timestamptz '2026-11-01'), timestamptz '2026-11-01'),
                            1 + (pg_temp.dice() * pg_temp.dice() * 4)::int);
                    IF pg_temp.dice() < 0.5 AND t < timestamptz '2026-10-29' THEN
                        INSERT INTO crm.survey_answers VALUES (acct, t + interval '3 days', 'csat',
                            least(5, greatest(1, round(2.5 + engagement * 2.5 + (pg_temp.dice() - 0.5) * 2)))::int);
                    END IF;
                    IF pg_temp.dice() < 0.3 AND t < timestamptz '2026-10-29' THEN
                        INSERT INTO crm.survey_answers VALUES (acct, t + interval '3 days', 'ces',
                            least(7, greatest(1, round(3 + engagement * 4 + (pg_temp.dice() - 0.5) * 3)))::int);
                    END IF;
                END LOOP;
                -- yearly renewal on the signup anniversary
                IF extract(month FROM signup) = extract(month FROM month) AND month > signup AND month + 14 <= last_day THEN
                    INSERT INTO crm.renewals VALUES (acct, month + 14, pg_temp.dice() < 0.75 + 0.2 * engagement, mrr * 12);
                END IF;
            END IF;
            month := (month + interval '1 month')::date;
        END LOOP;
        IF active THEN
            INSERT INTO crm.subscriptions (account_id, start_date, end_date, mrr) VALUES (acct, sub_start, NULL, mrr);
        END IF;
    END LOOP;
    -- trials that never converted
    FOR i IN 1..1500 LOOP
        INSERT INTO crm.trials VALUES (NULL, first_day + (pg_temp.dice() * 1090)::int, NULL);
    END LOOP;
    -- employee NPS, twice a year
    FOR i IN 1..240 LOOP
        INSERT INTO crm.survey_answers VALUES (NULL, date '2024-01-15' + make_interval(months => (i % 6) * 6), 'enps',
                                               least(10, greatest(0, round(7 + (pg_temp.dice() - 0.4) * 6)))::int);
    END LOOP;
    -- what customer success and acquisition cost each month
    FOR month IN SELECT generate_series(first_day, last_day, interval '1 month')::date LOOP
        INSERT INTO crm.cs_costs VALUES (month, 'success', round((18000 + pg_temp.dice() * 4000)::numeric, 2)),
                                        (month, 'acquisition', round((30000 + pg_temp.dice() * 10000)::numeric, 2));
    END LOOP;
END $$;

-- Why accounts cancel: the success team records a reason on most cancellations (not on plan
-- changes, where a new subscription starts the day the old one ends), drawn by plan tier from
-- the subscription's own stream, so that it does not depend on the draws above.
CREATE FUNCTION pg_temp.draw(stream text, i bigint) RETURNS float8 LANGUAGE sql AS $$
    SELECT ('x' || substr(md5('demo:' || stream || ':' || i), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
$$;
UPDATE crm.subscriptions s
SET cancel_reason = CASE a.plan_tier
        WHEN 'SMB' THEN (ARRAY['price', 'price', 'competitor', 'missing feature', 'business closed', NULL])[1 + floor(pg_temp.draw('reason', s.id) * 6)::int]
        WHEN 'Mid-Market' THEN (ARRAY['competitor', 'missing feature', 'price', 'budget cuts', 'competitor', NULL])[1 + floor(pg_temp.draw('reason', s.id) * 6)::int]
        ELSE (ARRAY['budget cuts', 'acquired', 'competitor', 'budget cuts', NULL])[1 + floor(pg_temp.draw('reason', s.id) * 5)::int] END
FROM crm.accounts a
WHERE a.id = s.account_id AND s.end_date IS NOT NULL
  AND NOT EXISTS (SELECT FROM crm.subscriptions n WHERE n.account_id = s.account_id AND n.start_date = s.end_date);

-- Onboarding: the product logs the steps of each new account, from its trial on. Most create
-- the account and connect their data; fewer invite their team, build a first report or enable
-- an integration. Steps after the end of the history are not logged yet.
INSERT INTO crm.onboarding_events
SELECT e.account_id, e.event, e.happened_at
FROM (SELECT t.account_id, v.event,
             CASE WHEN v.event = 'account_created' THEN t.trial_start + interval '2 hours'
                  ELSE f.signup + (pg_temp.draw(v.event || ':when', t.account_id) * v.days - 3) * interval '1 day' END AS happened_at,
             pg_temp.draw(v.event, t.account_id) < v.share AS reached
      FROM crm.trials t
      JOIN (SELECT account_id, min(start_date) AS signup FROM crm.subscriptions GROUP BY 1) f USING (account_id)
      CROSS JOIN (VALUES ('account_created', 1.0, 0), ('data_connected', 0.85, 20), ('team_invited', 0.6, 30),
                         ('first_report', 0.7, 40), ('integration_enabled', 0.4, 60)) v(event, share, days)
      WHERE t.account_id IS NOT NULL) e
WHERE e.reached AND e.happened_at < timestamptz '2026-11-01';
-- Product analytics: the signals of the health model (02_register.sql). Weekly login counts,
-- the adoption of six features and executive-sponsor departures, for the last 30 months.
-- Accounts disengage before they cancel: in the months before a cancellation their logins
-- fall off, half of their product usage stops, they complain, pay late, answer the NPS
-- survey as detractors, and a sponsor has often left; so a health
-- score that reads usage and logins sees a cancellation coming. Draws are md5s of a key (the
-- account, the week...), independent of the stream above.
CREATE TABLE crm.activity (account_id int, happened_at timestamptz, event text, amount int);
CREATE FUNCTION pg_temp.draw(key text) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || substr(md5('activity:' || key), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8
$$;
-- the end of each paying spell (a plan change starts a subscription on the day the last ends)
CREATE TEMP TABLE demo_cancellations AS
SELECT s.account_id, s.end_date AS cancelled_on
FROM crm.subscriptions s
WHERE s.end_date > s.start_date AND s.mrr > 0
  AND NOT EXISTS (SELECT FROM crm.subscriptions n WHERE n.account_id = s.account_id AND n.start_date = s.end_date);
-- how much each account uses the product, 0..1, from its events per paying month
CREATE TEMP TABLE demo_engagement AS
SELECT a.id AS account_id,
       least(1, coalesce((SELECT count(*) FROM crm.product_events e WHERE e.account_id = a.id), 0)
                / greatest(1, (SELECT sum((coalesce(s.end_date, date '2026-10-31') - s.start_date) / 30.4)
                               FROM crm.subscriptions s WHERE s.account_id = a.id AND s.end_date IS DISTINCT FROM s.start_date)) / 6.0) AS engagement
FROM crm.accounts a;
-- weekly logins of each paying account: 2 to 32 by engagement, falling to a tenth as a
-- cancellation comes within 150 days
INSERT INTO crm.activity
SELECT w.account_id, w.week + interval '6 days 18 hours', 'login', w.logins
FROM (SELECT s.account_id, wk::date AS week,
             round((2 + 30 * g.engagement) * (0.6 + 0.8 * pg_temp.draw(s.account_id || ':' || wk::date))
                   * greatest(0.1, least(1, coalesce((SELECT min(c.cancelled_on - wk::date) FROM demo_cancellations c
                                                      WHERE c.account_id = s.account_id AND c.cancelled_on > wk::date), 150) / 150.0)))::int AS logins
      FROM crm.subscriptions s JOIN demo_engagement g ON g.account_id = s.account_id
      CROSS JOIN generate_series(timestamp '2024-05-06', timestamp '2026-10-19', interval '7 days') AS wk
      WHERE s.mrr > 0 AND s.start_date <= wk::date AND (s.end_date IS NULL OR s.end_date > wk::date + 6)) w
WHERE w.logins > 0;
-- before a cancellation: half of the product usage of the last 120 days never happened, the
-- account complains (a ticket or two), pays late, and answers the NPS survey as a detractor
DELETE FROM crm.product_events e USING demo_cancellations c
WHERE e.account_id = c.account_id AND e.occurred_at >= c.cancelled_on - 120 AND e.occurred_at < c.cancelled_on
  AND pg_temp.draw(e.account_id || ':' || e.occurred_at || ':usage') < 0.5;
INSERT INTO crm.tickets (account_id, created_at, solved_at, touches)
SELECT c.account_id, t, t + interval '30 hours', 2
FROM demo_cancellations c CROSS JOIN generate_series(1, 2) AS k,
     LATERAL (SELECT (c.cancelled_on - (10 + 100 * pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':ticket' || k))::int) + interval '10 hours' AS t) x
WHERE pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':complains' || k) < 0.7 / k;
UPDATE crm.invoices i SET paid_date = i.paid_date + (10 + 30 * pg_temp.draw(i.account_id || ':' || i.due_date || ':late'))::int
FROM demo_cancellations c
WHERE i.account_id = c.account_id AND i.due_date >= c.cancelled_on - 120 AND i.due_date < c.cancelled_on AND i.paid_date IS NOT NULL
  AND pg_temp.draw(i.account_id || ':' || i.due_date || ':pays late') < 0.6;
INSERT INTO crm.survey_answers
SELECT c.account_id, c.cancelled_on - (15 + 105 * pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':nps when'))::int + interval '15 hours',
       'nps', (6 * pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':nps'))::int
FROM demo_cancellations c WHERE pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':answers') < 0.5;
-- features adopted some weeks after the start of a paying spell, more of them by engaged accounts
INSERT INTO crm.activity
SELECT s.account_id, s.start_date + (20 + 300 * pg_temp.draw(s.account_id || ':' || f || ':when'))::int + interval '11 hours',
       'feature_adopted', NULL
FROM crm.subscriptions s JOIN demo_engagement g ON g.account_id = s.account_id
CROSS JOIN (VALUES ('reports'), ('alerts'), ('api'), ('sso'), ('workflows'), ('mobile')) AS x(f)
WHERE s.mrr > 0 AND s.start_date > date '2023-05-01' AND s.end_date IS DISTINCT FROM s.start_date
  AND pg_temp.draw(s.account_id || ':' || s.start_date || ':' || f) < 0.15 + 0.6 * g.engagement
  AND s.start_date + (20 + 300 * pg_temp.draw(s.account_id || ':' || f || ':when'))::int < least(coalesce(s.end_date, date '2026-10-31'), date '2026-10-31');
-- executive sponsors leave now and then, and often in the months before a cancellation
INSERT INTO crm.activity
SELECT c.account_id, c.cancelled_on - (20 + 100 * pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':sponsor'))::int + interval '9 hours',
       'sponsor_left', NULL
FROM demo_cancellations c WHERE pg_temp.draw(c.account_id || ':' || c.cancelled_on || ':left') < 0.4;
INSERT INTO crm.activity
SELECT s.account_id, m + interval '14 days 9 hours', 'sponsor_left', NULL
FROM crm.subscriptions s CROSS JOIN generate_series(timestamp '2024-05-01', timestamp '2026-10-01', interval '1 month') AS m
WHERE s.mrr > 0 AND s.start_date <= m::date AND (s.end_date IS NULL OR s.end_date > m::date + 14)
  AND pg_temp.draw(s.account_id || ':' || m::date || ':sponsor') < 0.01;
-- and a row without its event, for data_issues
INSERT INTO crm.activity VALUES (21, '2026-10-05 10:00+00', NULL, 1);

-- Real data is never clean: a few rows the KPI views must leave out (and list in data_issues).
INSERT INTO crm.survey_answers VALUES (17, '2026-09-03 10:00+00', 'nps', 11);
INSERT INTO crm.subscriptions (account_id, start_date, end_date, mrr) VALUES (18, '2026-05-01', '2026-04-01', 99);
INSERT INTO crm.subscriptions (account_id, start_date, end_date, mrr) VALUES (19, '2026-02-01', NULL, -50);
INSERT INTO crm.tickets (account_id, created_at, solved_at, touches) VALUES (99999, '2026-10-02 09:00+00', '2026-10-02 11:00+00', 1);
INSERT INTO crm.onboarding_events VALUES (21, 'Data Connected', '2026-09-14 08:00+00'), (22, 'first_report', NULL);

ANALYZE;
\pset footer off
\echo '== The demo company''s CRM data (schema crm, three years up to 2026-10-31) =='
SELECT 'accounts' AS crm_table, count(*) AS rows FROM crm.accounts
UNION ALL SELECT 'subscriptions', count(*) FROM crm.subscriptions
UNION ALL SELECT 'survey_answers', count(*) FROM crm.survey_answers
UNION ALL SELECT 'tickets', count(*) FROM crm.tickets
UNION ALL SELECT 'invoices', count(*) FROM crm.invoices
UNION ALL SELECT 'product_events', count(*) FROM crm.product_events
UNION ALL SELECT 'renewals', count(*) FROM crm.renewals
UNION ALL SELECT 'trials', count(*) FROM crm.trials
UNION ALL SELECT 'cs_costs', count(*) FROM crm.cs_costs
UNION ALL SELECT 'onboarding_events', count(*) FROM crm.onboarding_events
UNION ALL SELECT 'activity', count(*) FROM crm.activity;

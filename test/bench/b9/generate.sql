-- B9 data: a seeded CRM of :b9_size customers over six years (2020-01-01 to 2026-01-01, in
-- UTC, which b9_views.sql sets), registered as csmetrics sources the way a user registers
-- them. Every value is drawn from md5(tag:row), so every PostgreSQL version builds the same
-- rows; all of it is set-based (INSERT ... SELECT over generate_series), so a million
-- customers take minutes.
--
-- Per 100k customers: 100k customers in three segments, ~108k subscriptions (upgrades,
-- downgrades, add-ons that overlap, reactivations after a gap, plan changes that touch),
-- ~300k survey answers (NPS, CSAT, CES, a few anonymous eNPS), ~200k tickets, ~770k
-- quarterly invoices and ~1.1M usage events, plus a few bad rows of each kind that the KPI
-- views must leave out (they appear in data_issues).
DROP SCHEMA IF EXISTS b9 CASCADE;
CREATE SCHEMA b9;

-- Draw j (0..3) from the md5 hex digest h: uniform in [0, 1), 32 bits each.
CREATE FUNCTION b9.u(h text, j int) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || substr(h, 1 + 8 * j, 8))::bit(32)::bigint / 4294967296.0::float8
$$;

-- A point at fraction f (0..1) of [a, b), to the second. (STABLE like timestamptz +
-- interval, so that it is inlined.)
CREATE FUNCTION b9.at(a timestamptz, b timestamptz, f float8) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT a + make_interval(secs => floor(date_part('epoch', b - a) * f))
$$;

-- One row per customer: segment, first start, planned end (NULL: still a customer at the
-- end of the data), price and the shape of its subscription history, with the points where
-- it changes (NULL when the life is too short). A quarter of the customers start at midnight
-- on the 1st and change or leave after whole months, so their subscriptions start and end
-- exactly on period boundaries.
CREATE TABLE b9.plan AS
SELECT c, seg, started_at, life_end, mrr, shape,
       CASE WHEN t1 > started_at AND t1 < life_to THEN t1 END AS t1,
       CASE WHEN t2 > started_at AND t3 > t2 AND t3 < life_to THEN t2 END AS t2,
       CASE WHEN t2 > started_at AND t3 > t2 AND t3 < life_to THEN t3 END AS t3
FROM (SELECT c, seg, started_at, life_end, life_to, mrr, shape,
             CASE WHEN aligned THEN date_trunc('month', b9.at(started_at, life_to, 0.2 + 0.6 * f1))
                  ELSE b9.at(started_at, life_to, 0.2 + 0.6 * f1) END AS t1,
             CASE WHEN aligned THEN date_trunc('month', b9.at(started_at, life_to, 0.2 + 0.3 * f1))
                  ELSE b9.at(started_at, life_to, 0.2 + 0.3 * f1) END AS t2,
             CASE WHEN aligned THEN date_trunc('month', b9.at(started_at, life_to, 0.55 + 0.4 * f2))
                  ELSE b9.at(started_at, life_to, 0.55 + 0.4 * f2) END AS t3
      FROM (SELECT c, seg, aligned, started_at, life_end, coalesce(life_end, '2026-01-01') AS life_to,
                   CASE WHEN free THEN 0 ELSE price END AS mrr,
                   -- 92 % one subscription; then upgrade, downgrade, reactivation after a gap, an
                   -- overlapping add-on, and an upgrade followed by a downgrade (three subscriptions)
                   CASE WHEN p < 0.920 THEN 'single' WHEN p < 0.950 THEN 'upgrade' WHEN p < 0.970 THEN 'downgrade'
                        WHEN p < 0.985 THEN 'reactivation' WHEN p < 0.995 THEN 'addon' ELSE 'up_down' END AS shape,
                   f1, f2
            FROM (SELECT c, seg, aligned, started_at, free, p, f1, f2, price,
                         CASE WHEN NOT churns THEN NULL
                              WHEN started_at + life >= timestamptz '2026-01-01' THEN NULL
                              ELSE started_at + life END AS life_end
                  FROM (SELECT c, seg, aligned, started_at, free, p, f1, f2, price, churns,
                               -- lifetime of a customer who leaves: exponential, mean 22 months
                               CASE WHEN aligned THEN make_interval(months => 1 + floor(-ln(1 - d) * 22)::int)
                                    ELSE make_interval(secs => floor(-ln(1 - d) * 22 * 30.44 * 86400)) END AS life
                        FROM (SELECT c, b9.u(h1, 2) < 0.25 AS aligned, b9.u(h2, 0) < 0.55 AS churns, b9.u(h2, 1) AS d,
                                     b9.u(h2, 2) AS p, b9.u(h3, 0) AS f1, b9.u(h3, 1) AS f2, b9.u(h3, 2) < 0.01 AS free,
                                     CASE WHEN b9.u(h1, 0) < 0.6 THEN 'smb' WHEN b9.u(h1, 0) < 0.9 THEN 'mid'
                                          WHEN b9.u(h1, 0) < 0.995 THEN 'enterprise' END AS seg,
                                     -- more customers every year: start at fraction u^0.75 of the six years
                                     CASE WHEN b9.u(h1, 2) < 0.25
                                          THEN date_trunc('month', b9.at('2020-01-01', '2026-01-01', b9.u(h1, 1) ^ 0.75))
                                          ELSE b9.at('2020-01-01', '2026-01-01', b9.u(h1, 1) ^ 0.75) END AS started_at,
                                     CASE WHEN b9.u(h1, 0) < 0.6 THEN (ARRAY[29, 49, 79, 99, 149])[1 + floor(b9.u(h1, 3) * 5)::int]::numeric
                                          WHEN b9.u(h1, 0) < 0.9 THEN (ARRAY[299, 499, 799])[1 + floor(b9.u(h1, 3) * 3)::int]::numeric
                                          ELSE round((1500 + b9.u(h1, 3) * 4500)::numeric, 2) END AS price
                              FROM (SELECT c, md5('b9:c1:' || c) AS h1, md5('b9:c2:' || c) AS h2, md5('b9:c3:' || c) AS h3
                                    FROM generate_series(1, :b9_size) c OFFSET 0) g OFFSET 0) w) x OFFSET 0) y) z OFFSET 0) zz;

-- Events spread over each customer's life: n per customer (which = 1: 0 to 6 survey
-- answers, 2: 0 to 4 tickets, 3: about one usage event every two months, more for heavy
-- users), the j-th at a random point of the j-th of n equal slices of the life, each with
-- the md5 digest of (tag, customer, j) to draw its attributes from.
CREATE FUNCTION b9.spread(tag text, which int)
RETURNS TABLE (c bigint, life_end timestamptz, at timestamptz, h text)
LANGUAGE sql STABLE AS $$
    SELECT p.c, p.life_end, b9.at(p.started_at, p.life_to, (j - 1 + b9.u(x.h, 0)) / p.n), x.h
    FROM (SELECT q.c, q.started_at, q.life_end, q.life_to,
                 CASE which WHEN 1 THEN floor(b9.u(q.hn, 0) * 7)
                            WHEN 2 THEN floor(b9.u(q.hn, 1) * 5)
                            ELSE greatest(1, round(date_part('epoch', q.life_to - q.started_at) / (30.44 * 86400)
                                                   * (0.1 + 0.8 * b9.u(q.hn, 2)))) END::int AS n
          FROM (SELECT c, started_at, life_end, coalesce(life_end, '2026-01-01') AS life_to, md5('b9:n:' || c) AS hn
                FROM b9.plan OFFSET 0) q
          OFFSET 0) p
    CROSS JOIN LATERAL generate_series(1, p.n) j
    CROSS JOIN LATERAL (SELECT md5(tag || ':' || p.c || ':' || j) AS h OFFSET 0) x
$$;

CREATE TABLE b9.customers (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    segment    text,
    created_at timestamptz NOT NULL
);
INSERT INTO b9.customers
SELECT c, 'Customer ' || c, seg, started_at FROM b9.plan;

CREATE TABLE b9.subscriptions (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    mrr         numeric(12, 2) NOT NULL
);
INSERT INTO b9.subscriptions (customer_id, started_at, ended_at, mrr)
SELECT c, s, e, m
FROM b9.plan p
CROSS JOIN LATERAL (VALUES
    -- the first subscription, up to the first change (or the whole life)
    (p.started_at, CASE WHEN p.shape IN ('upgrade', 'downgrade') THEN coalesce(t1, life_end)
                        WHEN p.shape IN ('reactivation', 'up_down') THEN coalesce(t2, life_end)
                        ELSE life_end END, p.mrr),
    -- upgrade / downgrade: a new price from the change on, touching the first subscription
    (CASE WHEN p.shape IN ('upgrade', 'downgrade') THEN t1 END, life_end,
     round(p.mrr * CASE p.shape WHEN 'upgrade' THEN 1.5 ELSE 0.6 END, 2)),
    -- reactivation: back after a gap, at the same price
    (CASE WHEN p.shape = 'reactivation' THEN t3 END, life_end, p.mrr),
    -- add-on: a second subscription overlapping the first
    (CASE WHEN p.shape = 'addon' THEN t2 END, t3, round(p.mrr * 0.3, 2)),
    -- upgrade then downgrade back: three subscriptions that touch
    (CASE WHEN p.shape = 'up_down' THEN t2 END, t3, p.mrr * 2),
    (CASE WHEN p.shape = 'up_down' THEN t3 END, life_end, p.mrr)
) v(s, e, m)
WHERE v.s IS NOT NULL;

-- Survey answers: 0 to 6 per customer (3 on average) spread over its life, NPS, CSAT or CES;
-- customers who leave are more often detractors. Plus anonymous employee NPS answers.
CREATE TABLE b9.survey_responses (
    id           bigserial PRIMARY KEY,
    customer_id  bigint,
    responded_at timestamptz NOT NULL,
    survey       text NOT NULL,
    score        int NOT NULL
);
INSERT INTO b9.survey_responses (customer_id, responded_at, survey, score)
SELECT c, at,
       CASE WHEN b9.u(h, 1) < 0.55 THEN 'nps' WHEN b9.u(h, 1) < 0.83 THEN 'csat' ELSE 'ces' END,
       CASE WHEN b9.u(h, 1) < 0.55 THEN
                CASE WHEN b9.u(h, 2) < CASE WHEN life_end IS NULL THEN 0.2 ELSE 0.4 END THEN floor(b9.u(h, 3) * 7)
                     WHEN b9.u(h, 2) < 0.65 THEN 7 + floor(b9.u(h, 3) * 2) ELSE 9 + floor(b9.u(h, 3) * 2) END
            WHEN b9.u(h, 1) < 0.83 THEN
                CASE WHEN b9.u(h, 2) < 0.05 THEN 1 WHEN b9.u(h, 2) < 0.15 THEN 2 WHEN b9.u(h, 2) < 0.30 THEN 3
                     WHEN b9.u(h, 2) < 0.60 THEN 4 ELSE 5 END
            ELSE CASE WHEN b9.u(h, 2) < 0.04 THEN 1 WHEN b9.u(h, 2) < 0.10 THEN 2 WHEN b9.u(h, 2) < 0.18 THEN 3
                      WHEN b9.u(h, 2) < 0.30 THEN 4 WHEN b9.u(h, 2) < 0.50 THEN 5 WHEN b9.u(h, 2) < 0.75 THEN 6 ELSE 7 END
       END
FROM b9.spread('b9:s', 1);
INSERT INTO b9.survey_responses (customer_id, responded_at, survey, score)
SELECT NULL, b9.at('2020-01-01', '2026-01-01', b9.u(h, 0)), 'enps', floor(b9.u(h, 1) * 11)
FROM generate_series(1, :b9_size / 50) i, LATERAL (SELECT md5('b9:e:' || i) AS h OFFSET 0) x;

-- Support tickets: 0 to 4 per customer; resolved within 1 hour to 10 days (still open at
-- the end of the data otherwise), in 1 to 4 contacts.
CREATE TABLE b9.tickets (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    opened_at   timestamptz NOT NULL,
    resolved_at timestamptz,
    contacts    int
);
INSERT INTO b9.tickets (customer_id, opened_at, resolved_at, contacts)
SELECT c, o, CASE WHEN r < '2026-01-01' AND b9.u(h, 2) >= 0.02 THEN r END,
       CASE WHEN b9.u(h, 3) < 0.62 THEN 1 WHEN b9.u(h, 3) < 0.85 THEN 2 WHEN b9.u(h, 3) < 0.95 THEN 3 ELSE 4 END
FROM (SELECT c, at AS o, h, at + make_interval(secs => floor(3600 * exp(b9.u(h, 1) * ln(240)))) AS r
      FROM b9.spread('b9:t', 2) OFFSET 0) t;

-- Invoices: one per quarter of every paid subscription, three months of MRR; most paid on
-- time, some late, the latest ones may be unpaid at the end of the data.
CREATE TABLE b9.invoices (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    due_at      timestamptz NOT NULL,
    paid_at     timestamptz,
    amount      numeric(12, 2) NOT NULL
);
INSERT INTO b9.invoices (customer_id, due_at, paid_at, amount)
SELECT customer_id, due_at, CASE WHEN paid_at < '2026-01-01' THEN paid_at END, amount
FROM (SELECT s.customer_id, d AS due_at, s.mrr * 3 AS amount,
             d + make_interval(days => CASE WHEN b9.u(h, 0) < 0.75 THEN -floor(b9.u(h, 1) * 10)::int
                                            WHEN b9.u(h, 0) < 0.93 THEN 1 + floor(b9.u(h, 1) * 45)::int
                                            ELSE 46 + floor(b9.u(h, 1) * 75)::int END) AS paid_at
      FROM b9.subscriptions s
      CROSS JOIN LATERAL generate_series(s.started_at, least(coalesce(s.ended_at, '2026-01-01'), '2026-01-01') - interval '1 second',
                                         interval '3 months') d
      CROSS JOIN LATERAL (SELECT md5('b9:i:' || s.id || ':' || d) AS h OFFSET 0) x
      WHERE s.mrr > 0) i;

-- Usage events: about one every two months of a customer's life, more for heavy users;
-- 1 to 50 units each.
CREATE TABLE b9.usage_events (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    quantity    int NOT NULL
);
INSERT INTO b9.usage_events (customer_id, occurred_at, quantity)
SELECT c, at, 1 + floor(b9.u(h, 1) * 50)
FROM b9.spread('b9:u', 3);

-- Bad rows, about one per 2,000 customers of each kind: the KPI views leave them out and
-- list them in data_issues, and the hand-written queries must leave them out too.
INSERT INTO b9.subscriptions (customer_id, started_at, ended_at, mrr)
SELECT CASE k WHEN 0 THEN :b9_size + i ELSE 1 + i * 1999 % :b9_size END,
       b9.at('2020-01-01', '2025-09-01', b9.u(h, 0)),
       b9.at('2020-01-01', '2025-09-01', b9.u(h, 0)) + CASE k WHEN 1 THEN interval '-20 days' ELSE interval '90 days' END,
       CASE k WHEN 2 THEN -49 ELSE 49 END
FROM generate_series(1, greatest(1, :b9_size / 2000)) i, generate_series(0, 2) k,
     LATERAL (SELECT md5('b9:bad:' || i || ':' || k) AS h OFFSET 0) x;    -- unknown customer, end before start, negative MRR
INSERT INTO b9.survey_responses (customer_id, responded_at, survey, score)
SELECT 1 + i * 1999 % :b9_size, b9.at('2020-01-01', '2026-01-01', b9.u(md5('b9:bads:' || i), 0)),
       (ARRAY['nps', 'csat', 'pmf'])[1 + i % 3], (ARRAY[11, 6, 3])[1 + i % 3]
FROM generate_series(1, greatest(3, :b9_size / 2000)) i;  -- out of range, unknown survey
INSERT INTO b9.tickets (customer_id, opened_at, resolved_at, contacts)
SELECT CASE WHEN i % 2 = 0 THEN :b9_size + i ELSE 1 + i * 1999 % :b9_size END, o,
       CASE WHEN i % 2 = 1 THEN o - interval '2 hours' ELSE o + interval '2 hours' END, 1
FROM generate_series(1, greatest(2, :b9_size / 2000)) i,
     LATERAL (SELECT b9.at('2020-01-01', '2026-01-01', b9.u(md5('b9:badt:' || i), 0)) AS o) x;  -- unknown customer, resolved before opened
INSERT INTO b9.invoices (customer_id, due_at, paid_at, amount)
SELECT 1 + i * 1999 % :b9_size, d, d, -10
FROM generate_series(1, greatest(1, :b9_size / 2000)) i,
     LATERAL (SELECT b9.at('2020-01-01', '2026-01-01', b9.u(md5('b9:badi:' || i), 0)) AS d) x;  -- negative amount

DROP FUNCTION b9.spread(text, int);
DROP TABLE b9.plan;
VACUUM ANALYZE b9.customers, b9.subscriptions, b9.survey_responses, b9.tickets, b9.invoices, b9.usage_events;

-- Registered as a user would: the customers table names its key "id".
SELECT csmetrics.register_source('customers', 'b9.customers', '{"customer_id": "id"}');
SELECT csmetrics.register_source('subscriptions', 'b9.subscriptions');
SELECT csmetrics.register_source('survey_responses', 'b9.survey_responses');
SELECT csmetrics.register_source('tickets', 'b9.tickets');
SELECT csmetrics.register_source('invoices', 'b9.invoices');
SELECT csmetrics.register_source('usage_events', 'b9.usage_events');

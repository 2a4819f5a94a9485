-- B9 reference: the best hand-written SQL we found for each heavy KPI view, over the same
-- tables, for the same columns. Each is event-based: it reads every source row once and
-- never builds a customers x periods grid. Each repeats the views' cleaning where it matters
-- (rows with negative MRR, an end before the start or an unknown customer are left out)
-- and their definitions: a subscription counts in a month when it is in force at the
-- month's end; months run from the first start to the last change, never past the current
-- month; a customer's spans are its subscriptions merged where they overlap or touch.
--
-- Shared tricks: the period of an instant is width_bucket() over the array of month
-- boundaries (a binary search, cheaper than date_trunc() per row); MRR is summed as integer
-- cents (the column is numeric(12,2), so this is exact) and turned back into numeric once
-- per output value; customer flows are counted from (start period, end period) pairs of
-- spans, a few thousand groups, with running sums over the periods.
CREATE TABLE b9.hand (view_name text PRIMARY KEY, query text NOT NULL);

-- The start every query shares (a CTE that a query does not use is never run).
SELECT $w$
WITH subs AS MATERIALIZED (
    -- the subscriptions the views count: a known customer, MRR >= 0, no end before the start
    SELECT s.customer_id, coalesce(c.segment, '(none)') AS segment, s.started_at, s.ended_at, s.mrr,
           (s.mrr * 100)::bigint AS cents
    FROM b9.subscriptions s JOIN b9.customers c ON c.id = s.customer_id
    WHERE s.mrr >= 0 AND (s.ended_at IS NULL OR s.ended_at >= s.started_at)
), bounds AS (
    -- the months of the series, from the first start to the last change but never past the
    -- current month: b = their starts and the end of the last, k = 1 .. last_k, [ps, pe) the last
    SELECT array_agg(p ORDER BY p) AS b, array_agg(p::date ORDER BY p) AS months, count(*)::int - 1 AS last_k,
           max(p) - interval '1 month' AS ps, max(p) AS pe
    FROM (SELECT date_trunc('month', min(started_at)) AS f,
                 least(date_trunc('month', max(greatest(started_at, ended_at))), date_trunc('month', now())) AS l
          FROM subs) r
    CROSS JOIN LATERAL generate_series(r.f, r.l + interval '1 month', interval '1 month') p
), spans AS (
    -- a customer's spans: a subscription starts a new one when it starts after every earlier
    -- one of the customer ended (islands: a running count of those starts numbers the spans)
    SELECT customer_id, segment, min(started_at) AS started_at,
           CASE WHEN bool_or(ended_at IS NULL) THEN NULL ELSE max(ended_at) END AS ended_at
    FROM (SELECT customer_id, segment, started_at, ended_at,
                 count(*) FILTER (WHERE starts_span) OVER (PARTITION BY customer_id ORDER BY started_at, ended_at
                                                           ROWS UNBOUNDED PRECEDING) AS span_no
          FROM (SELECT customer_id, segment, started_at, ended_at,
                       coalesce(started_at > max(coalesce(ended_at, 'infinity')) OVER (PARTITION BY customer_id ORDER BY started_at, ended_at
                                                                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS starts_span
                FROM subs) m) n
    GROUP BY customer_id, segment, span_no
)$w$ AS hand_with \gset

-- mrr_by_month. Each subscription is +MRR in the period it starts and -MRR in the period its
-- end falls in (it stops counting there); the changes of one customer in one period are
-- summed, and a running sum per customer gives its MRR level after each change. A change
-- from 0 is new (the customer's first change) or a reactivation (a later one); from a level
-- to 0 is churn; otherwise expansion or contraction. Totals per period, then running sums
-- over the periods give MRR and paying customers.
INSERT INTO b9.hand VALUES ('mrr_by_month', :'hand_with' || $q$
, ev AS (
    SELECT s.customer_id, e.k, sum(e.d) AS d
    FROM subs s CROSS JOIN bounds
    CROSS JOIN LATERAL (VALUES (width_bucket(s.started_at, bounds.b), s.cents),
                               (width_bucket(s.ended_at, bounds.b), -s.cents)) e(k, d)
    WHERE e.k <= bounds.last_k
    GROUP BY s.customer_id, e.k
    HAVING sum(e.d) <> 0
), lv AS (
    SELECT k, d, sum(d) OVER w AS level, row_number() OVER w = 1 AS first
    FROM ev WINDOW w AS (PARTITION BY customer_id ORDER BY k ROWS UNBOUNDED PRECEDING)
), per AS (
    SELECT k, sum(d) AS net,
           sum(d) FILTER (WHERE level = d AND first) AS new,
           sum(d) FILTER (WHERE level = d AND NOT first) AS reactivation,
           sum(d) FILTER (WHERE d > 0 AND level > d) AS expansion,
           sum(-d) FILTER (WHERE d < 0 AND level > 0) AS contraction,
           sum(-d) FILTER (WHERE level = 0) AS churned,
           count(*) FILTER (WHERE level = d) - count(*) FILTER (WHERE level = 0) AS paying_change
    FROM lv GROUP BY k
), series AS (
    SELECT k, round(sum(per.net) OVER w / 100.0, 2) AS mrr, round(coalesce(per.net, 0) / 100.0, 2) AS net,
           round(coalesce(per.new, 0) / 100.0, 2) AS new_mrr, round(coalesce(per.expansion, 0) / 100.0, 2) AS expansion_mrr,
           round(coalesce(per.contraction, 0) / 100.0, 2) AS contraction_mrr, round(coalesce(per.churned, 0) / 100.0, 2) AS churned_mrr,
           round(coalesce(per.reactivation, 0) / 100.0, 2) AS reactivation_mrr, sum(per.paying_change) OVER w AS paying
    FROM bounds CROSS JOIN LATERAL generate_series((SELECT min(k) FROM per), bounds.last_k) k
    LEFT JOIN per USING (k)
    WINDOW w AS (ORDER BY k ROWS UNBOUNDED PRECEDING)
)
SELECT bounds.b[k]::date AS month, mrr, mrr - net AS starting_mrr, new_mrr, expansion_mrr, contraction_mrr,
       churned_mrr, reactivation_mrr, net AS net_new_mrr,
       ((mrr - net - churned_mrr - contraction_mrr + expansion_mrr) / nullif(mrr - net, 0))::float8 AS nrr,
       ((mrr - net - churned_mrr - contraction_mrr) / nullif(mrr - net, 0))::float8 AS grr,
       ((new_mrr + expansion_mrr + reactivation_mrr) / nullif(contraction_mrr + churned_mrr, 0))::float8 AS quick_ratio,
       paying::bigint AS paying_customers, mrr / nullif(paying, 0) AS arpa
FROM series CROSS JOIN bounds
ORDER BY month
$q$);

-- customer_flow_by_month. Spans counted per (start period, end period) pair; new, lost and
-- lost-new come straight from the pairs, the customers at each period's start from a
-- running sum of starts minus ends.
INSERT INTO b9.hand VALUES ('customer_flow_by_month', :'hand_with' || $q$
, pairs AS (
    SELECT width_bucket(sp.started_at, bounds.b) AS sb, width_bucket(sp.ended_at, bounds.b) AS eb, count(*) AS n
    FROM spans sp CROSS JOIN bounds
    GROUP BY 1, 2
), per AS (
    SELECT e.k, sum(e.started) AS started, sum(e.ended) AS ended, sum(e.started_and_ended) AS started_and_ended
    FROM pairs CROSS JOIN LATERAL (VALUES (sb, n, 0, CASE WHEN eb = sb THEN n ELSE 0 END), (eb, 0, n, 0)) e(k, started, ended, started_and_ended)
    WHERE e.k IS NOT NULL
    GROUP BY e.k
), flow AS (
    SELECT k, coalesce(sum(coalesce(started, 0) - coalesce(ended, 0)) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS customers_start,
           coalesce(started, 0)::bigint AS new_customers,
           (coalesce(ended, 0) - coalesce(started_and_ended, 0))::bigint AS lost_customers,
           coalesce(started_and_ended, 0)::bigint AS lost_new_customers
    FROM bounds CROSS JOIN LATERAL generate_series(1, bounds.last_k) k LEFT JOIN per USING (k)
)
SELECT bounds.b[k]::date AS month, customers_start, new_customers, lost_customers, lost_new_customers,
       customers_start + new_customers - lost_customers - lost_new_customers AS customers_end,
       lost_customers::float8 / nullif(customers_start, 0) AS churn_rate,
       (customers_start - lost_customers - lost_new_customers)::float8 / nullif(customers_start, 0) AS retention_rate
FROM flow CROSS JOIN bounds
ORDER BY month
$q$);

-- customer_mrr_movements. The change rows of mrr_by_month, kept per customer (sorted by
-- segment and customer as the view is, which lets the final ORDER BY sort each customer's
-- rows only), each expanded into one row per month until the next change: the change
-- itself, then "unchanged" months while the customer pays.
INSERT INTO b9.hand VALUES ('customer_mrr_movements', :'hand_with' || $q$
, ev AS (
    SELECT s.segment, s.customer_id::text AS customer_id, e.k, sum(e.d) AS d
    FROM subs s CROSS JOIN bounds
    CROSS JOIN LATERAL (VALUES (width_bucket(s.started_at, bounds.b), s.cents),
                               (width_bucket(s.ended_at, bounds.b), -s.cents)) e(k, d)
    WHERE e.k <= bounds.last_k
    GROUP BY s.segment, s.customer_id::text, e.k
    HAVING sum(e.d) <> 0
), lv AS (
    SELECT segment, customer_id, k, coalesce(lead(k) OVER w - 1, last_k) AS until,
           level = d AS from_zero, row_number() OVER w = 1 AS first, level = 0 AS to_zero, d > 0 AS up,
           round((level - d) / 100.0, 2) AS previous_mrr, round(level / 100.0, 2) AS mrr, round(d / 100.0, 2) AS mrr_change
    FROM (SELECT segment, customer_id, k, d, sum(d) OVER w AS level FROM ev
          WINDOW w AS (PARTITION BY segment, customer_id ORDER BY k ROWS UNBOUNDED PRECEDING)) x
    CROSS JOIN bounds
    WINDOW w AS (PARTITION BY segment, customer_id ORDER BY k)
)
SELECT lv.customer_id, lv.segment, bounds.months[g] AS month,
       CASE WHEN g = lv.k THEN lv.previous_mrr ELSE lv.mrr END AS previous_mrr, lv.mrr,
       CASE WHEN g = lv.k THEN lv.mrr_change ELSE 0 END AS mrr_change,
       CASE WHEN g > lv.k THEN 'unchanged' WHEN lv.from_zero THEN CASE WHEN lv.first THEN 'new' ELSE 'reactivation' END
            WHEN lv.to_zero THEN 'churn' WHEN lv.up THEN 'expansion' ELSE 'contraction' END AS movement
FROM lv CROSS JOIN bounds
CROSS JOIN LATERAL generate_series(lv.k, CASE WHEN lv.to_zero THEN lv.k ELSE lv.until END) g
ORDER BY lv.segment, lv.customer_id, month
$q$);

-- ltv. Per segment and for all customers (GROUPING SETS over the span pairs): ARPA from
-- the subscriptions in force at the end of the last month, churn as the mean of the last 12
-- monthly churn rates from the span pairs, and the Kaplan-Meier restricted mean lifetime
-- from the spans' whole-month tenures (survival as exp of a running sum of logs).
INSERT INTO b9.hand VALUES ('ltv', :'hand_with' || $q$
, per_span AS (
    -- each span's start and end period, and its tenure in whole months up to the end of the data
    SELECT sp.segment, count(*) AS n, width_bucket(sp.started_at, bounds.b) AS sb, width_bucket(sp.ended_at, bounds.b) AS eb,
           (date_part('year', age(coalesce(sp.ended_at, bounds.pe), sp.started_at)) * 12
            + date_part('month', age(coalesce(sp.ended_at, bounds.pe), sp.started_at)))::int AS tenure,
           sp.ended_at IS NOT NULL AS churned
    FROM spans sp CROSS JOIN bounds
    GROUP BY 1, 3, 4, 5, 6
), by_segment AS (
    SELECT coalesce(segment, '(all)') AS segment, sb, eb, tenure, churned, sum(n) AS n
    FROM per_span GROUP BY GROUPING SETS ((segment, sb, eb, tenure, churned), (sb, eb, tenure, churned))
), churn AS (
    -- average monthly churn (lost / customers at start) of the last 12 months
    SELECT segment, avg(lost::float8 / nullif(at_start, 0)) AS churn_rate
    FROM (SELECT p.segment, k, coalesce(sum(p.n) FILTER (WHERE p.sb < k AND (p.eb IS NULL OR p.eb >= k)), 0) AS at_start,
                 coalesce(sum(p.n) FILTER (WHERE p.sb < k AND p.eb = k), 0) AS lost
          FROM by_segment p CROSS JOIN bounds CROSS JOIN LATERAL generate_series(greatest(1, bounds.last_k - 11), bounds.last_k) k
          GROUP BY p.segment, k) x
    GROUP BY segment
), arpa AS (
    -- MRR per paying customer at the end of the last month
    SELECT coalesce(segment, '(all)') AS segment, count(*) FILTER (WHERE mrr > 0) AS paying_customers,
           sum(mrr) / nullif(count(*) FILTER (WHERE mrr > 0), 0) AS arpa
    FROM (SELECT s.customer_id, s.segment, sum(s.mrr) AS mrr
          FROM subs s CROSS JOIN bounds
          WHERE s.started_at < bounds.pe AND (s.ended_at IS NULL OR s.ended_at >= bounds.pe)
          GROUP BY s.customer_id, s.segment) m
    GROUP BY GROUPING SETS ((segment), ())
), at_risk AS (
    -- Kaplan-Meier: at each tenure, the churned d and those still at risk n (tenure >= it)
    SELECT segment, tenure, d, sum(d + c) OVER (PARTITION BY segment ORDER BY tenure DESC) AS n
    FROM (SELECT segment, tenure, coalesce(sum(n) FILTER (WHERE churned), 0) AS d,
                 coalesce(sum(n) FILTER (WHERE NOT churned), 0) AS c
          FROM by_segment GROUP BY segment, tenure) t
), survival AS (
    -- S(t) = product of (1 - d/n) up to t, and how many months it holds
    SELECT segment, tenure,
           CASE WHEN bool_or(d = n) OVER w THEN 0 ELSE exp(sum(ln(CASE WHEN d < n THEN 1 - d::float8 / n END)) OVER w) END AS s,
           lead(tenure, 1, tenure + 1) OVER w - tenure AS months,
           min(tenure) OVER (PARTITION BY segment) AS first_tenure
    FROM at_risk WINDOW w AS (PARTITION BY segment ORDER BY tenure ROWS UNBOUNDED PRECEDING)
), km AS (
    -- restricted mean lifetime: the area under S up to the largest tenure + 1
    SELECT segment, min(first_tenure) + sum(s * months) AS expected_lifetime FROM survival GROUP BY segment
)
SELECT seg.segment, coalesce(a.paying_customers, 0) AS paying_customers, a.arpa, ch.churn_rate,
       round(a.arpa / nullif(ch.churn_rate, 0)::numeric, 2) AS ltv,
       k.expected_lifetime, round(a.arpa * k.expected_lifetime::numeric, 2) AS ltv_km,
       NULL::numeric AS crc, NULL::numeric AS cac, NULL::float8 AS ltv_to_crc, NULL::float8 AS ltv_to_cac
FROM (SELECT DISTINCT segment FROM by_segment) seg
LEFT JOIN arpa a USING (segment) LEFT JOIN churn ch USING (segment)
LEFT JOIN km k ON k.segment = seg.segment AND a.segment IS NOT NULL
ORDER BY segment
$q$);

-- kpi_overview. The latest value of every KPI, computing only what the latest period needs:
-- each survey's latest month from one grouped scan; the customer flow and LTV pieces from
-- the span pairs; MRR movements of the last month from each customer's MRR at the end of it
-- and of the month before (one hash aggregate, no series); support from the tickets
-- resolved in the latest month; the health score of the current customers from their
-- usage, latest NPS answer, tickets and days late in the health period, usage ranked with
-- rank() and cume_dist() in one window; the open actions by priority from those scores, the
-- latest NPS answer of the last year, the same MRR pairs and the unpaid invoices; the top
-- churn reason.
INSERT INTO b9.hand VALUES ('kpi_overview', :'hand_with' || $q$
, per_span AS (
    -- spans (subscriptions merged where they overlap or touch) by start and end period and tenure
    SELECT count(*) AS n, width_bucket(sp.started_at, bounds.b) AS sb, width_bucket(sp.ended_at, bounds.b) AS eb,
           (date_part('year', age(coalesce(sp.ended_at, bounds.pe), sp.started_at)) * 12
            + date_part('month', age(coalesce(sp.ended_at, bounds.pe), sp.started_at)))::int AS tenure,
           sp.ended_at IS NOT NULL AS churned
    FROM spans sp
    CROSS JOIN bounds
    GROUP BY 2, 3, 4, 5
), flows AS (
    -- customers at start, new, lost, lost new of each of the last 12 periods
    SELECT k, coalesce(sum(n) FILTER (WHERE sb < k AND (eb IS NULL OR eb >= k)), 0) AS at_start,
           coalesce(sum(n) FILTER (WHERE sb = k), 0) AS new, coalesce(sum(n) FILTER (WHERE sb < k AND eb = k), 0) AS lost,
           coalesce(sum(n) FILTER (WHERE sb = k AND eb = k), 0) AS lost_new
    FROM per_span CROSS JOIN bounds CROSS JOIN LATERAL generate_series(greatest(1, bounds.last_k - 11), bounds.last_k) k
    GROUP BY k
), flow AS (
    SELECT (at_start + new - lost - lost_new)::bigint AS customers, lost, lost::float8 / nullif(at_start, 0) AS churn_rate,
           (at_start - lost - lost_new)::float8 / nullif(at_start, 0) AS retention_rate,
           (SELECT avg(f.lost::float8 / nullif(f.at_start, 0)) FROM flows f) AS churn_12
    FROM flows CROSS JOIN bounds WHERE k = bounds.last_k
), cust_mrr AS (
    -- each customer's MRR at the end of the last period and of the one before (new and
    -- reactivation MRR need not be told apart here: only their sum is shown)
    SELECT sum(s.mrr) FILTER (WHERE s.started_at < bounds.ps AND (s.ended_at IS NULL OR s.ended_at >= bounds.ps)) AS prev,
           sum(s.mrr) FILTER (WHERE s.ended_at IS NULL OR s.ended_at >= bounds.pe) AS curr
    FROM subs s CROSS JOIN bounds
    GROUP BY s.customer_id
), mrr AS (
    SELECT m.*, m.ending - m.starting AS net_new_mrr
    FROM (SELECT coalesce(sum(prev), 0) AS starting, coalesce(sum(curr), 0) AS ending,
                 coalesce(sum(curr) FILTER (WHERE prev > 0 AND curr > prev), 0) - coalesce(sum(prev) FILTER (WHERE prev > 0 AND curr > prev), 0) AS expansion,
                 coalesce(sum(prev) FILTER (WHERE curr > 0 AND curr < prev), 0) - coalesce(sum(curr) FILTER (WHERE curr > 0 AND curr < prev), 0) AS contraction,
                 coalesce(sum(prev) FILTER (WHERE prev > 0 AND coalesce(curr, 0) = 0), 0) AS churned,
                 coalesce(sum(curr) FILTER (WHERE coalesce(prev, 0) = 0 AND curr > 0), 0) AS new_and_back,
                 count(*) FILTER (WHERE curr > 0) AS paying
          FROM cust_mrr) m
), ltv AS (
    SELECT round(m.ending / nullif(m.paying, 0) / nullif(f.churn_12, 0)::numeric, 2) AS ltv,
           round(m.ending / nullif(m.paying, 0) * km.rmst::numeric, 2) AS ltv_km
    FROM mrr m CROSS JOIN flow f
    CROSS JOIN (SELECT min(first_tenure) + sum(s * months) AS rmst
                FROM (SELECT tenure, min(tenure) OVER () AS first_tenure, lead(tenure, 1, tenure + 1) OVER w - tenure AS months,
                             CASE WHEN bool_or(d = n) OVER w THEN 0 ELSE exp(sum(ln(CASE WHEN d < n THEN 1 - d::float8 / n END)) OVER w) END AS s
                      FROM (SELECT tenure, d, sum(c) OVER (ORDER BY tenure DESC) AS n
                            FROM (SELECT tenure, coalesce(sum(n) FILTER (WHERE churned), 0) AS d, sum(n) AS c
                                  FROM per_span GROUP BY tenure) t) r
                      WINDOW w AS (ORDER BY tenure ROWS UNBOUNDED PRECEDING)) x) km
), survey_months AS (
    SELECT r.survey, date_trunc('month', r.responded_at) AS month, max(r.responded_at) AS latest_at, count(*) AS responses,
           count(*) FILTER (WHERE r.score >= 9) AS promoters, count(*) FILTER (WHERE r.score <= 6) AS detractors,
           count(*) FILTER (WHERE r.score >= 4) AS satisfied, sum(r.score) AS score_sum
    FROM b9.survey_responses r
    WHERE (r.customer_id IS NULL OR r.customer_id IN (SELECT c.id FROM b9.customers c))
      AND CASE r.survey WHEN 'nps' THEN r.score BETWEEN 0 AND 10 WHEN 'enps' THEN r.score BETWEEN 0 AND 10
                        WHEN 'csat' THEN r.score BETWEEN 1 AND 5 WHEN 'ces' THEN r.score BETWEEN 1 AND 7 ELSE false END
    GROUP BY 1, 2
), survey AS (
    -- each survey's latest month: NPS with its 95 % confidence interval, CSAT, CES
    SELECT survey, month::date AS month, nps, csat, ces,
           greatest(-100, nps - 1.959963984540054 * se) AS nps_ci_lower, least(100, nps + 1.959963984540054 * se) AS nps_ci_upper
    FROM (SELECT DISTINCT ON (survey) survey, month,
                 100.0 * (promoters::float8 - detractors::float8) / responses AS nps,
                 100.0 * sqrt(greatest(0, (promoters::float8 / responses + detractors::float8 / responses
                                           - (promoters::float8 / responses - detractors::float8 / responses)
                                             * (promoters::float8 / responses - detractors::float8 / responses)) / responses)) AS se,
                 satisfied::float8 / responses AS csat, score_sum::float8 / responses AS ces
          FROM survey_months ORDER BY survey, month DESC) s
), tickets AS MATERIALIZED (
    SELECT t.customer_id, t.opened_at, t.resolved_at, t.contacts
    FROM b9.tickets t
    WHERE (t.resolved_at IS NULL OR t.resolved_at >= t.opened_at) AND (t.contacts IS NULL OR t.contacts >= 0)
      AND t.customer_id IN (SELECT c.id FROM b9.customers c)
), ticket_months AS (
    SELECT greatest(date_trunc('month', max(opened_at)), date_trunc('month', max(resolved_at))) AS month,
           date_trunc('month', max(opened_at)) AS opened_month
    FROM tickets
), support AS (
    -- first contact resolution and median resolution time of the tickets resolved in the latest month
    SELECT l.month::date AS month, count(*) FILTER (WHERE t.contacts <= 1)::float8 / nullif(count(t.contacts), 0) AS fcr,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.resolved_at - t.opened_at)::float8 / 3600) AS median_hours
    FROM ticket_months l
    LEFT JOIN tickets t ON t.resolved_at >= l.month AND t.resolved_at < l.month + interval '1 month'
    GROUP BY l.month

), usage AS NOT MATERIALIZED (
    SELECT u.customer_id, u.occurred_at, u.quantity FROM b9.usage_events u
    WHERE u.quantity >= 0 AND u.customer_id IN (SELECT c.id FROM b9.customers c)
), invoices AS NOT MATERIALIZED (
    SELECT i.customer_id, i.due_at, i.paid_at FROM b9.invoices i
    WHERE i.amount >= 0 AND i.customer_id IN (SELECT c.id FROM b9.customers c)
), latest AS MATERIALIZED (
    -- the latest usage event and invoice, each source read once for both the health period
    -- and the as-of date of the actions
    SELECT (SELECT max(occurred_at) FROM usage) AS usage_at, (SELECT max(due_at) FROM invoices) AS invoice_at
), health_period AS (
    -- the month of the latest event
    SELECT p.ps, p.ps + interval '1 month' AS pe
    FROM (SELECT greatest(date_trunc('month', l.usage_at), (SELECT max(month) FROM survey_months),
                          (SELECT opened_month FROM ticket_months), date_trunc('month', l.invoice_at)) AS ps
          FROM latest l OFFSET 0) p
), measures AS (
    -- each current customer's measures in the health period, on 0..100
    SELECT c.customer_id, um.usage, nm.score AS nps_answer, coalesce(tm.tickets, 0) AS tickets, bm.days_late
    FROM (SELECT DISTINCT s.customer_id FROM subs s
          WHERE s.started_at < (SELECT pe FROM health_period) AND (s.ended_at IS NULL OR s.ended_at >= (SELECT pe FROM health_period))) c
    LEFT JOIN (SELECT u.customer_id, sum(u.quantity)::float8 AS usage FROM usage u
               WHERE u.occurred_at >= (SELECT ps FROM health_period) AND u.occurred_at < (SELECT pe FROM health_period)
               GROUP BY u.customer_id) um USING (customer_id)
    LEFT JOIN (SELECT DISTINCT ON (r.customer_id) r.customer_id, r.score::float8 AS score
               FROM b9.survey_responses r
               WHERE r.survey = 'nps' AND r.score BETWEEN 0 AND 10 AND r.responded_at < (SELECT pe FROM health_period)
                 AND r.responded_at >= (SELECT pe - interval '1 year' FROM health_period)
               ORDER BY r.customer_id, r.responded_at DESC) nm USING (customer_id)
    LEFT JOIN (SELECT t.customer_id, count(*) AS tickets FROM tickets t
               WHERE t.opened_at >= (SELECT ps FROM health_period) AND t.opened_at < (SELECT pe FROM health_period)
               GROUP BY t.customer_id) tm USING (customer_id)
    LEFT JOIN (SELECT i.customer_id, avg(greatest(0, date_part('epoch', least(coalesce(i.paid_at, h.pe), h.pe) - i.due_at) / 86400)) AS days_late
               FROM invoices i CROSS JOIN health_period h
               WHERE i.due_at < (SELECT pe FROM health_period) AND i.due_at >= (SELECT pe - interval '1 year' FROM health_period)
               GROUP BY i.customer_id) bm USING (customer_id)
), ranked AS (
    -- usage as a percentile rank among the current customers: 100 (L + (T - 1) / 2) / (n - 1)
    SELECT m.*, rank() OVER w - 1 AS below, round(cume_dist() OVER w * count(*) OVER ()) AS upto, count(*) OVER () AS n
    FROM (SELECT customer_id, coalesce(usage, 0) AS usage, nps_answer, tickets, days_late FROM measures) m
    WINDOW w AS (ORDER BY usage)
), health AS (
    -- red (40 or less) and yellow (up to 70) are also the health rules of the action list
    SELECT avg(score) AS average_health_score, count(*) FILTER (WHERE score <= 40) AS red_customers,
           count(*) FILTER (WHERE score > 40 AND score <= 70) AS yellow_customers
    FROM (SELECT (40 * usage_health + coalesce(10 * nps_health, 0) + 20 * support_health + coalesce(30 * billing_health, 0))
                 / (60 + CASE WHEN nps_health IS NULL THEN 0 ELSE 10 END + CASE WHEN billing_health IS NULL THEN 0 ELSE 30 END) AS score
          FROM (SELECT CASE WHEN n = 1 THEN 50.0 ELSE 100.0 * (below::float8 + (upto - below - 1)::float8 / 2.0) / (n - 1)::float8 END AS usage_health,
                       CASE WHEN nps_answer <= 0 THEN 0 WHEN nps_answer >= 10 THEN 1 ELSE nps_answer / 10 END * 100.0 AS nps_health,
                       100.0 - CASE WHEN tickets <= 0 THEN 0 WHEN tickets >= 5 THEN 1 ELSE tickets::float8 / 5 END * 100.0 AS support_health,
                       100.0 - CASE WHEN days_late <= 0 THEN 0 WHEN days_late >= 30 THEN 1 ELSE days_late / 30 END * 100.0 AS billing_health
                FROM ranked) h) s
), asof AS (
    -- the action list is as of the latest event of the sources (never later than now)
    SELECT t.as_of, (t.as_of AT TIME ZONE 'UTC')::date AS as_of_on, date_trunc('month', t.as_of) AS ps
    FROM (SELECT least(now(), greatest(l.usage_at, (SELECT max(latest_at) FROM survey_months),
                                       (SELECT max(opened_at) FROM tickets), l.invoice_at,
                                       (SELECT max(started_at) FROM subs))) AS as_of
          FROM latest l OFFSET 0) t
), nps_actions AS (
    -- each current customer's latest NPS answer of the last 365 days: 0-6 call, 7-8 send value, 9-10 ask a referral
    SELECT count(*) FILTER (WHERE n.score <= 6) AS detractors, count(*) FILTER (WHERE n.score BETWEEN 7 AND 8) AS passives,
           count(*) FILTER (WHERE n.score >= 9) AS promoters
    FROM (SELECT DISTINCT ON (r.customer_id) r.customer_id, r.score
          FROM b9.survey_responses r CROSS JOIN asof a
          WHERE r.survey = 'nps' AND r.score BETWEEN 0 AND 10 AND r.responded_at <= a.as_of
            AND (r.responded_at AT TIME ZONE 'UTC')::date >= a.as_of_on - 365 AND r.customer_id IN (SELECT c.id FROM b9.customers c)
          ORDER BY r.customer_id, r.responded_at DESC, r.score) n
    CROSS JOIN asof a
    WHERE EXISTS (SELECT FROM subs s WHERE s.customer_id = n.customer_id AND s.started_at <= a.as_of
                                        AND (s.ended_at IS NULL OR s.ended_at > a.as_of))
), other_actions AS (
    -- a contraction of the MRR in the month of the as-of date (the last month of the MRR
    -- series here; another month gives none, and the check fails); unpaid invoices past due
    SELECT (SELECT count(*) FROM cust_mrr m CROSS JOIN asof a CROSS JOIN bounds
            WHERE a.ps = bounds.ps AND m.prev > 0 AND m.curr > 0 AND m.curr < m.prev) AS contractions,
           (SELECT count(DISTINCT i.customer_id) FROM invoices i CROSS JOIN asof a
            WHERE (i.paid_at IS NULL OR i.paid_at > a.as_of) AND a.as_of_on - (i.due_at AT TIME ZONE 'UTC')::date > 0) AS reminders
), actions AS (
    -- open actions by priority, as action_rules sets them by default
    SELECT h.red_customers + n.detractors + o.contractions AS p1, o.reminders AS p2, h.yellow_customers + n.passives AS p3,
           n.promoters AS p4
    FROM health h CROSS JOIN nps_actions n CROSS JOIN other_actions o
)
SELECT greatest(nps.month, (SELECT month FROM survey WHERE survey = 'enps'), (SELECT month FROM survey WHERE survey = 'csat'),
                (SELECT month FROM survey WHERE survey = 'ces'), (bounds.ps)::date, support.month, (SELECT ps FROM health_period)::date) AS as_of,
       nps.nps, nps.nps_ci_lower, nps.nps_ci_upper, (SELECT nps FROM survey WHERE survey = 'enps') AS enps,
       (SELECT csat FROM survey WHERE survey = 'csat') AS csat, (SELECT ces FROM survey WHERE survey = 'ces') AS ces,
       flow.customers, flow.churn_rate, flow.retention_rate,
       mrr.ending AS mrr, mrr.net_new_mrr,
       ((mrr.starting - mrr.churned - mrr.contraction + mrr.expansion) / nullif(mrr.starting, 0))::float8 AS nrr,
       ((mrr.starting - mrr.churned - mrr.contraction) / nullif(mrr.starting, 0))::float8 AS grr,
       ((mrr.new_and_back + mrr.expansion) / nullif(mrr.contraction + mrr.churned, 0))::float8 AS quick_ratio,
       mrr.ending / nullif(mrr.paying, 0) AS arpa,
       support.fcr, support.median_hours AS median_resolution_hours,
       -- no renewals or trials in the seeded CRM
       NULL::float8 AS renewal_rate, NULL::float8 AS trial_conversion_rate, ltv.ltv, ltv.ltv_km,
       health.average_health_score, health.red_customers,
       -- the seeded CRM records no churn reasons: every customer lost in the month is unknown
       CASE WHEN flow.lost > 0 THEN 'unknown' END AS top_churn_reason,
       actions.p1 + actions.p2 + actions.p3 + actions.p4 AS open_actions, actions.p1 AS open_actions_priority_1,
       actions.p2 AS open_actions_priority_2, actions.p3 AS open_actions_priority_3, actions.p4 AS open_actions_priority_4
FROM bounds CROSS JOIN flow CROSS JOIN mrr CROSS JOIN ltv CROSS JOIN support CROSS JOIN health CROSS JOIN actions
LEFT JOIN (SELECT * FROM survey WHERE survey = 'nps') nps ON true
$q$);

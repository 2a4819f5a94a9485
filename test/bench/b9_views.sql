-- B9: the KPI views over a seeded CRM, at one size (customers), against the best hand-written
-- event-based SQL for the same columns. bench.sh runs this file once per size of B9_SIZES
-- (make bench BENCH=b9 B9_SIZES="10000 100000"; default 10k, 100k and 1M), passing b9_size
-- and b9_reps. At each size, in one run:
--   B9 <size> <view>  SELECT * FROM kpi.<view> against its hand SQL (b9/hand.sql), after
--                     checking both give the same rows. Goal: the view >= 2x faster.
--   B9 <size> refresh refresh_kpi_views() of the materialized set against the hand
--                     mrr_by_month query. Goal at 100k customers: at most 10x.
--   B9 growth a -> b  the refresh at size b against size a (ratio = 1 / growth). Goal from
--                     100k to 1M customers: at most 12x.
-- The machine's speed can change by tens of percent between two sizes, which are minutes
-- apart. So each size also times a fixed piece of work, the same at every size (b9_check_ms,
-- just before and just after the refresh), and the growth line gives the ratio of its times
-- at the two sizes and the growth scaled by it to the speed of the smaller size.
-- The views are used only through their public interface: register_source(),
-- create_kpi_views(), refresh_kpi_views() and the documented columns of kpi.*.
\if :{?b9_size}
\else
\set b9_size 10000
\endif
\if :{?b9_reps}
\else
\set b9_reps 3
\endif
SET TimeZone = 'UTC';
-- the views' periods follow the time zone; every session of this run uses UTC
SELECT format('ALTER DATABASE %I SET TimeZone = %L', current_database(), 'UTC') \gexec
SET max_parallel_workers_per_gather = 0;
SELECT set_config('b9.size', :'b9_size', false), set_config('b9.reps', :'b9_reps', false);

-- 10000 -> 10k, 1000000 -> 1M.
CREATE OR REPLACE FUNCTION bench.b9_label(customers bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN customers % 1000000 = 0 THEN (customers / 1000000) || 'M'
                WHEN customers % 1000 = 0 THEN (customers / 1000) || 'k'
                ELSE customers::text END
$$;

SELECT set_config('b9.started', clock_timestamp()::text, false);
SET client_min_messages = warning;    -- the generator drops the previous size's tables
-- Refresh, hand MRR and machine check times of each size run so far, for the growth figures.
CREATE TABLE IF NOT EXISTS bench.b9_sizes (
    customers   bigint PRIMARY KEY,
    refresh_ms  float8 NOT NULL,
    hand_mrr_ms float8 NOT NULL,
    check_ms    float8 NOT NULL     -- the machine check, mean of before and after the refresh
);

-- The machine check: a fixed piece of work that reads no table and allocates next to no
-- memory (hashing 3M integers streamed by the executor; a GROUP BY of 1M integers took from
-- 260 to 740 ms within one session, with the state of the backend's memory), the median of
-- five runs in ms.
CREATE OR REPLACE FUNCTION bench.b9_check_ms() RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    t float8[] := '{}';
BEGIN
    FOR i IN 1 .. 5 LOOP
        t := t || bench.time_statement($q$SELECT sum(hashint8(x)) FROM (SELECT generate_series(1, 3000000)::int8 AS x) s$q$);
    END LOOP;
    RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t) x);
END $$;
\ir b9/generate.sql
\ir b9/check.sql
\ir b9/hand.sql
RESET client_min_messages;
DO $$
BEGIN
    RAISE NOTICE 'B9 %: generated % customers, % subscriptions, % survey answers, % tickets, % invoices, % usage events in % s',
        bench.b9_label(current_setting('b9.size')::bigint),
        (SELECT count(*) FROM b9.customers), (SELECT count(*) FROM b9.subscriptions),
        (SELECT count(*) FROM b9.survey_responses), (SELECT count(*) FROM b9.tickets),
        (SELECT count(*) FROM b9.invoices), (SELECT count(*) FROM b9.usage_events),
        round(extract(epoch FROM clock_timestamp() - current_setting('b9.started')::timestamptz)::numeric, 1);
END $$;

-- Plain views in kpi, materialized ones in kpi_mat (their creation populates them).
SET client_min_messages = warning;    -- the NOTICEs about kinds of source not registered
SELECT count(*) FROM csmetrics.create_kpi_views(target_schema => 'kpi');
SELECT set_config('b9.create_ms',
                  bench.time_statement($$SELECT csmetrics.create_kpi_views(target_schema => 'kpi_mat', materialized => true)$$)::text,
                  false);
RESET client_min_messages;

-- Every heavy view gives the same rows as its hand SQL, as a plain and as a materialized
-- view; the bench stops otherwise.
DO $$
DECLARE
    h record;
    n bigint;
BEGIN
    RAISE NOTICE 'B9 %: create_kpi_views(materialized => true) took % ms',
        bench.b9_label(current_setting('b9.size')::bigint), round(current_setting('b9.create_ms')::numeric, 1);
    FOR h IN SELECT * FROM b9.hand ORDER BY view_name LOOP
        n := bench.b9_check('kpi.' || h.view_name, 'SELECT * FROM kpi.' || quote_ident(h.view_name), h.query);
        PERFORM bench.b9_check('kpi_mat.' || h.view_name, 'SELECT * FROM kpi_mat.' || quote_ident(h.view_name), h.query);
        RAISE NOTICE 'B9 %: % agrees with the hand SQL (% rows)',
            bench.b9_label(current_setting('b9.size')::bigint), h.view_name, n;
    END LOOP;
END $$;

-- Timing: each view against its hand SQL (a single run of each, without warm-up, when
-- b9_reps is 1), then the full refresh.
DO $$
DECLARE
    label text := bench.b9_label(current_setting('b9.size')::bigint);
    reps int := current_setting('b9.reps')::int;
    v text;
    t float8[] := '{}';
    refresh float8;
    hand_mrr float8;
    prev record;
    i int;
    check_before float8;
    check_after float8;
    check_ms float8;
    check_ratio float8;     -- the check's time at this size over that at the previous one
    scaled_growth float8;   -- the refresh's growth scaled by it to the previous size's speed
BEGIN
    FOREACH v IN ARRAY ARRAY['mrr_by_month', 'customer_flow_by_month', 'customer_mrr_movements', 'ltv', 'kpi_overview'] LOOP
        PERFORM bench.compare(format('B9 %s %s', label, v),
            format('kpi.%s vs event-based hand SQL, %s customers', v, label),
            format('SELECT * FROM kpi.%I', v), (SELECT h.query FROM b9.hand h WHERE h.view_name = v),
            '>= 2x faster than the hand SQL', 2, reps, reps > 1);
    END LOOP;

    -- The first refresh shows the time of each view (NOTICE from refresh_kpi_views). The
    -- machine check brackets the refreshes, whose time the growth compares.
    check_before := bench.b9_check_ms();
    FOR i IN 1 .. reps LOOP
        t := t || bench.time_statement($q$SELECT csmetrics.refresh_kpi_views('kpi_mat')$q$);
        PERFORM set_config('client_min_messages', 'warning', false);
    END LOOP;
    PERFORM set_config('client_min_messages', 'notice', false);
    refresh := (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t) x);
    check_after := bench.b9_check_ms();
    check_ms := (check_before + check_after) / 2;
    RAISE NOTICE 'B9 % machine check: % ms before the refresh, % ms after it', label,
        round(check_before::numeric, 1), round(check_after::numeric, 1);
    hand_mrr := (SELECT r.theirs_ms FROM bench.results r WHERE r.workload = format('B9 %s mrr_by_month', label));
    PERFORM bench.record(format('B9 %s refresh', label),
        format('refresh_kpi_views() (%s materialized views) vs hand mrr_by_month, %s customers',
               (SELECT count(*) FROM csmetrics.kpi_views k WHERE k.target_schema = 'kpi_mat'), label),
        refresh, hand_mrr,
        CASE WHEN label = '100k' THEN '<= 10x the hand MRR query (ratio >= 0.1)' ELSE 'goal at 100k: <= 10x (ratio >= 0.1)' END,
        CASE WHEN label = '100k' THEN 0.1 END);
    RAISE NOTICE 'B9 % refresh: % ms, % x the hand MRR query', label, round(refresh::numeric, 1),
        round((refresh / hand_mrr)::numeric, 1);

    -- Growth against the largest smaller size of this run.
    INSERT INTO bench.b9_sizes VALUES (current_setting('b9.size')::bigint, refresh, hand_mrr, check_ms)
    ON CONFLICT (customers) DO UPDATE
        SET refresh_ms = EXCLUDED.refresh_ms, hand_mrr_ms = EXCLUDED.hand_mrr_ms, check_ms = EXCLUDED.check_ms;
    SELECT * INTO prev FROM bench.b9_sizes s WHERE s.customers < current_setting('b9.size')::bigint
    ORDER BY s.customers DESC LIMIT 1;
    IF FOUND THEN
        check_ratio := check_ms / prev.check_ms;
        scaled_growth := refresh / prev.refresh_ms / check_ratio;
        PERFORM bench.record(format('B9 growth %s -> %s', bench.b9_label(prev.customers), label),
            format('refresh_kpi_views() at %s customers vs at %s (ratio = 1 / growth; hand MRR grew %sx; machine check %sx, growth scaled to the speed of %s %sx)',
                   label, bench.b9_label(prev.customers), round((hand_mrr / prev.hand_mrr_ms)::numeric, 1),
                   round(check_ratio::numeric, 2), bench.b9_label(prev.customers), round(scaled_growth::numeric, 1)),
            refresh, prev.refresh_ms,
            CASE WHEN prev.customers = 100000 AND label = '1M' THEN '<= 12x from 100k to 1M (ratio >= 0.083)'
                 ELSE 'goal from 100k to 1M: <= 12x' END,
            CASE WHEN prev.customers = 100000 AND label = '1M' THEN 1 / 12.0 END);
        RAISE NOTICE 'B9 growth % -> %: refresh %x, hand MRR query %x; machine check %x, so scaled to the speed of % the refresh grew %x',
            bench.b9_label(prev.customers), label,
            round((refresh / prev.refresh_ms)::numeric, 1), round((hand_mrr / prev.hand_mrr_ms)::numeric, 1),
            round(check_ratio::numeric, 2), bench.b9_label(prev.customers), round(scaled_growth::numeric, 1);
    END IF;
END $$;

-- B8: health_score_ranked over 1M customers against the best plain SQL giving the same score.
--
-- Data: 1M customers, 4 measures with many ties (rounded values) and NULLs; directions
-- usage up, NPS up, support tickets down, days late down; weights 40/10/20/30.
--
-- The reference. percent_rank() alone is (rank − 1)/(N − 1): ties get their lowest rank and
-- NULL rows count in N, which is not the health rule p = 100·(L + (T − 1)/2)/(n − 1). The
-- cheapest exact SQL found uses ONE sort per measure: rank() − 1 = L (NULLs sort last) and
-- cume_dist()·N = L + T share the same window, so L + (T − 1)/2 = ((rank − 1) +
-- (round(cume_dist·N) − 1))/2, with n = count(measure) OVER () and N = count(*) OVER ().
-- (rank() plus count(*) OVER (PARTITION BY value) gives the same numbers with a second sort
-- per measure.) Both sides are checked equal below before timing.
SET search_path = csmetrics, public;
SET max_parallel_workers_per_gather = 0;

DROP TABLE IF EXISTS public.b8_customers CASCADE;
CREATE TABLE public.b8_customers AS
SELECT i AS customer,
       CASE WHEN bench.rand(1, i) < 0.05 THEN NULL ELSE round((bench.rand(2, i) * 100)::numeric, 1)::float8 END AS usage,
       CASE WHEN bench.rand(3, i) < 0.40 THEN NULL ELSE bench.rand_int(4, i, 0, 10)::float8 END AS nps,
       CASE WHEN bench.rand(5, i) < 0.10 THEN NULL ELSE floor(bench.rand(6, i) * bench.rand(7, i) * 30)::float8 END AS tickets,
       CASE WHEN bench.rand(8, i) < 0.02 THEN NULL ELSE bench.rand_int(9, i, 0, 59)::float8 END AS days_late
FROM generate_series(1, 1000000) i;
VACUUM ANALYZE public.b8_customers;

CREATE OR REPLACE VIEW public.b8_ours AS
SELECT customer,
       health_score_ranked(ARRAY[usage, nps, tickets, days_late], '{40,10,20,30}',
                           '{true,true,false,false}') OVER () AS score
FROM public.b8_customers;

CREATE OR REPLACE VIEW public.b8_theirs AS
SELECT customer,
       (coalesce(40 * pu, 0) + coalesce(10 * pn, 0) + coalesce(20 * pt, 0) + coalesce(30 * pd, 0))
       / nullif(CASE WHEN pu IS NULL THEN 0 ELSE 40 END + CASE WHEN pn IS NULL THEN 0 ELSE 10 END
                + CASE WHEN pt IS NULL THEN 0 ELSE 20 END + CASE WHEN pd IS NULL THEN 0 ELSE 30 END, 0)
         AS score
FROM (SELECT customer,
             CASE WHEN usage IS NULL THEN NULL WHEN nu = 1 THEN 50
                  ELSE 100.0::float8 * ((ru - 1) + (round(cu * nrows) - 1))::float8 / 2 / (nu - 1) END AS pu,
             CASE WHEN nps IS NULL THEN NULL WHEN nn = 1 THEN 50
                  ELSE 100.0::float8 * ((rn - 1) + (round(cn * nrows) - 1))::float8 / 2 / (nn - 1) END AS pn,
             CASE WHEN tickets IS NULL THEN NULL WHEN nt = 1 THEN 50
                  ELSE 100 - 100.0::float8 * ((rt - 1) + (round(ct * nrows) - 1))::float8 / 2 / (nt - 1) END AS pt,
             CASE WHEN days_late IS NULL THEN NULL WHEN nd = 1 THEN 50
                  ELSE 100 - 100.0::float8 * ((rd - 1) + (round(cd * nrows) - 1))::float8 / 2 / (nd - 1) END AS pd
      FROM (SELECT customer, usage, nps, tickets, days_late,
                   rank() OVER wu AS ru, cume_dist() OVER wu AS cu,
                   rank() OVER wn AS rn, cume_dist() OVER wn AS cn,
                   rank() OVER wt AS rt, cume_dist() OVER wt AS ct,
                   rank() OVER wd AS rd, cume_dist() OVER wd AS cd,
                   count(usage) OVER () AS nu, count(nps) OVER () AS nn,
                   count(tickets) OVER () AS nt, count(days_late) OVER () AS nd,
                   count(*) OVER () AS nrows
            FROM public.b8_customers
            WINDOW wu AS (ORDER BY usage), wn AS (ORDER BY nps),
                   wt AS (ORDER BY tickets), wd AS (ORDER BY days_late)) r) p;

-- Same answer (tolerance 1e-9): must print 0 mismatches.
SELECT count(*) AS customers,
       count(*) FILTER (WHERE o.score IS DISTINCT FROM t.score
                        AND NOT abs(o.score - t.score) < 1e-9) AS mismatches,
       count(*) FILTER (WHERE o.score IS NULL) AS null_scores
FROM public.b8_ours o JOIN public.b8_theirs t USING (customer);

SELECT bench.compare('B8', 'health_score_ranked, 1M customers, 4 measures',
    'SELECT score FROM public.b8_ours',
    'SELECT score FROM public.b8_theirs',
    '>= 2x faster than percent_rank()-style SQL', 2.0, 5);

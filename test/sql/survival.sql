-- Objects of this suite live in their own schema, apart from other suites'.
CREATE SCHEMA survival_suite;
SET search_path = survival_suite, csmetrics, public;

-- Hand example A: six customers, tenure in whole months, churned or still active.
--   tenure 1 churned, 2 active, 3 churned, 3 churned, 4 active, 5 churned
--   j  n_j  d_j  factor   Ŝ(j)
--   0   6    0   1        1
--   1   6    1   5/6      5/6  = 0.833333
--   2   5    0   1        5/6
--   3   4    2   2/4      5/12 = 0.416667
--   4   2    0   1        5/12
--   5   1    1   0        0
-- median: first k with Ŝ(k) <= 0.5 -> 3
-- RMST(6) = 1 + 5/6 + 5/6 + 5/12 + 5/12 + 0 = 3.5; RMST(3) = 1 + 5/6 + 5/6 = 2.666667
CREATE TABLE hand_a (tenure int, churned boolean);
INSERT INTO hand_a VALUES (1, true), (2, false), (3, true), (3, true), (4, false), (5, true);
CREATE TABLE hand_a_s AS SELECT survival_summary(tenure, churned) AS s FROM hand_a;
SELECT s FROM hand_a_s;
SELECT survival_curve(s) FROM hand_a_s;
SELECT k, round(survival_at(s, k)::numeric, 6) AS s_k
FROM hand_a_s, generate_series(0, 7) k ORDER BY k;
SELECT abs(survival_at(s, 1) - 5.0/6) < 1e-12 AS s1_ok,
       abs(survival_at(s, 3) - 5.0/12) < 1e-12 AS s3_ok,
       survival_at(s, 5) = 0 AS s5_zero,
       survival_at(s, 1000000) = 0 AS beyond_data_last_value
FROM hand_a_s;
SELECT median_lifetime(s), expected_lifetime(s),
       abs(expected_lifetime(s) - 3.5) < 1e-12 AS rmst_ok,
       round(expected_lifetime(s, 3)::numeric, 6) AS rmst_3,
       expected_lifetime(s, 1) AS rmst_1,
       expected_lifetime(s, 1201) AS rmst_1201,
       customers(s), churned(s)
FROM hand_a_s;

-- Hand example B: the curve sits exactly at one half.
--   tenure 2 churned, tenure 3 active: n_2 = 2, d_2 = 1 -> Ŝ(2) = Ŝ(3) = 0.5
--   median = 2 (R's survfit would print 2.5: the midpoint of the flat at exactly 0.5)
SELECT survival_curve(s), median_lifetime(s), expected_lifetime(s)
FROM (SELECT survival_summary(t, c) s FROM (VALUES (2, true), (3, false)) v(t, c)) x;

-- Hand example C: survival never reaches one half -> median NULL.
--   tenure 1 churned, three active at 5: Ŝ(1) = 3/4; RMST(6) = 1 + 5 * 0.75 = 4.75
SELECT survival_curve(s), median_lifetime(s) IS NULL AS no_median, expected_lifetime(s),
       expected_lifetime(s, 10) AS rmst_10_extends_last_value
FROM (SELECT survival_summary(t, c) s
      FROM (VALUES (1, true), (5, false), (5, false), (5, false)) v(t, c)) x;

-- Hand example D: churn at tenure 0 is an event at 0.
--   tenure 0 churned, 0 active, 2 churned: Ŝ(0) = 1 - 1/3 = 2/3; n_1 = 1, d_1 = 0 -> 2/3;
--   n_2 = 1, d_2 = 1 -> 0. RMST(3) = 4/3, median 2
SELECT survival_curve(s), median_lifetime(s), round(expected_lifetime(s)::numeric, 12) AS rmst
FROM (SELECT survival_summary(t, c) s
      FROM (VALUES (0, true), (0, false), (2, true)) v(t, c)) x;

-- Nobody churned: Ŝ = 1 everywhere, RMST = horizon.
SELECT survival_curve(s), median_lifetime(s), expected_lifetime(s), expected_lifetime(s, 24)
FROM (SELECT survival_summary(t, false) s FROM generate_series(0, 3) t) x;

-- Largest tenure 1200.
SELECT s, survival_at(s, 1200), expected_lifetime(s) AS rmst_1201, median_lifetime(s)
FROM (SELECT survival_summary(t, c) s FROM (VALUES (1200, true), (0, false)) v(t, c)) x;

-- NULL tenure or NULL churned rows are skipped; no rows or only NULL rows -> NULL.
SELECT survival_summary(t, c)
FROM (VALUES (1, true), (NULL, true), (2, NULL), (NULL, NULL), (2, false)) v(t, c);
SELECT survival_summary(t, c) IS NULL AS all_null
FROM (VALUES (NULL::int, true), (3, NULL)) v(t, c);
SELECT survival_summary(tenure, churned) IS NULL AS no_rows FROM hand_a WHERE false;
SELECT rollup(s) IS NULL AS rollup_no_rows FROM hand_a_s WHERE false;

-- Accessors on NULL are NULL (STRICT); on an empty summary (no customers) NULL, counts 0.
SELECT survival_at(NULL, 1), median_lifetime(NULL), expected_lifetime(NULL);
SELECT s, survival_at(s, 0), median_lifetime(s), expected_lifetime(s),
       expected_lifetime(s, 5), survival_curve(s), customers(s), churned(s)
FROM (SELECT '1;'::survival_summary s) x;

-- Text form: version;tenure:churned/censored for tenures with customers, ascending.
SELECT '1;0:1/2,3:0/5,1200:7/0'::survival_summary;
SELECT s::text::survival_summary = s AS round_trip, s::text = '1;1:1/0,2:0/1,3:2/0,4:0/1,5:1/0' AS text_ok
FROM hand_a_s;
SELECT '1;0:1/2'::survival_summary = '1;0:1/2'::survival_summary AS same,
       '1;0:1/2'::survival_summary = '1;0:2/1'::survival_summary AS swapped,
       '1;0:1/2'::survival_summary = '1;0:1/2,5:0/1'::survival_summary AS longer,
       '1;'::survival_summary = '1;'::survival_summary AS empty_same;
SELECT '1;0:9223372036854775807/0'::survival_summary AS max_count;

-- Binary form: send, then receive through COPY BINARY; identical values.
CREATE TABLE bin_in (s survival_summary);
INSERT INTO bin_in SELECT s FROM hand_a_s UNION ALL SELECT '1;' UNION ALL SELECT '1;1200:3/4';
-- version byte 1, int32 entries, per entry int32 tenure, int64 churned, int64 censored
SELECT survival_summary_send(s) FROM bin_in ORDER BY 1;
SELECT current_setting('data_directory') || '/survival_bin.copy' AS binfile \gset
COPY bin_in TO :'binfile' WITH (FORMAT binary);
CREATE TABLE bin_out (s survival_summary);
COPY bin_out FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS received, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM bin_in i WHERE i.s = o.s)) AS equal
FROM bin_out o;

-- rollup: per-segment summaries merged equal the summary of all rows.
CREATE TABLE seg AS
SELECT g % 5 AS segment, (g * 7919) % 37 AS tenure, (g * 104729) % 3 = 0 AS churned
FROM generate_series(1, 2000) g;
CREATE TABLE seg_s AS
SELECT segment, survival_summary(tenure, churned) AS s FROM seg GROUP BY segment;
SELECT (SELECT rollup(s) FROM seg_s) = (SELECT survival_summary(tenure, churned) FROM seg)
       AS rollup_equals_whole,
       (SELECT customers(rollup(s)) FROM seg_s) AS customers,
       (SELECT churned(rollup(s)) FROM seg_s) AS churned,
       (SELECT count(*) FILTER (WHERE churned) FROM seg) AS churned_sql;
SELECT rollup(s) = '1;0:1/2,3:0/5'::survival_summary AS rollup_with_nulls
FROM (VALUES ('1;0:1/2'::survival_summary), (NULL), ('1;3:0/5')) v(s);
SELECT rollup(s) AS rollup_of_empty FROM (VALUES ('1;'::survival_summary), ('1;')) v(s);
-- text round trip of every stored summary
SELECT count(*) FILTER (WHERE s::text::survival_summary = s AND s::text::survival_summary::text = s::text)
       AS round_trips, count(*) AS summaries
FROM seg_s;

-- Window frames: a sliding ROWS frame (moving aggregate with inverse transitions) equals
-- the summary recomputed from the frame's rows; NULL rows inside the frame are skipped.
CREATE TABLE win AS
SELECT g AS id, CASE WHEN g % 11 = 0 THEN NULL ELSE (g * 31) % 50 END AS tenure,
       (g * 17) % 5 < 2 AS churned
FROM generate_series(1, 300) g;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s IS NOT DISTINCT FROM
           (SELECT survival_summary(tenure, churned) FROM win x WHERE x.id BETWEEN w.id - 6 AND w.id)
       ) AS equal
FROM (SELECT id, survival_summary(tenure, churned) OVER (ORDER BY id ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) s
      FROM win) w;
-- frames that hold only NULL rows give NULL, like the plain aggregate
SELECT id, survival_summary(t, c) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
FROM (VALUES (1, 3, true), (2, NULL, true), (3, NULL, false), (4, 5, false)) v(id, t, c) ORDER BY id;
-- RANGE frame with peers, and a frame sliding on both ends
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s IS NOT DISTINCT FROM
           (SELECT survival_summary(tenure, churned) FROM win x WHERE x.id / 10 BETWEEN w.id / 10 - 2 AND w.id / 10)
       ) AS equal
FROM (SELECT id, survival_summary(tenure, churned) OVER (ORDER BY id / 10 RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) s
      FROM win) w;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s IS NOT DISTINCT FROM
           (SELECT survival_summary(tenure, churned) FROM win x WHERE x.id BETWEEN w.id - 3 AND w.id + 3)
       ) AS equal,
       count(*) FILTER (WHERE abs(expected_lifetime(w.s) - expected_lifetime(
           (SELECT survival_summary(tenure, churned) FROM win x WHERE x.id BETWEEN w.id - 3 AND w.id + 3))) < 1e-12
       ) AS rmst_equal
FROM (SELECT id, survival_summary(tenure, churned) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 3 FOLLOWING) s
      FROM win) w;
-- rolling rollup of stored summaries (moving rollup with inverse)
CREATE TABLE win_s AS
SELECT id / 10 AS day, survival_summary(tenure, churned) AS s FROM win GROUP BY id / 10;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s IS NOT DISTINCT FROM
           (SELECT survival_summary(tenure, churned) FROM win x WHERE x.id / 10 BETWEEN w.day - 4 AND w.day)
       ) AS equal
FROM (SELECT day, rollup(s) OVER (ORDER BY day ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) s
      FROM win_s) w;
-- a few actual values of the rolling rollup, so a broken merge cannot pass unseen
SELECT day, customers(r), churned(r), median_lifetime(r), round(expected_lifetime(r)::numeric, 6) AS rmst
FROM (SELECT day, rollup(s) OVER (ORDER BY day ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) r FROM win_s) w
WHERE day IN (0, 4, 15, 30) ORDER BY day;

-- ltv(arpa, tenure, churned): average arpa × RMST.
--   arpa 10.50 (tenure 1, churned), 20 (2, active), 30.25 (3, churned): avg = 60.75 / 3 = 20.25
--   Ŝ = 1, 2/3, 2/3, 0 -> RMST(4) = 7/3, RMST(2) = 5/3
--   ltv = 20.25 × 7/3 = 47.25 (up to the float RMST), ltv(.., 2) = 20.25 × 5/3 = 33.75
CREATE TABLE ltv_small (arpa numeric, tenure int, churned boolean);
INSERT INTO ltv_small VALUES (10.50, 1, true), (20, 2, false), (30.25, 3, true);
SELECT ltv(arpa, tenure, churned), round(ltv(arpa, tenure, churned), 10) AS ltv_rounded,
       round(ltv(arpa, tenure, churned, 2), 10) AS ltv_horizon_2
FROM ltv_small;
SELECT ltv(arpa, tenure, churned)
         = avg(arpa) * expected_lifetime(survival_summary(tenure, churned))::numeric AS same_as_sql,
       ltv(arpa, tenure, churned, 2)
         = avg(arpa) * expected_lifetime(survival_summary(tenure, churned), 2)::numeric AS same_as_sql_h
FROM ltv_small;
-- NULL in any argument skips the row; no rows -> NULL; zero arpa is fine
SELECT round(ltv(arpa, tenure, churned), 10)
FROM (VALUES (10.50, 1, true), (NULL, 2, false), (30.25, NULL, true), (5, 2, NULL), (30.25, 3, true)) v(arpa, tenure, churned);
SELECT ltv(arpa, tenure, churned) IS NULL AS no_rows FROM ltv_small WHERE false;
SELECT ltv(arpa, tenure, churned, h) FROM (VALUES (0, 1, true, 3), (0.00, 2, false, 3)) v(arpa, tenure, churned, h);

-- The ltv state type: a test aggregate without the final function shows the exact sum of
-- arpa (with the display scale sum() keeps) in its text form.
CREATE AGGREGATE pg_temp.ltv_state(numeric, int, boolean) (
    SFUNC = csmetrics.survival_ltv_transfn, STYPE = csmetrics.survival_ltv_state,
    COMBINEFUNC = csmetrics.survival_ltv_combine);
CREATE AGGREGATE pg_temp.ltv_state(numeric, int, boolean, int) (
    SFUNC = csmetrics.survival_ltv_transfn, STYPE = csmetrics.survival_ltv_state,
    COMBINEFUNC = csmetrics.survival_ltv_combine);
SELECT pg_temp.ltv_state(arpa, tenure, churned), pg_temp.ltv_state(arpa, tenure, churned, 12)
FROM ltv_small;
SELECT st, st::survival_ltv_state::text = st AS round_trip,
       survival_ltv_state_send(st::survival_ltv_state) AS bytes
FROM (SELECT pg_temp.ltv_state(arpa, tenure, churned, 12)::text st FROM ltv_small) x;

-- Exact sums: arpa with 0..20 decimals, tiny and large, in 40 groups; the state's sum
-- equals sum(arpa) digit for digit, and ltv equals the plain-SQL formula exactly.
CREATE TABLE arpa_mix AS
SELECT g % 40 AS grp,
       round((regress.rand(1, g) * 10 ^ regress.rand_int(2, g, 0, 8))::numeric, (g % 21)) AS arpa,
       regress.rand_int(3, g, 0, 60)::int AS tenure, regress.rand(4, g) < 0.3 AS churned
FROM generate_series(1, 4000) g;
INSERT INTO arpa_mix VALUES (0, 0.00000000000000000001, 5, true), (1, 123456789012345.5, 2, false),
                            (2, 0, 0, true), (40, 1e-30, 1, false), (40, 5.0, 1, true),
                            (41, 99999999999999999999999999999999999999, 3, true);
SELECT count(*) AS groups,
       count(*) FILTER (WHERE split_part(st::text, ';', 3) = 'a=' || sum_arpa::text) AS exact_sums,
       count(*) FILTER (WHERE ltv_c = ltv_sql) AS ltv_equal
FROM (SELECT grp, pg_temp.ltv_state(arpa, tenure, churned) st, sum(arpa) sum_arpa,
             ltv(arpa, tenure, churned) ltv_c,
             avg(arpa) * expected_lifetime(survival_summary(tenure, churned))::numeric ltv_sql
      FROM arpa_mix GROUP BY grp) x;
SELECT grp, sum(arpa), split_part(pg_temp.ltv_state(arpa, tenure, churned)::text, ';', 3) AS state_sum
FROM arpa_mix WHERE grp IN (0, 1, 2, 40, 41) GROUP BY grp ORDER BY grp;

-- ltv as a window aggregate (no moving mode: each frame is aggregated afresh) equals the
-- aggregate over the frame's rows.
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.l IS NOT DISTINCT FROM
           (SELECT ltv(x.id % 7 + 0.25, tenure, churned) FROM win x WHERE x.id BETWEEN w.id - 5 AND w.id)
       ) AS equal,
       round(sum(w.l), 4) AS total
FROM (SELECT id, ltv(id % 7 + 0.25, tenure, churned) OVER (ORDER BY id ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) l
      FROM win) w;

-- kpi_id_set, the set of customer ids a clean relation tests its rows against when the ids
-- are integers: worked examples; membership against plain SQL on seeded ids (repeats, the
-- whole bigint range, both extremes), serial and in parallel workers; window frames; the
-- layout's size; text and binary round trips; every malformed input; the planner's estimate.
CREATE SCHEMA id_set_suite;
SET search_path = id_set_suite, csmetrics, public;

-- Worked examples: the distinct ids ascending, NULLs left out; no row gives an empty set (so
-- that a test against it is false, not NULL).
SELECT kpi_id_set_agg(id) AS ids
FROM (VALUES (3::bigint), (1), (2), (2), (NULL), (0), (-1), (-9223372036854775808), (9223372036854775807)) v(id);
SELECT kpi_id_set_agg(id) AS no_rows FROM (SELECT 1::bigint WHERE false) v(id);
SELECT kpi_id_set_agg(NULL::bigint) AS only_null;
SELECT id, kpi_id_set_contains('v1 ids={-9223372036854775808,-1,0,7,9223372036854775807}', id) AS member
FROM unnest(ARRAY[-9223372036854775808, -9223372036854775807, -1, 0, 1, 7, 8, 9223372036854775806,
                  9223372036854775807, NULL]::bigint[]) id;
SELECT kpi_id_set_contains('v1 ids={}', 0) AS in_empty, kpi_id_set_contains('v1 ids={}', -9223372036854775808) AS min_in_empty,
       kpi_id_set_contains('v1 ids={-9223372036854775808}', -9223372036854775808) AS min_alone;
-- Ids close together (a bitmap), at either end of bigint: members, and the ids just outside.
SELECT id, kpi_id_set_contains('v1 ids={-9223372036854775808,-9223372036854775806}', id) AS by_the_smallest,
       kpi_id_set_contains('v1 ids={9223372036854775806,9223372036854775807}', id) AS by_the_largest,
       kpi_id_set_contains('v1 ids={-64,-1,0,63,64}', id) AS around_zero
FROM unnest(ARRAY[-9223372036854775808, -9223372036854775807, -9223372036854775806, -9223372036854775805, -65, -64, -63,
                  -1, 0, 1, 63, 64, 65, 127, 128, 9223372036854775805, 9223372036854775806, 9223372036854775807]::bigint[]) id;

-- 20,000 seeded ids: a narrow range (many repeats), the whole bigint range, and 50 values
-- next to each extreme; a few NULLs. 60,000 probes: every id once, each id's neighbours, and
-- fresh draws of the same kinds. The set is made once per query (an InitPlan), as in the
-- views.
CREATE TABLE ids AS
SELECT i, CASE WHEN i % 997 = 0 THEN NULL
               WHEN i % 4 = 0 THEN regress.rand_int(31, i, -500, 500)
               WHEN i % 4 = 1 THEN ((regress.rand(32, i) - 0.5) * 1.8e19)::bigint
               WHEN i % 4 = 2 THEN 9223372036854775807 - regress.rand_int(33, i, 0, 49)
               ELSE -9223372036854775808 + regress.rand_int(34, i, 0, 49) END AS id
FROM generate_series(1, 20000) i;
ANALYZE ids;
CREATE TABLE probes AS
SELECT id FROM ids WHERE id IS NOT NULL
UNION ALL SELECT id + 1 FROM ids WHERE id < 9223372036854775807
UNION ALL SELECT id - 1 FROM ids WHERE id > -9223372036854775808
UNION ALL
SELECT CASE WHEN i % 3 = 0 THEN regress.rand_int(41, i, -1000, 1000)
            WHEN i % 3 = 1 THEN ((regress.rand(42, i) - 0.5) * 1.8e19)::bigint
            ELSE 9223372036854775807 - regress.rand_int(43, i, 0, 99) END
FROM generate_series(1, 4000) i;
CREATE TABLE id_sets AS SELECT kpi_id_set_agg(id) AS s FROM ids;
SELECT count(*) AS probes, count(*) FILTER (WHERE got) AS members,
       count(*) FILTER (WHERE got IS DISTINCT FROM expected) AS mismatches
FROM (SELECT kpi_id_set_contains((SELECT kpi_id_set_agg(id) FROM ids), p.id) AS got, d.id IS NOT NULL AS expected
      FROM probes p LEFT JOIN (SELECT DISTINCT id FROM ids WHERE id IS NOT NULL) d ON d.id = p.id) x;

-- Its text lists the distinct ids ascending.
SELECT s::text = 'v1 ids={' || (SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT DISTINCT id FROM ids WHERE id IS NOT NULL) d) || '}'
       AS text_lists_distinct_ids
FROM id_sets;

-- Each kind of id alone: the narrow range and the ids next to each extreme make bitmaps (a
-- few words over their range), the whole range a hash table; the same answers for every
-- probe, the neighbours just outside a bitmap's range included.
WITH sets AS (SELECT i % 4 AS r, kpi_id_set_agg(id) AS s FROM ids GROUP BY 1),
     members AS (SELECT DISTINCT i % 4 AS r, id FROM ids WHERE id IS NOT NULL)
SELECT r, bytes, count(*) FILTER (WHERE got) AS members, count(*) FILTER (WHERE got <> expected) AS mismatches
FROM (SELECT sets.r, pg_column_size(sets.s) AS bytes, kpi_id_set_contains(sets.s, p.id) AS got, m.id IS NOT NULL AS expected
      FROM sets CROSS JOIN probes p LEFT JOIN members m ON m.r = sets.r AND m.id = p.id) x
GROUP BY r, bytes ORDER BY r;

-- The same answers when the set is made once (an InitPlan) and read by parallel workers.
SELECT regress.force_parallel();
SELECT regress.plan_has('SELECT count(*) FROM probes p WHERE kpi_id_set_contains((SELECT kpi_id_set_agg(id) FROM ids), p.id)',
                        'Gather') AS parallel_plan;
SELECT count(*) AS members_in_parallel FROM probes p WHERE kpi_id_set_contains((SELECT kpi_id_set_agg(id) FROM ids), p.id);
SELECT regress.serial();
SELECT count(*) AS members_serial FROM probes p WHERE kpi_id_set_contains((SELECT kpi_id_set_agg(id) FROM ids), p.id);

-- As a window aggregate (no inverse: a frame that moves is gathered again): the set of each
-- row's frame against its distinct ids listed by plain SQL, for 500 rows with repeats and
-- NULLs, growing and sliding frames.
CREATE TABLE framed AS
SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE regress.rand_int(51, i, -20, 20) END AS id FROM generate_series(1, 500) i;
SELECT count(*) AS frames, count(*) FILTER (WHERE w.growing = g.growing AND w.sliding = g.sliding) AS agree
FROM (SELECT i, kpi_id_set_agg(id) OVER (ORDER BY i)::text AS growing,
             kpi_id_set_agg(id) OVER (ORDER BY i ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)::text AS sliding
      FROM framed) w
CROSS JOIN LATERAL (
    SELECT (SELECT 'v1 ids={' || coalesce(string_agg(d.id::text, ',' ORDER BY d.id), '') || '}'
            FROM (SELECT DISTINCT f.id FROM framed f WHERE f.i <= w.i AND f.id IS NOT NULL) d) AS growing,
           (SELECT 'v1 ids={' || coalesce(string_agg(d.id::text, ',' ORDER BY d.id), '') || '}'
            FROM (SELECT DISTINCT f.id FROM framed f WHERE f.i BETWEEN w.i - 5 AND w.i AND f.id IS NOT NULL) d) AS sliding) g;

-- Size: 24 bytes of header, then 8 bytes per word or slot. Ids 1 to n (serial ids) take a
-- bitmap, a bit per id of their range: 4 ids one word, 1,000 ids 16 words, 100,000 ids 1,563
-- words. Every thousandth id (1,000 to 1,000 n) takes a hash table, its slots a power of two
-- at least twice the ids (at least 8): 4 and 5 ids take 8 and 16 slots, 1,000 take 2,048,
-- 100,000 take 262,144. No id: an empty table of 8 slots.
SELECT n, (pg_column_size(kpi_id_set_agg(g)) - 24) / 8 AS serial_words,
       (pg_column_size(kpi_id_set_agg(g * 1000)) - 24) / 8 AS sparse_slots
FROM unnest(ARRAY[0, 4, 5, 1000, 100000]) n
LEFT JOIN LATERAL (SELECT g::bigint FROM generate_series(1, n) g) g ON true
GROUP BY n ORDER BY n;

-- Stored in a table, a set is read back as a TOAST pointer (stored out of line, uncompressed:
-- the type's storage is external) or compressed in its row (a column set to main), for every
-- row a query tests. Each call site keeps the last set it read, known by its pointer or
-- compressed bytes: the answers are those of the sets themselves, also when the rows
-- alternate between sets, and when one set is tested for many rows. Multiples of 1009 k make
-- hash tables; the column serial holds serial ids, as bitmaps (20,000 ids: 2.5 kB, out of line
-- too).
CREATE TABLE stored_sets (k int, ids kpi_id_set, small kpi_id_set, serial kpi_id_set);
ALTER TABLE stored_sets ALTER COLUMN small SET STORAGE main;
INSERT INTO stored_sets
SELECT k, (SELECT kpi_id_set_agg(g * k * 1009) FROM generate_series(1, 2000) g),
       (SELECT kpi_id_set_agg(g * k * 1009) FROM generate_series(1, 400) g),
       (SELECT kpi_id_set_agg(g) FROM generate_series(k, 20000 * k) g)
FROM generate_series(1, 3) k;
SELECT k, pg_column_size(ids) AS stored_bytes, pg_column_size(small) < 24 + 8 * 1024 AS small_compressed,
       pg_column_size(serial) AS serial_bytes
FROM stored_sets ORDER BY k;
SELECT a.k, count(*) FILTER (WHERE kpi_id_set_contains(a.ids, p * 1009)) AS members,
       count(*) FILTER (WHERE kpi_id_set_contains(a.small, p * 1009)) AS small_members,
       count(*) FILTER (WHERE kpi_id_set_contains(a.serial, p * 13)) AS serial_members,
       count(*) FILTER (WHERE kpi_id_set_contains(a.ids, p * 1009) <> (p % a.k = 0 AND p BETWEEN a.k AND 2000 * a.k)
                           OR kpi_id_set_contains(a.small, p * 1009) <> (p % a.k = 0 AND p BETWEEN a.k AND 400 * a.k)
                           OR kpi_id_set_contains(a.serial, p * 13) <> (p * 13 BETWEEN a.k AND 20000 * a.k)) AS wrong
FROM generate_series(1, 5000) p CROSS JOIN stored_sets a GROUP BY a.k ORDER BY a.k;
SELECT count(*) FILTER (WHERE kpi_id_set_contains((SELECT s.ids FROM stored_sets s WHERE s.k = 2), p)) AS members_of_one_set,
       count(*) FILTER (WHERE kpi_id_set_contains((SELECT s.serial FROM stored_sets s WHERE s.k = 2), p)) AS members_of_one_serial_set
FROM generate_series(1, 100000) p;

-- Text and binary round trips (binary through COPY, so that the receive function reads
-- exactly the bytes send wrote).
CREATE TABLE round_trip (name text, s kpi_id_set);
INSERT INTO round_trip VALUES ('seeded', (SELECT s FROM id_sets)), ('empty', 'v1 ids={}'),
    ('extremes', 'v1 ids={-9223372036854775808,9223372036854775807}');
SELECT name, s::text::kpi_id_set::text = s::text AS text_round_trip FROM round_trip ORDER BY name;
CREATE TABLE round_trip_back (LIKE round_trip);
CREATE FUNCTION copy_binary() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/id_set_round_trip.copy';
BEGIN
    EXECUTE format('COPY round_trip TO %L WITH (FORMAT binary)', path);
    EXECUTE format('COPY round_trip_back FROM %L WITH (FORMAT binary)', path);
END $$;
SELECT copy_binary();
SELECT a.name, a.s::text = b.s::text AS binary_round_trip FROM round_trip a JOIN round_trip_back b USING (name) ORDER BY a.name;
-- The binary form: version 1 (one byte), 2 ids (int32), then each id (int64), ascending.
SELECT kpi_id_set_send('v1 ids={-5,7}') AS bytes;

-- Malformed text: 22P02 with what is wrong and where.
SELECT regress.expect_error(format('SELECT %L::csmetrics.kpi_id_set', t)) AS text_error
FROM unnest(ARRAY['', 'ids={}', 'v2 ids={}', 'v1 ids={', 'v1 ids={1,}', 'v1 ids={3,1}', 'v1 ids={1,1}', 'v1 ids={01}',
                  'v1 ids={9223372036854775808}', 'v1 ids={1} ', 'v1  ids={1}', 'v1 ids={1,2}x']) WITH ORDINALITY AS c(t, n)
ORDER BY n;

-- Malformed bytes: 22P03 with what is wrong.
CREATE TABLE raw_bytes (b bytea);
CREATE TABLE read_set (s kpi_id_set);
CREATE FUNCTION from_bytes(bytes bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    file text := current_setting('data_directory') || '/id_set_bytes.bin';
    result text;
BEGIN
    TRUNCATE raw_bytes, read_set;
    INSERT INTO raw_bytes VALUES (bytes);
    EXECUTE format('COPY raw_bytes TO %L (FORMAT binary)', file);
    result := regress.expect_error(format('COPY read_set FROM %L (FORMAT binary)', file));
    IF result = 'no error' THEN
        SELECT s::text INTO result FROM read_set;
    END IF;
    RETURN result;
END $$;
SELECT from_bytes(b) AS binary_input
FROM unnest(ARRAY['\x0100000002fffffffffffffffb0000000000000007',    -- good: v1 ids={-5,7}
                  '\x',                                              -- nothing
                  '\x02',                                            -- version 2
                  '\x0100000002fffffffffffffffb00000000000000',      -- cut
                  '\x0100000002fffffffffffffffb000000000000000700',  -- a byte too many
                  '\x01ffffffff',                                    -- a negative count
                  '\x01000000020000000000000007fffffffffffffffb'     -- descending
                  ]::bytea[]) WITH ORDINALITY AS c(b, n)
ORDER BY n;

-- The planner takes the test to keep half of the rows, as for the EXISTS over the customers
-- it replaces in the views (for a boolean function it would take a third), so that the plans
-- around it stay the same.
CREATE FUNCTION estimated_rows(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;
SELECT round((estimated_rows('SELECT * FROM ids WHERE kpi_id_set_contains(''v1 ids={1}'', id)')
              / estimated_rows('SELECT * FROM ids'))::numeric, 3) AS estimated_share,
       round((estimated_rows('SELECT * FROM ids WHERE id IS NULL OR EXISTS (SELECT FROM probes c WHERE c.id = ids.id)')
              / estimated_rows('SELECT * FROM ids'))::numeric, 3) AS exists_share;

DROP SCHEMA id_set_suite CASCADE;

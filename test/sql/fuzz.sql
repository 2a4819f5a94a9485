-- Fuzzing every SQL entry point: each C function, aggregate and window function of
-- the extension is called with random and hostile arguments, and every storable type gets
-- random and mutated text and binary input, alone and as array elements. The server must
-- survive all of it, and every error must be a clean user error: an internal error (SQLSTATE
-- XX000, elog) reached from SQL input means a check is missing. Only the extension's own
-- objects are fuzzed, so the suite runs beside the others.
SET search_path = csmetrics, public;
-- Instants print and read back alike in UTC (in pg_regress's America/Los_Angeles, instants
-- before 1883 print with the LMT abbreviation, which not every version reads back).
SET timezone = 'UTC';

CREATE SCHEMA fuzz;

-- The fuzzer's dice: the next draw of one pseudo-random stream (regress.rand of a sequence
-- number). The suite draws in a fixed order, so every run on every PostgreSQL version makes
-- the same calls with the same arguments.
CREATE SEQUENCE fuzz.draws;
CREATE FUNCTION fuzz.dice() RETURNS float8 LANGUAGE sql AS $$
    SELECT regress.rand(2024, nextval('fuzz.draws'))
$$;
-- A whole number from 0 to n - 1 (0 when n is 0).
CREATE FUNCTION fuzz.pick(n bigint) RETURNS int LANGUAGE sql AS $$
    SELECT floor(fuzz.dice() * n)::int
$$;

-- Hostile values per argument type, as SQL literals (NULL included everywhere).
CREATE TABLE fuzz.pool (typ regtype, n int, lit text, PRIMARY KEY (typ, n));
INSERT INTO fuzz.pool
SELECT t::regtype, o, v
FROM (VALUES
  ('smallint', ARRAY['0','1','-1','5','9','10','11','7','32767','-32768','NULL']),
  ('integer',  ARRAY['0','1','-1','2','5','7','10','11','12','60','1200','1201','10001','2147483647','-2147483648','NULL']),
  ('bigint',   ARRAY['0','1','-1','10','11','9223372036854775807','-9223372036854775808','NULL']),
  ('double precision', ARRAY['0','0.5','1','-1','0.05','1.0000001','1e308','-1e308','1e-320','''NaN''','''Infinity''','''-Infinity''','NULL']),
  ('numeric',  ARRAY['0','1','-1','5','9.5','10.0','0.00001','1e30','-1e30','''NaN''','123456789012345678901234567890.123456789','1e-40','99999999999999999999999999999999999999','NULL']),
  ('boolean',  ARRAY['true','false','NULL']),
  ('text',     ARRAY['''''','''x''','''month''','''healthy''','NULL']),
  ('date',     ARRAY['''2024-01-31''','''2024-02-29''','''2024-03-01''','''infinity''','''-infinity''','''4713-01-01 BC''','''5874897-12-31''','NULL']),
  ('timestamp with time zone', ARRAY['''2024-01-31 00:00+00''','''2024-03-31 23:59:59.999999+00''','''infinity''','''-infinity''','''4714-11-24 00:00+00 BC''','''294276-12-31 23:59:59+00''','NULL']),
  ('interval', ARRAY['''1 month''','''1 week''','''3 months''','''1 day''','''0''','''-1 month''','''1 month -40 days''','''1000000 years''','''1 microsecond''','NULL']),
  ('double precision[]', ARRAY['''{}''','''{1,2,3,4}''','''{10,20,30,40}''','''{0.5,99,NULL,3}''','''{1,1,1,1}''','''{40,10,20,30}''','''{NULL,50,NULL,50}''','''{{1,2},{3,4}}''','''{NaN,1}''','''{Infinity,1}''','''{-1,1}''','''{0,0,0,0}''','''[5:8]={1,2,3,4}''','array_fill(1.0::float8, ARRAY[100000])','NULL']),
  ('boolean[]', ARRAY['''{}''','''{t,f,t,f}''','''{t,t,t,t}''','''{f,t,f,t}''','''{NULL,t}''','''{{t}}''','NULL']),
  ('text[]',    ARRAY['''{}''','''{a,b,c}''','''{a,NULL}''','''{{a}}''','NULL'])
) AS src(t, vals), unnest(vals) WITH ORDINALITY AS u(v, o);

-- The extension's own types (summaries, states, composite results): harvested from calls and
-- fuzzed as input. Not their implicit parts (array types, row types of the configuration
-- tables), which PostgreSQL 17 and later list as extension members too: the same types on
-- every version.
CREATE TABLE fuzz.harvest_types AS
SELECT t.oid::regtype AS typ
FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'csmetrics'
WHERE t.typtype IN ('b', 'c')
  AND NOT EXISTS (SELECT FROM pg_depend i WHERE i.classid = d.classid AND i.objid = d.objid AND i.deptype = 'i');

-- Text and binary input is fuzzed on the base types with their own input functions, and on
-- arrays of them: PostgreSQL's array code (a core container) reads those, and calls the
-- element type's functions for each element.
CREATE TABLE fuzz.input_types AS
SELECT t.oid::regtype AS typ, false AS container, t.oid::regtype AS element
FROM pg_type t WHERE t.oid IN (SELECT typ FROM fuzz.harvest_types) AND t.typtype = 'b'
UNION ALL
SELECT t.typarray::regtype, true, t.oid::regtype
FROM pg_type t WHERE t.oid IN (SELECT typ FROM fuzz.harvest_types) AND t.typtype = 'b';

-- Functions to fuzz: the extension's C functions (direct calls, aggregate support functions
-- included: they are ordinary functions, see src/csmetrics.h) and its aggregates and window
-- functions; plain SQL/plpgsql helpers (views layer) are exercised by their suites.
CREATE TABLE fuzz.target AS
SELECT p.oid::regprocedure AS fn, p.proname, p.prokind,
       p.proargtypes::regtype[] AS argtypes
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'csmetrics'
WHERE (p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') OR p.prokind IN ('a', 'w'))
  AND NOT EXISTS (SELECT FROM unnest(p.proargtypes) t WHERE t IN ('internal'::regtype, 'cstring'::regtype));

-- Transition states are never returned by the extension's aggregates, so each aggregate
-- gets a twin without final function: its results are real states to mutate and feed back.
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN
        SELECT p.proname, p.proargtypes::regtype[] AS argtypes, g.aggtransfn::regprocedure AS sfunc,
               g.aggtranstype::regtype AS stype, g.agginitval, g.aggcombinefn
        FROM fuzz.target t
        JOIN pg_proc p ON p.oid = t.fn::oid
        JOIN pg_aggregate g ON g.aggfnoid = p.oid
        JOIN pg_type st ON st.oid = g.aggtranstype
        WHERE g.aggfinalfn <> 0 AND st.typtype = 'b'
          AND g.aggtranstype IN (SELECT typ FROM fuzz.harvest_types)
        ORDER BY 1, 2
    LOOP
        EXECUTE format('CREATE AGGREGATE fuzz.%I(%s) (SFUNC = %s, STYPE = %s%s%s)',
                       a.proname || '_state', array_to_string(a.argtypes, ', '),
                       a.sfunc::oid::regproc, a.stype,
                       coalesce(', INITCOND = ' || quote_literal(a.agginitval), ''),
                       CASE WHEN a.aggcombinefn <> 0
                            THEN ', COMBINEFUNC = ' || a.aggcombinefn::regproc::text ELSE '' END);
    END LOOP;
END $$;
INSERT INTO fuzz.target
SELECT p.oid::regprocedure, p.proname, p.prokind, p.proargtypes::regtype[]
FROM pg_proc p WHERE p.pronamespace = 'fuzz'::regnamespace AND p.prokind = 'a';

-- Values of the extension's own types, harvested below from calls that succeeded: the n-th
-- value of each type.
CREATE TABLE fuzz.harvest (typ regtype, n int, lit text, PRIMARY KEY (typ, n));

-- The k-th (from 1) harvested value of type t, after one draw, or NULL when there is none.
CREATE FUNCTION fuzz.harvested(t regtype) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    k int := 1 + fuzz.pick(coalesce((SELECT max(n) FROM fuzz.harvest WHERE typ = t), 0));
BEGIN
    RETURN (SELECT lit FROM fuzz.harvest WHERE typ = t AND n = k);
END $$;

CREATE TABLE fuzz.outcome (fn regprocedure, call text, state text, message text);

-- One literal for an argument type: from the pool, or a harvested value of our own types.
CREATE FUNCTION fuzz.arg(t regtype) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    pooled int := coalesce((SELECT max(n) FROM fuzz.pool WHERE typ = t), 0);
    k int := 1 + fuzz.pick(pooled + coalesce((SELECT max(n) FROM fuzz.harvest WHERE typ = t), 0));
BEGIN
    RETURN coalesce(CASE WHEN k <= pooled THEN (SELECT lit FROM fuzz.pool WHERE typ = t AND n = k)
                         ELSE (SELECT lit FROM fuzz.harvest WHERE typ = t AND n = k - pooled) END,
                    'NULL') || '::' || t::text;
END $$;

-- An SQL expression for a value of an input type: a harvested value, or an array of two of
-- them and a NULL (NULL when nothing of the element type was harvested).
CREATE FUNCTION fuzz.sample(t regtype) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    i fuzz.input_types;
    one text;
    two text;
BEGIN
    SELECT * INTO i FROM fuzz.input_types WHERE typ = t;
    one := fuzz.harvested(i.element);
    IF NOT i.container OR one IS NULL THEN
        RETURN one;
    END IF;
    two := fuzz.harvested(i.element);
    RETURN format('ARRAY[%s, %s, NULL]::%s', one, two, t);
END $$;

-- Calls fn once with random arguments; aggregates and window functions run over a few rows.
CREATE FUNCTION fuzz.call_once(f fuzz.target) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    args text;
    first_row text[];
    same boolean;
    single boolean := true;
    rows text;
    q text;
    st text;
    msg text;
    result text;
    rettype regtype := (SELECT prorettype FROM pg_proc WHERE oid = f.fn);
BEGIN
    IF f.prokind = 'f' THEN
        SELECT string_agg(fuzz.arg(t), ', ' ORDER BY i) INTO args
        FROM unnest(f.argtypes) WITH ORDINALITY AS a(t, i);
        q := format('SELECT %s(%s)::text', f.fn::oid::regproc, coalesce(args, ''));
    ELSE
        -- Several rows of random arguments. Many arguments must be the same on every row
        -- (a scale, weights, period bounds), so in half the calls only the first one varies.
        SELECT array_agg(fuzz.arg(t) ORDER BY i) INTO first_row
        FROM unnest(f.argtypes) WITH ORDINALITY AS a(t, i);
        same := fuzz.dice() < 0.5;
        SELECT string_agg('(' || g || ', ' ||
                          (SELECT string_agg(CASE WHEN same AND i > 1 THEN first_row[i] ELSE fuzz.arg(t) END,
                                             ', ' ORDER BY i)
                           FROM unnest(f.argtypes) WITH ORDINALITY AS a(t, i)) || ')', ', ')
        INTO rows FROM generate_series(1, 1 + fuzz.pick(7)) g;
        args := (SELECT string_agg('c' || i, ', ') FROM generate_series(1, cardinality(f.argtypes)) i);
        IF f.prokind = 'a' AND fuzz.dice() < 0.5 THEN
            q := format('SELECT %s(%s)::text FROM (VALUES %s) v(ord, %s)',
                        f.fn::oid::regproc, args, rows, args);
        ELSE
            -- as a window function; aggregates over a sliding frame (inverse transitions)
            single := false;
            q := format('SELECT string_agg(x::text, '','') FROM (SELECT %s(%s) OVER (ORDER BY ord%s) x FROM (VALUES %s) v(ord, %s)) w',
                        f.fn::oid::regproc, args,
                        CASE WHEN f.prokind = 'a' THEN ' ROWS BETWEEN 1 PRECEDING AND CURRENT ROW' ELSE '' END,
                        rows, args);
        END IF;
    END IF;
    BEGIN
        EXECUTE q INTO result;
        st := '00000';
        IF single AND result IS NOT NULL AND rettype::oid IN (SELECT typ::oid FROM fuzz.harvest_types) THEN
            INSERT INTO fuzz.harvest
            SELECT rettype, coalesce(max(n), 0) + 1, quote_literal(result) FROM fuzz.harvest WHERE typ = rettype;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    INSERT INTO fuzz.outcome VALUES (f.fn, q, st, msg);
END $$;


-- Three rounds, so values harvested in one round feed the accessors and rollups of the next.
DO $$
DECLARE
    f fuzz.target;
    round int;
    i int;
BEGIN
    FOR round IN 1 .. 3 LOOP
        FOR f IN SELECT * FROM fuzz.target ORDER BY fn::text LOOP
            FOR i IN 1 .. 40 LOOP
                PERFORM fuzz.call_once(f);
            END LOOP;
        END LOOP;
    END LOOP;
END $$;

-- Random and mutated text input for every storable type: accepted values must round-trip,
-- rejected ones must be rejected as malformed or out of range, never as internal errors.
CREATE FUNCTION fuzz.mutate(s text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE fuzz.pick(6)
        WHEN 0 THEN overlay(s PLACING chr(32 + fuzz.pick(95)) FROM 1 + fuzz.pick(length(s)) FOR 1)
        WHEN 1 THEN left(s, fuzz.pick(length(s) + 1))
        WHEN 2 THEN overlay(s PLACING floor(fuzz.dice() * 1e19)::numeric::text FROM 1 + fuzz.pick(length(s)) FOR 1)
        WHEN 3 THEN s || chr(32 + fuzz.pick(95))
        WHEN 4 THEN overlay(s PLACING '-' FROM 1 + fuzz.pick(length(s)) FOR 0)
        ELSE repeat(s, 2)
    END;
$$;

-- Does a value's text form read back to the same text?
CREATE FUNCTION fuzz.reparses(txt text, t regtype) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    again text;
BEGIN
    EXECUTE format('SELECT %L::%s::text', txt, t) INTO again;
    RETURN again = txt;
END $$;

CREATE TABLE fuzz.input_outcome (typ regtype, input text, state text, message text, roundtrip boolean);

-- Printable garbage of 1 to 61 characters.
CREATE FUNCTION fuzz.garbage() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(chr(32 + fuzz.pick(95)), '') FROM generate_series(1, 1 + fuzz.pick(61))
$$;

DO $$
DECLARE
    t regtype;
    src text;
    txt text;
    out text;
    st text;
    msg text;
    i int;
    n int;
BEGIN
    -- 400 inputs for each of our types, 200 for each array type
    FOR t, n IN SELECT typ, CASE WHEN container THEN 200 ELSE 400 END FROM fuzz.input_types ORDER BY typ::text LOOP
        FOR i IN 1 .. n LOOP
            src := fuzz.sample(t);
            IF src IS NULL OR i % 4 = 0 THEN
                txt := fuzz.garbage();
            ELSE
                EXECUTE 'SELECT (' || src || ')::text' INTO txt;
                -- now and then the harvested text as it is: it must read back unchanged,
                -- however strict the type's validation is about edited values
                IF i % 8 <> 1 THEN
                    txt := fuzz.mutate(txt);
                END IF;
            END IF;
            BEGIN
                EXECUTE format('SELECT %L::%s::text', txt, t) INTO out;
                st := '00000';
                msg := NULL;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                out := NULL;
            END;
            INSERT INTO fuzz.input_outcome
            VALUES (t, txt, st, msg,
                    CASE WHEN out IS NULL THEN NULL
                         ELSE fuzz.reparses(out, t) END);
        END LOOP;
    END LOOP;
END $$;

-- Random and mutated binary input (COPY ... FORMAT binary calls each type's receive function).
CREATE FUNCTION fuzz.copy_file() RETURNS text LANGUAGE sql AS $$
    SELECT current_setting('data_directory') || '/csmetrics_fuzz.bin';
$$;

-- A one-column binary COPY file holding the given bytes as the field's value.
CREATE FUNCTION fuzz.binary_copy(field bytea) RETURNS bytea LANGUAGE sql AS $$
    SELECT '\x5047434f50590aff0d0a00'::bytea                        -- signature
           || '\x0000000000000000'::bytea                            -- flags, no extension
           || '\x0001'::bytea                                        -- one field
           || int4send(length(field)) || field
           || '\xffff'::bytea;                                       -- trailer
$$;

CREATE TABLE fuzz.binary_outcome (typ regtype, state text, message text, roundtrip boolean);

DO $$
DECLARE
    t regtype;
    src text;
    sent bytea;
    field bytea;
    lo oid;
    st text;
    msg text;
    txt text;
    i int;
    j int;
    n int;
BEGIN
    -- 300 inputs for each of our types, 150 for each array type
    FOR t, n IN SELECT typ, CASE WHEN container THEN 150 ELSE 300 END
                FROM fuzz.input_types i JOIN pg_type p ON p.oid = i.element
                WHERE p.typreceive <> 0 ORDER BY typ::text LOOP
        EXECUTE format('CREATE TEMP TABLE fuzz_target_col (v %s)', t);
        FOR i IN 1 .. n LOOP
            src := fuzz.sample(t);
            IF src IS NULL OR i % 5 = 0 THEN
                field := (SELECT decode(string_agg(lpad(to_hex(fuzz.pick(256)), 2, '0'), ''), 'hex')
                          FROM generate_series(1, fuzz.pick(201)));
            ELSE
                -- the value's own binary form, with a few bytes changed or cut
                BEGIN
                    EXECUTE format('COPY (SELECT (%s)::%s) TO %L (FORMAT binary)', src, t, fuzz.copy_file());
                EXCEPTION WHEN OTHERS THEN
                    RAISE EXCEPTION 'harvested value % of type % does not read back: %', src, t, SQLERRM;
                END;
                sent := pg_read_binary_file(fuzz.copy_file());
                field := substring(sent FROM 26 FOR length(sent) - 27);
                FOR j IN 1 .. 1 + fuzz.pick(3) LOOP
                    IF fuzz.dice() < 0.2 AND length(field) > 1 THEN
                        field := substring(field FROM 1 FOR fuzz.pick(length(field)));
                    ELSIF length(field) > 0 THEN
                        field := set_byte(field, fuzz.pick(length(field)),
                                          CASE WHEN fuzz.dice() < 0.5 THEN fuzz.pick(256) ELSE 255 END);
                    END IF;
                END LOOP;
            END IF;
            lo := lo_from_bytea(0, fuzz.binary_copy(field));
            PERFORM lo_export(lo, fuzz.copy_file());
            PERFORM lo_unlink(lo);
            TRUNCATE fuzz_target_col;
            BEGIN
                EXECUTE format('COPY fuzz_target_col FROM %L (FORMAT binary)', fuzz.copy_file());
                st := '00000';
                msg := NULL;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            END;
            txt := (SELECT v::text FROM fuzz_target_col);
            INSERT INTO fuzz.binary_outcome
            VALUES (t, st, msg, CASE WHEN txt IS NULL THEN NULL ELSE fuzz.reparses(txt, t) END);
        END LOOP;
        DROP TABLE fuzz_target_col;
    END LOOP;
END $$;

-- Every fuzzed function was called, and nearly all got past their argument checks at least
-- once (the share is asserted, not which ones).
SELECT count(DISTINCT fn) >= (SELECT count(*) FROM fuzz.target) AS every_function_called,
       count(DISTINCT fn) FILTER (WHERE state = '00000')
           >= 0.9 * (SELECT count(*) FROM fuzz.target) AS most_functions_got_through,
       count(*) FILTER (WHERE state <> '00000') > 0 AS some_rejected
FROM fuzz.outcome;

-- Errors are user errors (data exceptions, class 22; program limits, class 54), never
-- internal ones: an elog() reached from SQL means a missing check.
SELECT fn, state, message, call
FROM fuzz.outcome
WHERE state !~ '^(00|22|54)'
ORDER BY fn, state, message
LIMIT 20;

-- The errors input may meet. Our types reject malformed input as a data exception (class
-- 22). In an array, PostgreSQL's array code reads the container first and raises its own
-- errors, which vary with the version and are expected: malformed array text and binary
-- (class 22), an array too large (54), binary data ending too early (08P01), a wrong element
-- type (42804). Never an internal error (XX000), from either.
CREATE FUNCTION fuzz.expected_error(typ regtype, state text) RETURNS boolean LANGUAGE sql AS $$
    SELECT state ~ CASE WHEN (SELECT container FROM fuzz.input_types i WHERE i.typ = $1)
                        THEN '^(00|22|54|08P01|42804)' ELSE '^(00|22)' END
$$;

-- Text input: accepted values read back to the same text; rejected ones are expected errors.
SELECT typ, count(*) AS inputs,
       count(*) FILTER (WHERE state = '00000') > 0 AS some_accepted,
       count(*) FILTER (WHERE state = '22P02') > 0 AS some_rejected_as_malformed
FROM fuzz.input_outcome GROUP BY typ ORDER BY typ::text;
SELECT typ, input, state, message, roundtrip
FROM fuzz.input_outcome
WHERE NOT fuzz.expected_error(typ, state) OR roundtrip IS FALSE
ORDER BY typ::text, input
LIMIT 20;

-- Binary input: the same rules (malformed binary: 22P02 or, as in PostgreSQL itself, 22P03).
SELECT typ, count(*) AS inputs,
       count(*) FILTER (WHERE state <> '00000') > 0 AS some_rejected
FROM fuzz.binary_outcome GROUP BY typ ORDER BY typ::text;
SELECT typ, state, message, roundtrip
FROM fuzz.binary_outcome
WHERE NOT fuzz.expected_error(typ, state) OR roundtrip IS FALSE
ORDER BY typ::text, state, message
LIMIT 20;

SET client_min_messages = warning;
DROP SCHEMA fuzz CASCADE;

-- views/issues.sql: data_issues, every source row the KPI views leave out and why.

-- Builder of data_issues: the rows of every registered source that fail a check, once per
-- check, from the same checks as the clean sources (so nothing is dropped silently). Each
-- source is read once; its good rows are dropped by the checks themselves. NULL (no view)
-- when no source is registered.
CREATE FUNCTION @extschema@.kpi_view_data_issues(ctx jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[];
BEGIN
    parts := ARRAY(SELECT @extschema@.kpi_source_issues(ctx, k) FROM jsonb_array_elements_text(ctx -> 'available') AS k ORDER BY k);
    IF cardinality(parts) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN @extschema@.kpi_render($t$
SELECT row_number() OVER (ORDER BY i.source, i.problem, i.source_row, i.customer_id) AS issue_id, i.*
FROM ({{issues}}) AS i$t$, ctx || jsonb_build_object('issues', array_to_string(parts, E'\nUNION ALL')));
END $$;
COMMENT ON FUNCTION @extschema@.kpi_view_data_issues(jsonb) IS 'csmetrics internal: builder of data_issues';

INSERT INTO @extschema@.kpi_registry (position, view_name, family, builder, keys, description) VALUES
    (900, 'data_issues', 'issues', '@extschema@.kpi_view_data_issues', ARRAY['issue_id'],
     'Every source row left out of the KPIs, and why (one row per problem): nothing is dropped silently');

INSERT INTO @extschema@.kpi_columns (column_name, description) VALUES
    ('issue_id', 'row number of the issue (stable for unchanged data)'),
    ('source', 'source kind the row comes from'),
    ('relation', 'the registered relation'),
    ('problem', 'why the row is left out of the KPIs'),
    ('source_row', 'the whole source row, as JSON (its instants as wall time in the views'' time zone)');

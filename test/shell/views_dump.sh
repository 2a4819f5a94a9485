#!/usr/bin/env bash
# pg_dump / pg_restore into a fresh database gives the same KPI results: registrations, plain
# and materialized views, the health and onboarding models, grants and stored summaries all
# come back.
set -euo pipefail
src=views_dump_src
dst=views_dump_dst
dump=$(mktemp /tmp/views_dump.XXXXXX)
createdb $src
trap 'dropdb --if-exists $src; dropdb --if-exists $dst; rm -f "$dump" "$dump.register"' EXIT
q() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# Fails with what was expected and what came, so that a failure says which check it was.
expect() { [ "$3" = "$2" ] || { echo "$1: expected $2, got $3"; exit 1; }; }
q $src -f "$SRC/test/demo/01_crm_data.sql" >/dev/null
# (the demo's registration prints NOTICEs; they are shown only when it fails)
q $src -f "$SRC/test/demo/02_register.sql" >/dev/null 2>"$dump.register" || { cat "$dump.register"; exit 1; }
q $src <<'SQL' >/dev/null
SET search_path = csmetrics, public;
UPDATE health_measures SET weight = 25 WHERE measure = 'usage';
INSERT INTO health_measures VALUES ('nps', 15, true, 'rank', NULL, NULL);
-- tuned action rules: a restore keeps them, with no default coming back beside them
UPDATE action_rules SET enabled = false WHERE action = 'ask_referral';
UPDATE action_rules SET threshold = 50, due_within = '3 days' WHERE action = 'review_account';
INSERT INTO action_rules VALUES ('payment_reminder', true, 1, '5 days', 7);
UPDATE onboarding_milestones SET weight = 4 WHERE milestone = 'first_report';
INSERT INTO onboarding_settings VALUES (21);
-- the signals in a schema whose rows pg_restore loads after the model (zz sorts after
-- csmetrics): the model rows naming them must load all the same
CREATE SCHEMA zz_analytics;
CREATE TABLE zz_analytics.activity AS SELECT * FROM crm.activity;
SELECT register_source('signals', 'zz_analytics.activity',
                       '{"customer_id": "account_id", "occurred_at": "happened_at", "signal": "event", "value": "amount"}');
INSERT INTO health_measures (measure, weight, signal, aggregation, look_back) VALUES ('logins_7d', 5, 'login', 'sum', '7 days');
UPDATE health_validation_settings SET horizon_periods = 2;
SELECT count(*) FROM create_kpi_views('kpi');
SELECT count(*) FROM create_kpi_views('kpi_mat', 'week', materialized => true);
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dump_reader') THEN CREATE ROLE dump_reader; END IF; END $$;
SELECT grant_kpi_access('dump_reader');
-- stored daily summaries, rolled up later
CREATE TABLE public.daily_nps AS
SELECT answered_at::date AS day, nps_summary(score) AS s FROM crm.survey_answers WHERE survey = 'nps' AND score BETWEEN 0 AND 10 GROUP BY 1;
SQL

# On the demo's CRM, where accounts disengage before they cancel, the health score predicts
# churn better than chance in every validated month (its ROC AUC is above 0.5).
expect "AUC above 0.5 in at least 6 validated months" t \
	"$(q $src -c "SELECT bool_and(auc > 0.5) AND count(*) >= 6 FROM kpi.health_score_validation WHERE level = 'overall'")"

# One line per object: an md5 of every row of every KPI view, of the configuration, and of
# the monthly NPS rolled up from the stored summaries.
fingerprint() {
	q "$1" <<'SQL'
SET search_path = csmetrics, public;
DO $$
DECLARE
    v record;
    h text;
BEGIN
    CREATE TEMP TABLE fp (what text, hash text);
    -- the KPI views and their helper relations
    FOR v IN SELECT relation_schema, view_name FROM csmetrics.kpi_views ORDER BY 1, 2 LOOP
        EXECUTE format('SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM %I.%I t', E'\n', '', v.relation_schema, v.view_name) INTO h;
        INSERT INTO fp VALUES (v.relation_schema || '.' || v.view_name, h);
    END LOOP;
END $$;
SELECT what || ' ' || hash FROM fp
UNION ALL SELECT 'sources ' || md5(string_agg(kind || relation::text || columns::text, ',' ORDER BY kind)) FROM sources
UNION ALL SELECT 'health_measures ' || md5(string_agg(h::text, ',' ORDER BY measure)) FROM health_measures h
UNION ALL SELECT 'action_rules ' || count(*) || ' ' || md5(string_agg(r::text, ',' ORDER BY action)) FROM action_rules r
UNION ALL SELECT 'onboarding_milestones ' || md5(string_agg(m::text, ',' ORDER BY milestone)) FROM onboarding_milestones m
UNION ALL SELECT 'onboarding_settings ' || string_agg(stalled_after_days::text, ',') FROM onboarding_settings
UNION ALL SELECT 'health_validation_settings ' || string_agg(h::text, ',') FROM health_validation_settings h
UNION ALL SELECT 'kpi_views ' || md5(string_agg(k::text, ',' ORDER BY target_schema, view_name)) FROM kpi_views k
UNION ALL SELECT 'kpi_access ' || string_agg(role_name, ',') FROM kpi_access
UNION ALL SELECT 'daily_nps ' || md5(string_agg(month || ':' || n, ',' ORDER BY month))
FROM (SELECT date_trunc('month', day) AS month, nps(rollup(s)) AS n FROM public.daily_nps GROUP BY 1) m
ORDER BY 1;
SQL
}
before=$(fingerprint $src)
head -5 <<<"$before"
lines=$(wc -l <<<"$before")
expect "at least 50 fingerprint lines (every view and setting)" t "$( [ "$lines" -ge 50 ] && echo t || echo "$lines lines")"

pg_dump -Fc -f "$dump" $src
createdb $dst
pg_restore --exit-on-error -d $dst "$dump"
after=$(fingerprint $dst)
if [ "$before" != "$after" ]; then
	echo "KPI results differ after restore:"
	diff <(echo "$before") <(echo "$after") || true
	exit 1
fi

# The restored registrations point at the restored tables (new OIDs), and the whole cycle
# works again there: re-create, refresh, grant.
expect "restored registrations" 11 "$(q $dst -c "SELECT count(*) FROM csmetrics.sources s JOIN pg_class c ON c.oid = s.relation")"
# (the restored database lacks the source database's TimeZone setting: name the zone the
# views were made in)
expect "views re-created" 36 "$(q $dst -c "SELECT count(*) FROM csmetrics.create_kpi_views('kpi', time_zone => 'UTC')")"
# (35 of the 36 views of kpi_mat are materialized: customer_mrr_movements unfolds the
# materialized MRR paths)
expect "views refreshed" 35 "$(q $dst -c "SET client_min_messages = warning; SELECT csmetrics.refresh_kpi_views()")"
# the tuned rules, once each
expect "action rules (rows:disabled:thresholds)" 9:1:57 \
	"$(q $dst -c "SELECT count(*) || ':' || count(*) FILTER (WHERE NOT enabled) || ':' || sum(threshold) FILTER (WHERE action IN ('review_account', 'payment_reminder')) FROM csmetrics.action_rules")"
expect "dump_reader reads the re-created views" t "$(q $dst -c "SELECT has_table_privilege('dump_reader', 'kpi.nps_by_month', 'SELECT')")"
again=$(fingerprint $dst)
if [ "$again" != "$before" ]; then
	echo "KPI results differ after re-creating and refreshing the restored views:"
	diff <(echo "$before") <(echo "$again") || true
	exit 1
fi
echo ok

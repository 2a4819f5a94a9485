-- Tell csmetrics where each kind of CRM data lives and which column plays which role.
-- Columns with the canonical name need no mapping; the others are mapped by name.
SET search_path = csmetrics, public;
\pset footer off
\o /dev/null
SELECT register_source('customers', 'crm.accounts', '{"customer_id": "id", "name": "company", "segment": "plan_tier"}');
SELECT register_source('subscriptions', 'crm.subscriptions',
                       '{"customer_id": "account_id", "started_at": "start_date", "ended_at": "end_date", "churn_reason": "cancel_reason"}');
SELECT register_source('survey_responses', 'crm.survey_answers', '{"customer_id": "account_id", "responded_at": "answered_at"}');
SELECT register_source('tickets', 'crm.tickets',
                       '{"customer_id": "account_id", "opened_at": "created_at", "resolved_at": "solved_at", "contacts": "touches"}');
SELECT register_source('invoices', 'crm.invoices', '{"customer_id": "account_id", "due_at": "due_date", "paid_at": "paid_date"}');
SELECT register_source('usage_events', 'crm.product_events', '{"customer_id": "account_id", "quantity": "units"}');
SELECT register_source('renewals', 'crm.renewals', '{"customer_id": "account_id", "due_at": "renewal_date", "amount": "contract_value"}');
SELECT register_source('trials', 'crm.trials', '{"customer_id": "account_id", "started_at": "trial_start", "converted_at": "converted_on"}');
SELECT register_source('costs', 'crm.cs_costs', '{"incurred_at": "month", "kind": "cost_type"}');
SELECT register_source('milestones', 'crm.onboarding_events', '{"milestone": "event", "customer_id": "account_id", "reached_at": "happened_at"}');
SELECT register_source('signals', 'crm.activity', '{"customer_id": "account_id", "occurred_at": "happened_at", "signal": "event", "value": "amount"}');
\o

-- The health model: the four built-in measures, plus what the product analytics say. Logins
-- in the month and features adopted within a year weigh in the 0..100 score; the points
-- score adds half a point per login in the month, 10 per feature adopted within a year, and
-- takes 50 off for an executive sponsor who left in the last 90 days (above 100: a power user).
INSERT INTO health_measures (measure, weight, signal, aggregation) VALUES ('logins', 25, 'login', 'sum');
INSERT INTO health_measures (measure, weight, normalization, lower_bound, upper_bound, signal, look_back)
VALUES ('features_adopted', 10, 'bounds', 0, 4, 'feature_adopted', '1 year');
INSERT INTO health_measures (measure, signal, aggregation, look_back, impact) VALUES
    ('login_points', 'login', 'sum', NULL, 0.5),
    ('adoption_points', 'feature_adopted', 'count', '1 year', 10),
    ('sponsor_change', 'sponsor_left', 'count', '90 days', -50);

\echo
\echo '== The CRM tables registered as sources (csmetrics.sources) =='
SELECT kind, relation, columns FROM sources ORDER BY kind;

-- The error a mistaken registration raises, as text (message, then detail), for the report.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    message text;
    detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN '  ERROR: ' || message || E'\n  ' || replace(detail, E'\n', E'\n  ');
END $$;

SELECT pg_temp.error_of($$SELECT csmetrics.register_source('subscriptions', 'crm.subscriptions',
                        '{"customer_id": "account", "mrr": "plan", "started": "start_date"}')$$) AS refusal \gset
\echo
\echo '== A registration with mistakes is refused, every problem listed at once =='
\echo :refusal

-- The onboarding model: the steps that lead a new account to its first value. An account is
-- activated once it has created its account, connected its data and built a first report;
-- its onboarding score weighs every step.
INSERT INTO onboarding_milestones (milestone, weight, required) VALUES
    ('account_created', 1, true), ('data_connected', 3, true), ('first_report', 3, true),
    ('team_invited', 2, false), ('integration_enabled', 1, false);
\echo
\echo '== The onboarding model (csmetrics.onboarding_milestones) =='
SELECT milestone, weight, required FROM onboarding_milestones ORDER BY required DESC, weight DESC, milestone;

#!/usr/bin/env bash
# The shared server for shell tests is up, runs our build, and can create the extension.
set -euo pipefail
createdb shell_smoke
psql -X -v ON_ERROR_STOP=1 -d shell_smoke -c 'CREATE EXTENSION csmetrics' >/dev/null
test "$(psql -X -At -d shell_smoke -c "SELECT extversion FROM pg_extension WHERE extname = 'csmetrics'")" = 0.2.0
dropdb shell_smoke

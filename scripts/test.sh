#!/usr/bin/env bash
# Runs the test suite. Database: $DATABASE_URL (default: SQLite). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
# Playwright's sync API runs an event loop; Django's live server test then needs this.
export DJANGO_ALLOW_ASYNC_UNSAFE=true
exec .venv/bin/python -m pytest "$@"

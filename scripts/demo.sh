#!/usr/bin/env bash
# One command for a new user: virtual environment, packages, database (SQLite file), demo county,
# then the app at http://127.0.0.1:8000 . Re-running keeps the existing demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
.venv/bin/python manage.py migrate --noinput
if ! .venv/bin/python manage.py shell -c "from households.models import User; import sys; sys.exit(0 if User.objects.filter(username='county').exists() else 1)"; then
  .venv/bin/python manage.py seed_demo
  # The policies the seeds state (云南省2018年度, 广东省); the demo's planted cases are judged by the Yunnan one,
  # and a first county-wide evaluation fills the candidate lists.
  .venv/bin/python manage.py loaddata policies
  .venv/bin/python manage.py evaluate --policy 云南省2018年度 > /dev/null
  # The 2018 yearly assessment (考核): sample plans, spot checks, satisfaction, scores, work funds, report.
  .venv/bin/python manage.py seed_assessment_demo
fi
echo "扶贫对象动态管理系统: http://127.0.0.1:8000/  (演示账号见 README，密码 demo-pass-2024)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000

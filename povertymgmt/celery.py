"""The Celery application: ``celery -A povertymgmt worker`` (docs/jobs.md).

Configuration comes from Django's settings (``CELERY_*``, povertymgmt/settings.py); tasks are found
in each app's ``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertymgmt.settings")

app = Celery("povertymgmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

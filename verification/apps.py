from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_default_departments(sender, using="default", **kwargs):
    """Departments as data: the defaults of verification/defaults.py, created once each (also after a test flush)."""
    from .defaults import create_missing_departments

    create_missing_departments(using=using)


class VerificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "verification"
    verbose_name = "部门核查"

    def ready(self):
        from . import receivers  # noqa: F401  (connects to assessment's workflow signals)

        post_migrate.connect(create_default_departments, sender=self, dispatch_uid="verification_default_departments")

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessment"
    verbose_name = "评估与考核"

    def ready(self):
        # manage.py export --kind missed|…|publicity|cases (households may not import this app: SPEC §0)
        from .export_kinds import register_all

        register_all()

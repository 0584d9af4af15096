from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EvaluationRun, Policy


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "version", "income_year", "exit_standard_set", "is_current", "updated_at"]
    list_filter = ["exit_standard_set", "is_current"]
    search_fields = ["name"]
    readonly_fields = ["version", "updated_by"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    """Runs are written by the evaluation service only; the admin reads them."""

    list_display = ["pk", "policy", "policy_version", "area_code", "status", "started_at", "household_count"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

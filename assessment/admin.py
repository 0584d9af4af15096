from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AdjustmentCase,
    Announcement,
    Campaign,
    CampaignPhase,
    CaseTransition,
    EvaluationRun,
    Meeting,
    Policy,
    PublicityWindow,
)


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


class CampaignPhaseInline(admin.TabularInline):
    model = CampaignPhase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["year", "name", "policy", "starts_on", "is_current"]
    inlines = [CampaignPhaseInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow records change only through the workflow's services (and an approved case never again)."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseTransitionInline(admin.TabularInline):
    model = CaseTransition
    extra = 0
    can_delete = False
    readonly_fields = ["action", "source_stage", "target_stage", "via", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AdjustmentCase)
class AdjustmentCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "household", "stage", "opened_at", "approved_at"]
    list_filter = ["campaign", "kind", "stage"]
    search_fields = ["number", "household__number"]
    inlines = [CaseTransitionInline]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["kind", "area", "held_on", "host"]
    list_filter = ["kind"]


@admin.register(PublicityWindow)
class PublicityWindowAdmin(ReadOnlyAdmin):
    list_display = ["title", "level", "status", "open_date", "days"]
    list_filter = ["level", "status"]


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "published_on"]

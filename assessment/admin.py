from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .fund_models import FundAllocation, FundSpending, SelfEvaluationReport, WorkFund
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
from .review_models import Assessment, SampledHousehold, SamplePlan, SatisfactionResponse, SpotCheck
from .score_models import IndicatorTable, ManualScoreEntry, ScoreAppeal, ScoreResult, SupportingUnit


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


# ---- the yearly assessment (issue 6): read-only here; the pages under /assessment/review/ and /assessment/funds/
# are where they change (their services check scope, versions, quotas and finality).


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["year", "name", "policy", "rate_basis", "appeal_deadline", "scores_final"]


@admin.register(SamplePlan)
class SamplePlanAdmin(ReadOnlyAdmin):
    list_display = ["name", "assessment", "area", "seed", "status", "drawn_at"]
    list_filter = ["assessment", "status"]


@admin.register(SampledHousehold)
class SampledHouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "plan", "purpose", "stratum", "method", "part", "village_code"]
    list_filter = ["purpose", "stratum"]
    search_fields = ["number"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["sampled", "status", "computed_result", "result", "checked_by", "checked_at"]
    list_filter = ["result"]
    search_fields = ["sampled__number"]


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(ReadOnlyAdmin):
    list_display = ["number", "plan", "village_code", "group", "answer"]
    list_filter = ["answer", "group"]


@admin.register(IndicatorTable)
class IndicatorTableAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "as_of", "version", "updated_by", "updated_at"]


@admin.register(ManualScoreEntry)
class ManualScoreEntryAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "township", "indicator_code", "points", "scored_by", "scored_at"]


@admin.register(SupportingUnit)
class SupportingUnitAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "name", "township", "upper_level"]


@admin.register(ScoreAppeal)
class ScoreAppealAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "township", "indicator_name", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]


@admin.register(ScoreResult)
class ScoreResultAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "township_name", "total", "grade", "rank", "performance"]


@admin.register(WorkFund)
class WorkFundAdmin(ReadOnlyAdmin):
    list_display = ["year", "project", "unit", "budget", "updated_at"]


@admin.register(FundAllocation)
class FundAllocationAdmin(ReadOnlyAdmin):
    list_display = ["fund", "position", "recipient", "kind", "amount"]


@admin.register(FundSpending)
class FundSpendingAdmin(ReadOnlyAdmin):
    list_display = ["fund", "recipient", "amount", "spent_on", "purpose", "voucher"]


@admin.register(SelfEvaluationReport)
class SelfEvaluationReportAdmin(ReadOnlyAdmin):
    list_display = ["year", "version", "updated_by", "updated_at"]

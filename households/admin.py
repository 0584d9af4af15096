from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccessLog, Area, Fact, Household, Member, MemberChange, Survey, User, YearlyIncome


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(User)
class ScopedUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "area", "department", "is_active"]
    list_filter = ["role", "is_active", "department"]
    fieldsets = UserAdmin.fieldsets + (
        ("角色与范围", {"fields": ("full_name", "role", "area", "department", "phone")}),
    )
    raw_id_fields = ["area"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = ["name", "id_number", "relation", "is_active"]
    show_change_link = True


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["number", "area", "status", "attribute", "registration_year", "exit_year"]
    list_filter = ["status", "attribute", "housing_grade"]
    search_fields = ["number"]
    raw_id_fields = ["area"]
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "household", "relation", "is_active"]
    search_fields = ["name", "id_number", "household__number"]
    raw_id_fields = ["household"]


@admin.register(YearlyIncome)
class YearlyIncomeAdmin(SimpleHistoryAdmin):
    list_display = ["household", "year", "wage", "business", "transfer"]
    raw_id_fields = ["household"]


@admin.register(Fact)
class FactAdmin(SimpleHistoryAdmin):
    list_display = ["household", "member", "kind", "event_date", "source", "source_name"]
    list_filter = ["kind", "source"]
    raw_id_fields = ["household", "member", "created_by"]


@admin.register(Survey)
class SurveyAdmin(SimpleHistoryAdmin):
    list_display = ["household", "surveyed_on", "surveyor", "income_year"]
    raw_id_fields = ["household", "created_by"]


@admin.register(MemberChange)
class MemberChangeAdmin(admin.ModelAdmin):
    list_display = ["household", "member", "kind", "reason", "changed_on"]
    raw_id_fields = ["household", "member", "linked", "created_by"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "action", "target", "row_count"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

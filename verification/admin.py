"""Departments and check rules are data the county office edits here; tasks are read-only."""

from django.contrib import admin

from .models import CheckRule, Department, VerificationTask


class CheckRuleInline(admin.TabularInline):
    model = CheckRule
    extra = 0
    fields = ["item", "title", "kinds", "always", "statement", "is_active"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "review_days", "is_active"]
    list_filter = ["is_active"]
    inlines = [CheckRuleInline]

    def has_delete_permission(self, request, obj=None):
        return False  # switch a department off instead: its tasks keep pointing at it


@admin.register(VerificationTask)
class VerificationTaskAdmin(admin.ModelAdmin):
    list_display = ["pk", "department", "source", "case", "status", "result", "submitted_at", "due_on"]
    list_filter = ["department", "status", "source"]
    readonly_fields = [f.name for f in VerificationTask._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

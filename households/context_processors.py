"""Navigation by role, computed once per request for base.html."""

from .background import can_have_jobs
from .choices import Role
from .jobs import can_import


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    if user.can_read_registry:
        items.append(("households:list", "农户档案"))
    if user.can_edit_registry:
        items.append(("households:create", "录入调查表"))
    if can_import(user):
        items.append(("households:imports", "数据导入"))
    if user.can_read_registry:
        items.append(("assessment:candidates", "评估结果"))
    items += [("assessment:cases", "案件办理")] if user.can_edit_registry else []
    items += [("verification:queue", "核查任务")] if user.is_active and user.role == Role.DEPARTMENT else []
    items += [("assessment:dashboard", "工作进度")] if user.role in {Role.COUNTY, Role.TOWNSHIP, Role.LEADER} else []
    if user.is_active and user.role in {Role.COUNTY, Role.LEADER, Role.ASSESSOR}:
        # 政策参数 is one tab away on the runs page (templates/assessment/_nav.html).
        items.append(("assessment:runs", "评估批次"))
    if user.is_active and user.role in {Role.COUNTY, Role.LEADER, Role.ASSESSOR, Role.TOWNSHIP}:
        items.append(("assessment:assessments", "年度考核"))
    if user.is_active and user.role in {Role.COUNTY, Role.LEADER, Role.ASSESSOR}:
        items.append(("assessment:fund_list", "工作经费"))
    if user.can_manage_users:
        items.append(("households:users", "用户管理"))
    return {
        "nav_items": items,
        "role_label": Role(user.role).label if user.role else "",
        # 后台任务 sits beside the user's name: the jobs are the user's own.
        "show_jobs_link": can_have_jobs(user),
    }

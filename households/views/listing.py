"""The household list (/households/, FORMATS §8): filters, keyword search, sorting, 50 a page, IDs masked."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import require_registry_reader
from ..forms.filters import HouseholdFilterForm
from ..listing import find_households, masked_id_query, paginate_households


@login_required
@require_GET
def household_list(request):
    require_registry_reader(request.user)
    form = HouseholdFilterForm(request.GET, user=request.user)
    filters = form.filters()
    households = find_households(request.user, **filters)
    page, rows = paginate_households(households, request.GET.get("page"), settings.LIST_PAGE_SIZE)
    id_query = masked_id_query(filters["q"])
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "sort": filters["sort"],
        # An ID-number search is not echoed into the form or the links: the page shows no full ID number.
        "id_query": id_query,
        "link_q": None if id_query else (filters["q"] or None),
        "filtered": any(value for name, value in filters.items() if name != "sort"),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    return render(request, "households/list.html", context)

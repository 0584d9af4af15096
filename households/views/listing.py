"""(being written: placeholder until the view lands)"""

from django.http import Http404


def household_list(request, *args, **kwargs):
    raise Http404

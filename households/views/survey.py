"""(being written: placeholder until the view lands)"""

from django.http import Http404


def survey_create(request, *args, **kwargs):
    raise Http404


def survey_edit(request, *args, **kwargs):
    raise Http404

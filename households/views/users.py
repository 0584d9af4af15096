"""(being written: placeholder until the view lands)"""

from django.http import Http404


def user_list(request, *args, **kwargs):
    raise Http404


def user_create(request, *args, **kwargs):
    raise Http404


def user_edit(request, *args, **kwargs):
    raise Http404

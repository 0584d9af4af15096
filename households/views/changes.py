"""(being written: placeholder until the view lands)"""

from django.http import Http404


def member_add(request, *args, **kwargs):
    raise Http404


def member_reduce(request, *args, **kwargs):
    raise Http404


def member_transfer(request, *args, **kwargs):
    raise Http404

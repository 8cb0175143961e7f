"""``{{ names|list_join }}``: a list written as the active language writes one (``org.lists``)."""

from django import template

from org.lists import list_join

register = template.Library()
register.filter("list_join", list_join)

"""``{{ user|person_name }}``: who did something, as pages name people (their employee name,
else the account's; ``org.selectors.person_name``)."""

from django import template

from org.selectors import person_name

register = template.Library()
register.filter("person_name", person_name)

"""The API's JSON parser: DRF's, except that JSON nested deeper than Python can read (a 200 KB
body of ``[[[[…``) is a 400 with the reason instead of a server error."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_("The JSON sent is nested too deeply to be read.")) from error

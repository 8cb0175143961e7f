"""A multipart parser that keeps the file name the client sent.

Django reduces an uploaded file's name to its last path component before any code sees it, so
``../../etc/passwd.pdf`` would quietly arrive as ``passwd.pdf``. Evidence uploads refuse such
names instead, and say why; for that they need the name as sent.
"""

import html

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from rest_framework.parsers import DataAndFiles, MultiPartParser


class _KeepingParser(DjangoMultiPartParser):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.client_names: list[str] = []

    def sanitize_file_name(self, file_name: str) -> str | None:
        self.client_names.append(html.unescape(file_name))
        return super().sanitize_file_name(file_name)


class ClientNameMultiPartParser(MultiPartParser):
    """DRF's multipart parser; each uploaded file also carries ``client_name``."""

    def parse(self, stream, media_type=None, parser_context=None) -> DataAndFiles:
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        parser = _KeepingParser(meta, stream, request.upload_handlers, request.encoding)
        data, files = parser.parse()
        uploads = [upload for _field, upload in files.lists() for upload in upload]
        for upload, name in zip(uploads, parser.client_names, strict=False):
            upload.client_name = name
        return DataAndFiles(data, files)

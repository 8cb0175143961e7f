"""HR's page for importing people and teams from a CSV or XLSX file, and its templates."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from org.import_files import (
    COLUMNS,
    UPLOAD_EXTENSIONS,
    PeopleFileError,
    people_rows_from_file,
    people_template_xlsx,
    spreadsheet_upload_check,
)
from org.imports import password_links_send, people_import
from org.models import Role
from org.views import role_required

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The page lists at most this many created / updated / unchanged numbers (the counts are whole).
LISTED = 200


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV, at most 10 MB; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_EXTENSIONS)}),
    )
    action = forms.ChoiceField(
        choices=[("check", _("Check only")), ("import", _("Import"))], initial="check"
    )

    def clean_file(self):
        return spreadsheet_upload_check(self.cleaned_data["file"])


@require_http_methods(["GET", "POST"])
@role_required(Role.HR, Role.ADMIN)
def people_import_page(request: HttpRequest) -> HttpResponse:
    """Upload a people file: "check only" shows what would change, "import" writes it."""
    context = {"columns": COLUMNS, "listed": LISTED}
    if request.method == "GET":
        return render(request, "org/people_import.html", {**context, "form": PeopleImportForm()})
    form = PeopleImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "org/people_import.html", {**context, "form": form}, status=400)
    upload = form.cleaned_data["file"]
    try:
        rows = people_rows_from_file(name=upload.name, data=upload.read())
    except PeopleFileError as error:
        form.add_error("file", str(error))
        return render(request, "org/people_import.html", {**context, "form": form}, status=400)
    dry_run = form.cleaned_data["action"] != "import"
    result = people_import(rows=rows, actor=request.user, dry_run=dry_run)
    emailed = password_links_send(
        links=result.password_links, site_url=request.build_absolute_uri("/")
    )
    links = [
        (link, request.build_absolute_uri(link.path), link.username in emailed)
        for link in result.password_links
    ]
    return render(
        request,
        "org/people_import.html",
        {**context, "form": PeopleImportForm(), "result": result, "links": links},
    )


@require_GET
@role_required(Role.HR, Role.ADMIN)
def people_template(request: HttpRequest, language: str) -> HttpResponse:
    """The empty import workbook, its headers in Chinese (``zh``) or English (``en``)."""
    if language not in ("zh", "en"):
        raise Http404
    response = HttpResponse(people_template_xlsx(language=language), content_type=XLSX_TYPE)
    name = "people-template-zh.xlsx" if language == "zh" else "people-template-en.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

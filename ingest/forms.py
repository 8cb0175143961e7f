"""Forms of ingest: uploading a CSV or Excel file into a source, previewing its mappings, and
editing a source (admin)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ingest.access import record_type_choices
from ingest.models import Source
from ingest.preview import DEFAULT_ROWS as PREVIEW_ROWS
from ingest.preview import MAX_ROWS as PREVIEW_MAX_ROWS
from ingest.records import MappingError, mapping_check
from ingest.sources import source_config_refusal, source_sample_check
from org.import_files import UPLOAD_EXTENSIONS, spreadsheet_upload_check


class UploadForm(forms.Form):
    """A file for one of the record types the source maps; checked for its type and size before
    anything is read."""

    record_type = forms.ChoiceField(label=_("Record type"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx) or CSV, at most 10 MB; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_EXTENSIONS)}),
    )

    def __init__(self, *args, source: Source, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_type_choices(source)

    def clean_file(self):
        return spreadsheet_upload_check(self.cleaned_data["file"])


def source_config_clean(config) -> dict:
    """The connection settings, which must be a JSON object; ``ValidationError`` otherwise."""
    if not isinstance(config, dict):
        raise forms.ValidationError(gettext("The connection settings must be a JSON object."))
    return config


def source_mappings_clean(mappings) -> dict:
    """The mappings, each checked now (``mapping_check``) so that a wrong one is refused with
    its reason when saved instead of failing the next sync; ``ValidationError`` otherwise."""
    if not isinstance(mappings, dict) or not all(isinstance(m, dict) for m in mappings.values()):
        raise forms.ValidationError(
            gettext("The mappings must be a JSON object holding one object per record type.")
        )
    try:
        for record_type, mapping in mappings.items():
            mapping_check(record_type, mapping)
    except MappingError as error:
        raise forms.ValidationError(str(error)) from error
    return mappings


class PreviewForm(forms.Form):
    """How many source rows the source page previews per record type."""

    preview = forms.IntegerField(
        label=_("Rows per record type"),
        min_value=1,
        max_value=PREVIEW_MAX_ROWS,
        initial=PREVIEW_ROWS,
    )


class SourceAdminForm(forms.ModelForm):
    # What could not be checked against the source's first rows when saved (said, not refused).
    sample_notes: list[str]

    class Meta:
        model = Source
        fields = ["name", "kind", "config", "mappings", "enabled", "schedule"]

    def clean_config(self) -> dict:
        return source_config_clean(self.cleaned_data["config"])

    def clean_mappings(self) -> dict:
        return source_mappings_clean(self.cleaned_data["mappings"])

    def clean(self) -> dict:
        cleaned = super().clean()
        self.sample_notes = []
        if {"kind", "config", "mappings"} <= cleaned.keys():
            settings = {key: cleaned[key] for key in ("kind", "config", "mappings")}
            refusal = source_config_refusal(**settings)
            if refusal:
                self.add_error("config", refusal)
            elif {"kind", "config", "mappings"} & set(self.changed_data):
                sample = source_sample_check(**settings)
                for error in sample.errors:
                    self.add_error("mappings", error)
                self.sample_notes = sample.notes
        return cleaned

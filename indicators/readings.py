"""The readings of feedback comments, kept by the digest of their text: scoring reads a comment
once, whichever path wrote it (a sync, an upload, an appeal's correction, the admin), and every
later run of any period finds the reading made. Rows of another ``reader_version`` are made
again when next needed."""

import numpy as np
import pandas as pd
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.comments import READ_COLUMNS, comments_read, reader_version, text_digest

# Digests per query: well within every database's limit of parameters.
LOOKUP_BATCH = 900


class CommentReading(models.Model):
    digest = models.CharField(_("text digest"), max_length=32, primary_key=True)
    version = models.CharField(_("reader version"), max_length=16)
    # "" for a language the lexicons cannot read; then sentiment and evidence are NULL.
    language = models.CharField(_("language"), max_length=8, blank=True)
    sentiment = models.FloatField(_("sentiment"), null=True)
    # JSON [[words, weight], …]; "[]" read without any sentiment word, NULL not read (language).
    evidence = models.TextField(_("deciding words"), null=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("comment reading")
        verbose_name_plural = _("comment readings")

    def __str__(self) -> str:
        return self.digest


def comment_readings(texts: pd.Series) -> pd.DataFrame:
    """``comments_read`` of ``texts`` through the kept readings: only texts never read by this
    version are read, and their readings kept (one bulk upsert). Same index as ``texts``."""
    stripped = texts.astype("string").str.strip()
    distinct = pd.Series(stripped[stripped.fillna("").ne("")].unique())
    if distinct.empty:
        return pd.DataFrame(
            {"language": None, "sentiment": np.nan, "evidence": None}, index=texts.index
        )
    digests = distinct.map(text_digest)
    version = reader_version()
    kept = []
    for begin in range(0, len(digests), LOOKUP_BATCH):
        kept += CommentReading.objects.filter(
            digest__in=digests.iloc[begin : begin + LOOKUP_BATCH].tolist(), version=version
        ).values_list("digest", *READ_COLUMNS)
    known = pd.DataFrame(kept, columns=["digest", *READ_COLUMNS]).set_index("digest")
    missing = ~digests.isin(known.index)
    fresh = comments_read(distinct[missing]).set_axis(digests[missing])
    if not fresh.empty:
        CommentReading.objects.bulk_create(
            [
                CommentReading(
                    digest=digest,
                    version=version,
                    language=language,
                    sentiment=None if pd.isna(sentiment) else sentiment,
                    evidence=evidence,
                )
                for digest, language, sentiment, evidence in fresh.itertuples()
            ],
            update_conflicts=True,
            unique_fields=["digest"],
            update_fields=["version", *READ_COLUMNS],
            batch_size=2000,
        )
    by_text = (
        pd.concat([part for part in (known, fresh) if not part.empty])
        .reindex(digests)
        .set_axis(distinct.to_numpy())
    )
    by_text["sentiment"] = by_text["sentiment"].astype("float64")
    return by_text.reindex(stripped.fillna("").to_numpy()).set_axis(texts.index)


def feedback_readings_assign(feedback: pd.DataFrame) -> pd.DataFrame:
    """The feedback frame with each comment's reading (``READ_FROM_TEXT``) beside it."""
    return feedback.assign(**comment_readings(feedback["comment"]))

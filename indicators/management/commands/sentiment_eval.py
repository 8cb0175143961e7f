"""manage.py sentiment_eval FILE: how well the sentiment scorer reads a labelled CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.sentiment import neutral_band
from indicators.sentiment.evaluation import evaluate, labelled_read


class Command(BaseCommand):
    help = (
        "Score a labelled CSV (columns label, text and optionally split; labels positive, "
        "neutral, negative) and print accuracy, neutral share, confusion matrix, AUC, the "
        "index of a balanced sample and speed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--split", help="only the rows of this split (dev, heldout)")

    def handle(self, *args, file: Path, split: str | None, **options) -> None:
        if not file.is_file():
            raise CommandError(f"file: {file} does not exist")
        try:
            frame = labelled_read(file, split)
        except ValueError as error:
            raise CommandError(f"file: {error}") from error
        result = evaluate(frame)
        lines = [
            f"{file.name}{f' ({split})' if split else ''}: {result.rows} comments, "
            f"neutral band ±{neutral_band()}",
            f"accuracy (all rows)                {result.accuracy:.1%}",
            f"two-class accuracy ({result.polar_rows} polar) {result.polar_accuracy:.1%}",
            f"neutral share of polar rows        {result.neutral_share:.1%}",
            f"AUC (positive over negative)       {result.auc:.3f}",
            f"index of a balanced sample         {result.balanced_index:.1f}",
            f"seconds per 1,000 comments         {result.seconds_per_1000:.2f} "
            f"(after {result.startup_seconds:.2f} s loading)",
            "confusion (rows true, columns predicted):",
            result.confusion.to_string(),
        ]
        self.stdout.write("\n".join(lines))

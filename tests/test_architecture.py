"""The layers of docs/architecture.md hold: each package imports only those below it, and the
scoring engine stays pure. The contracts are pyproject.toml's [tool.importlinter]."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_layer_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout

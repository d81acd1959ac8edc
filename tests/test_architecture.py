"""The arrows between apps run one way (issue 10), read from the import graph itself.

The contracts live in ``pyproject.toml`` under ``[tool.importlinter]``: API and demo on
top, then interventions, cases, referrals, audit, partners and core; no production module
imports the tests. A new import against the arrows fails here, naming the line.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_keep_the_layering_contracts():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        # The checkout's packages, whatever the virtualenv's editable install points at.
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout

"""Templates only translate in ways the extractor sees, so no string escapes the catalogs."""

from __future__ import annotations

import re
from pathlib import Path

import soai

TEMPLATES = sorted(Path(soai.__file__).parent.glob("*/templates/**/*.html"))
# Babel's Jinja extractor only sees calls named _ / gettext / ngettext, not attribute calls
# such as ``t.gettext("…")``: such strings would silently stay English.
HIDDEN_CALL = re.compile(r"\.\s*n?gettext\s*\(")


def test_templates_exist() -> None:
    assert len(TEMPLATES) > 10


def test_no_template_translates_through_an_attribute_call() -> None:
    offenders = [
        f"{path.relative_to(Path(soai.__file__).parent)}:{number}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HIDDEN_CALL.search(line)
    ]
    assert offenders == [], "use _() in templates: " + ", ".join(offenders)

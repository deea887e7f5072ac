"""One Jinja2 environment for portal pages and PDF reports, rendered per language.

The environment is built once and never mutated per request: each render receives its own
:class:`~soai.i18n.Translator` (``t`` and ``_`` in templates). Templates live in
``templates/<part>/`` next to the code of each package; htmx fragments in
``templates/<part>/parts/`` are included by the full page, so one fragment serves both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

import soai

PACKAGE_ROOT = Path(soai.__file__).parent
STATIC_DIR = PACKAGE_ROOT / "web" / "static"


def template_dirs() -> list[Path]:
    """Every ``templates/`` folder of soai's packages, infrastructure first."""
    return sorted(
        (p for p in PACKAGE_ROOT.glob("*/templates") if p.is_dir()),
        key=lambda p: (p.parent.name != "web", p.parent.name),
    )


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs()]),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    return env


def render_to_string(env: Environment, name: str, context: dict[str, Any]) -> str:
    """Render a template with a translator given in ``context['t']``."""
    translator = context["t"]
    full = {
        "_": translator.gettext,
        "gettext": translator.gettext,
        "ngettext": translator.ngettext,
        **context,
    }
    return env.get_template(name).render(full)

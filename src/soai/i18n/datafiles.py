"""What every bilingual YAML data file of a part shares (the roadmap, the readiness
questionnaire, the serious-incident rules ...): a text in English and Khmer, frozen models that
refuse unknown keys, and reading and checking a file with errors that name the file, the entry
(by its ``id``, not its position) and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from soai.errors import ConfigurationError
from soai.i18n.markers import N_

KHMER = re.compile("[\u1780-\u17ff]")
ID = r"^[a-z0-9][a-z0-9-]*$"

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Frozen):
    """A text in English and Khmer: both required and not blank, the Khmer in Khmer script."""

    en: str
    km: str

    @field_validator("en", "km")
    @classmethod
    def _written(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the text is empty")
        return value

    @field_validator("km")
    @classmethod
    def _is_khmer(cls, value: str) -> str:
        if not KHMER.search(value):
            raise ValueError("the Khmer text is missing (no Khmer script)")
        return value

    def get(self, language: str) -> str:
        return self.km if language == "km" else self.en


def read(path: Path, *, kind: str, error: type[ConfigurationError]) -> Any:
    """The YAML content of ``path``; ``error`` when it cannot be read or parsed."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(N_("Cannot read {kind} file {file}: {reason}"), kind=kind, file=str(path),
                    reason=str(exc)) from exc  # fmt: skip


def validate(model: type[M], raw: Any, *, label: str, kind: str,
             error: type[ConfigurationError]) -> M:  # fmt: skip
    """``raw`` as ``model``; every problem named by where it is (``phases[phase-2].months``)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        fail([(where(raw, e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()],
             label=label, kind=kind, error=error)  # fmt: skip


def fail(problems: list[tuple[str, str]], *, label: str, kind: str,
         error: type[ConfigurationError]) -> NoReturn:  # fmt: skip
    """Raise ``error`` listing (where, what) problems; its field is the first place."""
    raise error(
        N_("{file} is not a valid {kind} file: {problems}"), field=problems[0][0], file=label,
        kind=kind, problems="; ".join(f"{place}: {text}" for place, text in problems),
    )  # fmt: skip


def where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A pydantic error location in the file's own terms: list items by their ``id``."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list | tuple) and key < len(node) and parts:
            node = node[key]
            label = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{label or key}]"
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"

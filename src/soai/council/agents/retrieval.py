"""The ``retrieval`` family: which requirements of the system's tier the evidence addresses.

Classical retrieval against the requirements catalogue, with scikit-learn's TF-IDF: every
requirement (English title, summary and keywords; Khmer title and summary for Khmer text) is a
vector, built once per process. For a bundle and a lens:

1. the *scope* is the obligations of the system's classification, what the crosswalks link them
   to, and the lines of its Statement of Applicability;
2. the lens's requirements are those of the scope closest to the lens's description;
3. each is *addressed* by a control in place with evidence, or by a passage of the written record
   or a passing test similar enough to it; it is *contradicted* by a control assessed not
   effective or a failing test that matches it.

Anything contradicted rejects; otherwise the share addressed approves (≥ 75 %), escalates, or,
when evidence exists but addresses almost nothing, rejects. Citations are catalogue URNs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from soai.council.agents.base import LENSES, Bundle, Choice, Evaluation, shipped_catalogue, shorten

FAMILY = "retrieval"
QUERIES = {
    "safety": "safety risk management system harm hazard fail-safe residual risk accuracy "
              "robustness reliability testing validation",
    "security": "security cybersecurity adversarial attack resilience robustness poisoning "
                "access control breach",
    "privacy": "privacy personal data protection lawful basis processing consent data subject "
               "rights impact assessment sensitive data",
    "fairness": "fairness bias discrimination equity representativeness data quality training "
                "data groups",
    "transparency": "transparency explainability interpretability instructions for use "
                    "information to deployers users disclosure",
    "accountability": "accountability human oversight roles responsibilities override "
                      "automation bias leadership quality management",
    "documentation": "technical documentation records record-keeping logging traceability "
                     "design records Annex IV",
    "compliance": "conformity assessment registration obligations of providers quality "
                  "management system legal regulatory requirements",
    "reporting": "reporting serious incidents post-market monitoring communicating incidents "
                 "regulatory reporting complaints",
}  # fmt: skip
PER_LENS = 6
LENS_MIN = 0.06
MATCH = 0.12
KM_MATCH = 0.35
"""Khmer is matched on character n-grams, which any two Khmer texts share more of."""
CROSSWALKS = ("nist-ai-rmf", "asean-guide")
_KHMER = re.compile("[\u1780-\u17ff]")
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"(?<=[.!?។])\s+")
CHUNK_WORDS = 80


@dataclass(frozen=True)
class _Index:
    urns: tuple[str, ...]
    english: TfidfVectorizer
    khmer: TfidfVectorizer
    en_matrix: Any
    km_matrix: Any
    lens: Mapping[str, np.ndarray]


@lru_cache(maxsize=1)
def index() -> _Index:
    """The catalogue's TF-IDF index and each requirement's closeness to each lens."""
    requirements = list(shipped_catalogue().requirements.values())
    english = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english")
    en_matrix = english.fit_transform(
        " ".join([r.title["en"], r.summary["en"], *r.keywords, *r.keywords]) for r in requirements
    )
    khmer = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True)
    km_matrix = khmer.fit_transform(
        " ".join([r.title.get("km", ""), r.summary.get("km", "")]) for r in requirements
    )
    queries = english.transform([QUERIES[lens] for lens in LENSES])
    closeness = (en_matrix @ queries.T).toarray()
    return _Index(
        urns=tuple(r.urn for r in requirements),
        english=english,
        khmer=khmer,
        en_matrix=en_matrix,
        km_matrix=km_matrix,
        lens={lens: closeness[:, n] for n, lens in enumerate(LENSES)},
    )


class RetrievalAgent:
    """Requirement coverage of one lens, by retrieval against the catalogue."""

    family = FAMILY

    def __init__(self, lens: str) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r}")
        self.lens = lens

    def evaluate(self, bundle: Bundle) -> Evaluation:
        head = f"Requirement coverage of {self.lens}:"
        built = index()
        scope = _scope(bundle)
        if not scope:
            return Evaluation.escalate(
                f"{head} without a classification or a Statement of Applicability the "
                "requirements that apply are unknown."
            )
        rows = [n for n, urn in enumerate(built.urns) if urn in scope]
        closeness = built.lens[self.lens][rows]
        ranked = [
            rows[i] for i in np.argsort(-closeness, kind="stable") if closeness[i] >= LENS_MIN
        ]
        chosen = ranked[:PER_LENS]
        if not chosen:
            return Evaluation.escalate(f"{head} no requirement of the system's scope concerns it.")
        passages = _passages(bundle)
        controls = _controls(bundle)
        if not passages and not controls:
            return Evaluation.escalate(f"{head} the bundle holds no evidence to match.")
        scores = _similarity(passages, tuple(chosen))
        addressed, partial, missed, against, evidence = [], [], [], [], []
        standing = [p[2] for p in passages]
        for column, row in enumerate(chosen):
            urn = built.urns[row]
            status, where = controls.get(urn, (None, ""))
            hits = {s: _best(scores[:, column], standing, s) for s in ("fail", "ok", "weak")}
            if status == "not_effective" or hits["fail"] is not None:
                against.append(urn)
                evidence.append(
                    where if status == "not_effective" else passages[hits["fail"] or 0][0]
                )
            elif hits["ok"] is not None and status in (None, "ok"):
                addressed.append(urn)
                evidence += [where, passages[hits["ok"]][0]]
            elif status in ("ok", "partly") or hits["ok"] is not None or hits["weak"] is not None:
                partial.append(urn)  # a control nobody describes, or a description without one
                text = hits["ok"] if hits["ok"] is not None else hits["weak"]
                evidence += [where, passages[text][0] if text is not None else ""]
            else:
                missed.append(urn)
        return _decide(head, chosen, addressed, partial, missed, against, evidence)


def _decide(
    head: str, chosen: list[int], addressed: list[str], partial: list[str],
    missed: list[str], against: list[str], evidence: list[str],
) -> Evaluation:  # fmt: skip
    catalogue = shipped_catalogue().requirements
    coverage = (len(addressed) + 0.5 * len(partial)) / len(chosen)

    def named(urns: list[str]) -> str:
        return ", ".join(f"{catalogue[u].ref} {catalogue[u].title['en']}" for u in urns)

    parts = [
        f"{len(chosen)} requirements concern this lens; coverage {coverage:.0%} (a requirement "
        "counts half when only a control or only a description addresses it)."
    ]
    for label, urns in (("Contradicted by the evidence", against), ("Addressed", addressed),
                        ("Partly addressed", partial), ("Missed", missed)):  # fmt: skip
        if urns:
            parts.append(f"{label}: {named(urns)}.")
    choice: Choice
    if against:
        choice, confidence = "reject", 0.6 + 0.1 * min(3, len(against))
    elif coverage >= 0.75:
        choice, confidence = "approve", 0.5 + 0.45 * coverage
    elif coverage >= 0.25:
        choice, confidence = "escalate", 0.6
    else:
        choice, confidence = "reject", 0.6
    citations = tuple(dict.fromkeys([*against, *missed, *partial, *addressed, *evidence]))
    return Evaluation(choice, round(confidence, 3), shorten(f"{head} {' '.join(parts)}"),
                      tuple(c for c in citations if c)[:16])  # fmt: skip


def _best(scores: np.ndarray, standing: list[str], wanted: str) -> int | None:
    """The passage of ``wanted`` standing most similar to a requirement, if similar enough."""
    best: int | None = None
    for n, score in enumerate(scores):
        if standing[n] == wanted and score >= MATCH and (best is None or score > scores[best]):
            best = n
    return best


def _items(bundle: Bundle, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = bundle.get(key)
    for index_, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield index_, item


def _scope(bundle: Bundle) -> set[str]:
    catalogue = shipped_catalogue()
    classification = bundle.get("classification")
    listed = classification.get("obligations") if isinstance(classification, dict) else None
    obligations = {
        urn
        for o in (listed if isinstance(listed, list) else [])
        if isinstance(urn := o.get("urn") if isinstance(o, dict) else o, str)
    } & set(catalogue.requirements)
    scope = set(obligations)
    for urn in obligations:
        scope.update(
            r for r in catalogue.related(urn) if catalogue.requirements[r].framework in CROSSWALKS
        )
    scope.update(
        str(c.get("urn")) for _, c in _items(bundle, "controls") if c.get("applicable") is not False
    )
    return scope & set(catalogue.requirements)


def _controls(bundle: Bundle) -> dict[str, tuple[str, str]]:
    """Each control's standing: ok, partly, not_effective or weak, and where it is."""
    found = {}
    for _, control in _items(bundle, "controls"):
        urn = str(control.get("urn"))
        if control.get("applicable") is False:
            continue
        if control.get("assessment") == "not_effective":
            status = "not_effective"
        elif control.get("assessment") == "partly":
            status = "partly"
        elif control.get("implementation") == "implemented" and control.get("evidence_count"):
            status = "ok"
        else:
            status = "weak"
        found[urn] = (status, f"controls[{urn}]")
    return found


Passage = tuple[str, str, str]
"""(citation, text, standing: "ok", "weak" or "fail")."""


def _passages(bundle: Bundle) -> tuple[Passage, ...]:
    found: list[Passage] = []
    for n, document in _items(bundle, "documents"):
        titled = f"{document.get('title') or ''}\n{document.get('text') or ''}"
        for chunk in _chunks(titled):
            found.append((f"documents[{n}]", chunk, "ok"))
    system = bundle.get("system")
    if isinstance(system, dict):
        for key in ("purpose", "human_oversight", "deployment_context", "model_basis"):
            if isinstance(system.get(key), str) and system[key].strip():
                found.append((f"system.{key}", system[key], "ok"))
    for n, run in _items(bundle, "assurance"):
        listed = run.get("verdicts")
        verdicts = listed if isinstance(listed, list) else []
        metrics = sorted(
            {str(v.get("metric", "")).replace("_", " ") for v in verdicts if isinstance(v, dict)}
        )
        verdict = str(run.get("verdict"))
        standing = "fail" if verdict == "fail" else "weak" if verdict == "warn" else "ok"
        text = f"{run.get('kind')} {_KIND_WORDS.get(str(run.get('kind')), '')} test: {', '.join(metrics)}"
        found.append((f"assurance[{n}]", text, standing))
    return tuple(found)


def _chunks(text: str, words: int = CHUNK_WORDS) -> Iterator[str]:
    """Paragraphs (a heading stays with its text), long ones cut at sentence ends."""
    for paragraph in _PARAGRAPH.split(text):
        size, sentences = 0, []
        for sentence in _SENTENCE.split(paragraph.strip()):
            sentences.append(sentence)
            size += len(sentence.split())
            if size >= words:
                yield " ".join(sentences)
                size, sentences = 0, []
        rest = " ".join(sentences).strip()
        if len(rest.split()) >= 4 or _KHMER.search(rest):
            yield rest


_KIND_WORDS = {
    "fairness": "fairness bias discrimination groups",
    "performance": "accuracy performance validity",
    "robustness": "robustness resilience accuracy perturbation",
    "data": "data quality representativeness training data",
    "explain": "explainability interpretability",
}


@lru_cache(maxsize=64)
def _passage_scores(passages: tuple[Passage, ...]) -> np.ndarray:
    """Cosine similarity of every passage (rows) to every requirement (columns), once per
    bundle: the family's agents on one council share it."""
    built = index()
    english = built.english.transform([text for _, text, _ in passages])
    khmer = built.khmer.transform([text if _KHMER.search(text) else "" for _, text, _ in passages])
    en = (english @ built.en_matrix.T).toarray()
    km = (khmer @ built.km_matrix.T).toarray()
    return np.maximum(en, km * (MATCH / KM_MATCH))


def _similarity(passages: tuple[Passage, ...], rows: tuple[int, ...]) -> np.ndarray:
    """Cosine similarity of every passage (rows) to every chosen requirement (columns)."""
    if not passages:
        return np.zeros((0, len(rows)))
    return _passage_scores(passages)[:, list(rows)]

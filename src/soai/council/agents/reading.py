"""What the ``text`` family reads: the written record of a bundle, split into sentences, each
tagged with its language, the documentation topics it covers and any problem it admits.

The written record is the documents, the system's own descriptions, the controls'
justifications, the incident summary and the reasons the assurance tests give. Two models
shipped inside PyPI wheels do the reading, offline:

- ``py3langid`` (langid.py's naive-Bayes model over byte n-grams, 97 languages including Khmer,
  in ``py3langid/data/model.npz.xz``) tells each document's language, deterministically;
- ``pyphen`` (the Hunspell/LibreOffice hyphenation patterns, Liang's algorithm, in
  ``pyphen/dictionaries``) counts syllables for the Flesch reading-ease score of English text.

The topics paraphrase what EU AI Act Annex IV asks the technical documentation to describe;
Khmer text is matched on Khmer terms (the catalogue's own Khmer titles), as it has no spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_T = re.compile
TOPICS: Mapping[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "intended_purpose": (_T(r"intended (purpose|use)|\bis used (to|for|by)\b|designed to|purpose of"),
                         ("គោលបំណង",)),
    "data_governance": (_T(r"training data|\bdata (governance|quality|sources?|provenance|collection)|"
                           r"\bdatasets?\b|representativ"), ("អភិបាលកិច្ចទិន្នន័យ", "ទិន្នន័យបណ្តុះបណ្តាល")),
    "bias": (_T(r"\bbias|fairness|unfair|disparit|discriminat|demographic_?\s?parity|equali[sz]ed_?\s?odds|"
                r"equal_?\s?opportunity|protected (group|attribute)"), ("យុត្តិធម៌", "លម្អៀង", "រើសអើង")),
    "human_oversight": (_T(r"human oversight|human[- ]in[- ]the[- ]loop|\boverrid|\bofficers? "
                           r"(approve|review|decide)|a person (approves|decides|reviews)"),
                        ("ការត្រួតពិនិត្យដោយមនុស្ស",)),
    "accuracy_robustness": (_T(r"\baccura|robust|\bauc\b|roc_auc|error rate|stabilit|perturb|brier"),
                            ("ភាពត្រឹមត្រូវ", "ភាពរឹងមាំ")),
    "security": (_T(r"cyber ?security|adversarial|access control|encrypt|penetration test|"
                    r"\battack|poison"), ("សន្តិសុខ",)),
    "risk_management": (_T(r"risk (management|assessment|register|treatment)|residual risk|mitigat"),
                        ("គ្រប់គ្រងហានិភ័យ", "ហានិភ័យ")),
    "logging": (_T(r"\blog(s|ging|ged)?\b|record[- ]keeping|audit trail|traceab"), ("កំណត់ត្រា",)),
    "monitoring": (_T(r"post[- ]market|\bmonitor|\bdrift"), ("តាមដាន",)),
    "incident_reporting": (_T(r"\bincident|complain|redress|\bappeal|serious incident"),
                           ("ឧប្បត្តិហេតុ", "បណ្តឹង")),
    "personal_data": (_T(r"personal data|data protection|privacy|\bconsent|lawful basis|"
                         r"data subject|anonymi[sz]|pseudonymi[sz]|\bdpia\b"),
                      ("ឯកជនភាព", "ទិន្នន័យផ្ទាល់ខ្លួន")),
    "roles": (_T(r"responsib|accountab|\bowns?\b|\bowner|\broles?\b|head of"),
              ("ទំនួលខុសត្រូវ", "គណនេយ្យភាព")),
    "explanation": (_T(r"explain|explanation|reason codes?|main reasons|interpretab|"
                       r"instructions for use|feature importance"), ("ពន្យល់",)),
    "limitations": (_T(r"limitations?\b|known (issue|limit)|not (suitable|intended)|should not be used"),
                    ("ដែនកំណត់",)),
    "conformity": (_T(r"conformity|declaration|\bce marking|iso/iec 42001|\baudit|certif|"
                      r"statement of applicability"), ("អនុលោមភាព",)),
}  # fmt: skip
ANNEX_IV = ("intended_purpose", "data_governance", "human_oversight", "accuracy_robustness",
            "risk_management", "logging", "monitoring", "limitations")  # fmt: skip
STRONG = _T(r"\bfail(s|ed)\b|\bfailing\b|below the threshold|above the threshold|\bpenali[sz]|"
            r"discriminat(es|ed|ing) against|lower approval|worse (outcomes|results) for|"
            r"not effective|non-?conformit")  # fmt: skip
WEAK = _T(r"under-?represent|\bnot yet\b|partly effective|open finding|unresolved|"
          r"\bno (human|oversight|logs?|monitoring)\b")  # fmt: skip
KM_STRONG = ("បរាជ័យ", "រើសអើង")
KM_WEAK = ("មិនទាន់",)
FLESCH_SAMPLE = 200
LANGUAGE_SAMPLE = 1500
_SENTENCE = re.compile(r"(?<=[.!?។])\s+|\n+|។")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@dataclass(frozen=True)
class Sentence:
    citation: str
    text: str
    topics: frozenset[str]
    strong: bool
    weak: bool


@dataclass(frozen=True)
class Document:
    citation: str
    declared: str | None
    language: str
    probability: float
    words: int
    sentences: int
    flesch: float | None  # English only
    headings: int


@dataclass(frozen=True)
class Reading:
    sentences: tuple[Sentence, ...]
    documents: tuple[Document, ...]

    def covering(self, topic: str) -> list[Sentence]:
        return [s for s in self.sentences if topic in s.topics]


Source = tuple[str, str, str | None, bool]
"""(citation, text, declared language, whether it is a document)."""


def sources(bundle: Mapping[str, Any]) -> tuple[Source, ...]:
    """Every piece of prose in the bundle, with where it is."""
    found: list[Source] = []
    for index, document in _items(bundle, "documents"):
        language, text = document.get("language"), _text(document.get("text"))
        if text.strip() and _text(document.get("title")).strip():
            text = f"# {document['title']}\n{text}"  # a title is the document's first heading
        found.append((f"documents[{index}]", text,
                      language if isinstance(language, str) else None, True))  # fmt: skip
    system = bundle.get("system")
    if isinstance(system, dict):
        for key in ("purpose", "deployment_context", "affected_groups", "human_oversight",
                    "model_basis"):  # fmt: skip
            if isinstance(system.get(key), str):
                found.append((f"system.{key}", system[key], None, False))
    for index, control in _items(bundle, "controls"):
        urn = control.get("urn")
        if isinstance(urn, str) and urn.startswith("urn:") and "]" not in urn:
            where = f"controls[{urn}]"
        else:
            where = f"controls[{index}]"
        found.append((where + ".justification", _text(control.get("justification")), None, False))
    incident = bundle.get("incident")
    if isinstance(incident, dict) and incident.get("summary"):
        found.append(("incident.summary", _text(incident["summary"]), None, False))
    for index, run in _items(bundle, "assurance"):
        listed = run.get("verdicts")
        verdicts = listed if isinstance(listed, list) else []
        for number, verdict in enumerate(verdicts):
            if isinstance(verdict, dict) and verdict.get("reason"):
                citation = f"assurance[{index}].verdicts[{number}]"
                found.append((citation, _text(verdict["reason"]), "en", False))
    return tuple((c, t, lang, doc) for c, t, lang, doc in found if t.strip())


@lru_cache(maxsize=128)
def read(found: tuple[Source, ...]) -> Reading:
    """The sentences and document statistics of ``sources(bundle)`` (cached: the family's
    agents on one council read the same bundle)."""
    sentences: list[Sentence] = []
    documents: list[Document] = []
    for citation, text, declared, is_document in found:
        language, probability = detect(text) if is_document else ((declared or "en"), 1.0)
        khmer = language == "km"
        parts = [p.strip() for p in _SENTENCE.split(text) if p and p.strip()]
        for part in parts:
            sentences.append(_tag(citation, part, khmer))
        if is_document:
            words = _WORD.findall(text)
            flesch = _flesch(parts) if language == "en" and words else None
            headings = sum(1 for line in text.splitlines() if line.lstrip().startswith("#"))
            count = len(words) if not khmer else len(text) // 6  # Khmer: ~6 characters a word
            documents.append(
                Document(
                    citation, declared, language, probability, count, len(parts), flesch, headings
                )
            )
    return Reading(tuple(sentences), tuple(documents))


def _tag(citation: str, text: str, khmer: bool) -> Sentence:
    if khmer:
        folded = unicodedata.normalize("NFC", text)
        topics = frozenset(t for t, (_, terms) in TOPICS.items() if any(w in folded for w in terms))
        strong = any(w in folded for w in KM_STRONG)
        weak = any(w in folded for w in KM_WEAK)
    else:
        folded = text.casefold()
        topics = frozenset(t for t, (pattern, _) in TOPICS.items() if pattern.search(folded))
        strong, weak = bool(STRONG.search(folded)), bool(WEAK.search(folded))
    return Sentence(citation, text, topics, strong, weak)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The language of ``text`` (ISO 639-1) and the model's probability for it, judged on
    its first :data:`LANGUAGE_SAMPLE` characters."""
    return _detect(text[:LANGUAGE_SAMPLE])


@lru_cache(maxsize=1024)
def _detect(sample: str) -> tuple[str, float]:
    language, probability = _identifier().classify(sample)
    return str(language), float(probability)


@lru_cache(maxsize=1)
def _hyphenator() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables of an English word, as textstat counts them: hyphenation points + 1."""
    return len(_hyphenator().positions(word.lower())) + 1


def _flesch(sentences: list[str]) -> float:
    """Flesch reading ease, 206.835 − 1.015 words/sentence − 84.6 syllables/word, on the
    first :data:`FLESCH_SAMPLE` words (whole sentences), as Flesch himself sampled."""
    words: list[str] = []
    count = 0
    for sentence in sentences:
        if sentence.startswith("#"):
            continue  # a heading is not a sentence
        found = _WORD.findall(sentence)
        if found:
            words += found
            count += 1
        if len(words) >= FLESCH_SAMPLE:
            break
    total = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * len(words) / max(1, count) - 84.6 * total / max(1, len(words))


def warm(texts: Iterable[str]) -> int:
    """Load both models and learn the syllables of the words in ``texts`` ahead of use."""
    detect("warm up")
    words = {w for text in texts for w in _WORD.findall(text)}
    for word in words:
        syllables(word)
    return len(words)


def _items(bundle: Mapping[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = bundle.get(key)
    for index, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield index, item


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""

"""The optional ``llm:<model>`` family: a language model behind any OpenAI-compatible
``/chat/completions`` endpoint (a hosted API, vLLM, llama.cpp, Ollama ...).

The prompt states the lens, the bundle (documents cut to a length) and the list of pointers the
model may cite, and demands one JSON object ``{"choice", "confidence", "rationale",
"citations"}``. The answer is checked strictly: exact keys, types and ranges, citations that
resolve in the bundle or the catalogue, an approval that cites something. Whatever goes wrong —
a timeout, a network or HTTP error, a refusal, text that is not that JSON — becomes an
``escalate`` whose rationale says what happened, with confidence 0: a broken model never
approves. Sampling is greedy (temperature 0, fixed seed) so that a deterministic server
answers the same bundle the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from soai.council.agents.base import (
    CHOICES,
    LENSES,
    MAX_RATIONALE,
    Bundle,
    Evaluation,
    kind_of,
    resolves,
    shorten,
)

PREFIX = "llm:"
DOCUMENT_CHARS = 6000
MAX_CITATIONS = 32
KEYS = ("choice", "confidence", "rationale", "citations")
LENS_QUESTIONS = {
    "safety": "Can the system harm people or fail unsafely, and are its risks treated?",
    "security": "Is the system protected against attacks, manipulation and breaches?",
    "privacy": "Is personal data processed lawfully and protected?",
    "fairness": "Does the system treat groups of people equitably, as tested?",
    "transparency": "Are purpose, workings and decisions explained to deployers and people?",
    "accountability": "Is someone accountable, and can people oversee and override it?",
    "documentation": "Is the system documented as EU AI Act Annex IV asks?",
    "compliance": "Does it meet the obligations of its risk tier and its controls?",
    "reporting": "Are results, incidents and monitoring recorded and reported?",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)
_REFUSAL = re.compile(r"^\W*(i'?m sorry|i am sorry|i can(?:no|')t|i am unable|as an ai\b)", re.I)


class LLMAgent:
    """One lens judged by a language model over HTTP."""

    def __init__(
        self,
        lens: str,
        *,
        model: str,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        json_mode: bool = True,
    ) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r}")
        self.lens = lens
        self.model = model
        self.family = PREFIX + model
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.timeout = timeout
        self.json_mode = json_mode
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    @classmethod
    def for_model(
        cls, model: str, lens: str, *, base_url: str, api_key: str | None = None,
        timeout: float = 30.0,
    ) -> LLMAgent:  # fmt: skip
        """The agent for ``roster.agent_for``'s ``llm`` argument (with ``functools.partial``)."""
        return cls(lens, model=model, base_url=base_url, api_key=api_key, timeout=timeout)

    def evaluate(self, bundle: Bundle) -> Evaluation:
        head = f"Model {self.model} ({self.lens}):"
        try:
            response = httpx.post(
                self.url, json=self.request(bundle), headers=self._headers, timeout=self.timeout
            )
        except httpx.TimeoutException:
            return _failed(f"{head} no answer within {self.timeout:g} s.")
        except httpx.HTTPError as exc:
            return _failed(f"{head} the endpoint could not be reached ({type(exc).__name__}).")
        if response.status_code != 200:
            return _failed(f"{head} the endpoint answered HTTP {response.status_code}.")
        try:
            return parse(response.json(), bundle, head=head)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            return _failed(f"{head} the answer is not valid: {exc}")

    def request(self, bundle: Bundle) -> dict[str, Any]:
        """The chat-completions request for ``bundle``."""
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0,
            "seed": 0,
            "messages": [
                {"role": "system", "content": instructions(self.lens)},
                {"role": "user", "content": evidence(bundle)},
            ],
        }
        if self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body


def instructions(lens: str) -> str:
    return (
        f"You are one of 33 independent members of an AI safety council. You judge the evidence "
        f"bundle of an AI system through one lens only: {lens} ({kind_of(lens)} seat). "
        f"Question: {LENS_QUESTIONS[lens]}\n"
        "Answer with ONE JSON object and nothing else, with exactly these keys:\n"
        '{"choice": "approve" | "reject" | "escalate", "confidence": <number from 0 to 1>, '
        f'"rationale": "<plain English, at most {MAX_RATIONALE} characters>", '
        '"citations": ["<pointer>", ...]}\n'
        "Every citation must be copied exactly from the CITABLE list. Approve only when the "
        "evidence shows the lens is satisfied, and cite that evidence. Reject when the evidence "
        "shows a serious problem. When evidence for the lens is missing or unclear, escalate."
    )


def evidence(bundle: Bundle) -> str:
    shown = dict(bundle)
    if isinstance(shown.get("documents"), list):
        shown["documents"] = [
            {**d, "text": str(d.get("text", ""))[:DOCUMENT_CHARS]} if isinstance(d, dict) else d
            for d in shown["documents"]
        ]
    return (
        "CITABLE:\n" + "\n".join(citable(bundle))
        + "\n\nEVIDENCE BUNDLE (JSON):\n" + json.dumps(shown, ensure_ascii=False, default=str)
    )  # fmt: skip


def citable(bundle: Bundle) -> list[str]:
    """Pointers into ``bundle`` a model may cite (each resolves), then obligation URNs."""
    found = [key for key in ("subject", "system", "classification", "incident") if key in bundle]
    for key in ("system", "incident", "classification"):
        if isinstance(bundle.get(key), dict):
            found += [f"{key}.{name}" for name in bundle[key] if _NAME.fullmatch(str(name))]
    classification = bundle.get("classification")
    trace = classification.get("trace") if isinstance(classification, dict) else None
    found += [
        f"classification.trace[{n}]" for n in range(len(trace) if isinstance(trace, list) else 0)
    ]
    for key in ("risks", "assurance", "documents", "controls"):
        items = bundle.get(key)
        for n, item in enumerate(items if isinstance(items, list) else []):
            urn = item.get("urn") if isinstance(item, dict) else None
            named = isinstance(urn, str) and urn.startswith("urn:") and "]" not in urn
            found.append(f"{key}[{urn}]" if named else f"{key}[{n}]")
            verdicts = item.get("verdicts") if isinstance(item, dict) else None
            if key == "assurance" and isinstance(verdicts, list):
                found += [f"assurance[{n}].verdicts[{m}]" for m in range(len(verdicts))]
    obligations = classification.get("obligations") if isinstance(classification, dict) else None
    for obligation in obligations if isinstance(obligations, list) else []:
        urn = obligation.get("urn") if isinstance(obligation, dict) else obligation
        if isinstance(urn, str):
            found.append(urn)
    return [c for c in dict.fromkeys(found) if resolves(bundle, c)]


def parse(answer: Any, bundle: Bundle, *, head: str) -> Evaluation:
    """The evaluation in a chat-completions response; ``ValueError`` saying what is wrong."""
    choice = answer["choices"][0]
    message = choice["message"]
    refusal = message.get("refusal")
    if refusal or choice.get("finish_reason") == "content_filter":
        return _failed(
            f"{head} the model refused to judge: {str(refusal or 'content filter')[:300]}"
        )
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ValueError("the answer is empty")
    text = content.strip()
    fenced = _FENCE.match(text)
    try:
        data = json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError:
        if _REFUSAL.match(text):
            return _failed(f"{head} the model refused to judge: {text[:300]}")
        raise ValueError(f"it is not JSON: {text[:200]!r}") from None
    return _checked(data, bundle, head)


def _checked(data: Any, bundle: Bundle, head: str) -> Evaluation:
    if not isinstance(data, dict) or set(data) != set(KEYS):
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"expected exactly the keys {', '.join(KEYS)}, got {keys}")
    choice, confidence = data["choice"], data["confidence"]
    rationale, citations = data["rationale"], data["citations"]
    if choice not in CHOICES:
        raise ValueError(f"choice {choice!r} is not one of {', '.join(CHOICES)}")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError("confidence is not a number")
    if not 0 <= confidence <= 1:
        raise ValueError(f"confidence {confidence} is not between 0 and 1")
    if not isinstance(rationale, str) or not rationale.strip():
        raise ValueError("the rationale is empty")
    if len(rationale) > MAX_RATIONALE:
        raise ValueError(f"the rationale is longer than {MAX_RATIONALE} characters")
    if not isinstance(citations, list) or not all(isinstance(c, str) for c in citations):
        raise ValueError("citations is not a list of strings")
    if len(citations) > MAX_CITATIONS:
        raise ValueError(f"more than {MAX_CITATIONS} citations")
    unknown = [c for c in citations if not resolves(bundle, c)]
    if unknown:
        raise ValueError(f"citations point at nothing: {', '.join(unknown[:5])}")
    if choice == "approve" and not citations:
        raise ValueError("an approval must cite its evidence")
    text = shorten(f"{head} {rationale.strip()}")
    return Evaluation(choice, float(confidence), text, tuple(dict.fromkeys(citations)))


def _failed(reason: str) -> Evaluation:
    return Evaluation.escalate(reason, confidence=0.0)

"""The ``llm:<model>`` agent against a real OpenAI-compatible HTTP server on loopback.

The server answers according to the model name asked for: a good answer, one in a Markdown
fence, malformed JSON, invalid answers, a refusal, a slow answer and an HTTP 500.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from soai.council.agents.base import resolves
from soai.council.agents.llm import LLMAgent, citable
from soai.council.agents.roster import SeatSpec, agent_for, evaluate_all

KEY = "test-key-not-a-secret"
BUNDLE: dict[str, Any] = {
    "subject": {"type": "assessment", "id": "pdca-cycle-1", "title": "Retail credit scoring v3"},
    "system": {"name": "Retail credit scoring v3", "data_categories": ["personal"],
               "human_oversight": "A loan officer approves or refuses every application."},
    "classification": {"risk": "high", "obligations": ["urn:soai:eu-ai-act:art-14"],
                       "trace": [{"rule": "annex-iii", "outcome": "decides"}]},
    "assurance": [{"run_id": 4, "kind": "fairness", "verdict": "fail",
                   "verdicts": [{"metric": "demographic_parity_ratio", "scope": "province",
                                 "value": 0.37, "verdict": "fail", "reason": "below 0.8"}]}],
    "documents": [{"title": "Model card", "text": "x" * 9000, "language": "en"}],
}  # fmt: skip
GOOD = {
    "choice": "reject",
    "confidence": 0.8,
    "rationale": "Approval rates differ by province far beyond the four-fifths rule.",
    "citations": ["assurance[0].verdicts[0]", "urn:soai:eu-ai-act:art-14"],
}


def completion(content: str | None, **message: Any) -> dict[str, Any]:
    finish = message.pop("finish_reason", "stop")
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content, **message}}],
    }  # fmt: skip


ANSWERS: dict[str, Any] = {
    "good": completion(json.dumps(GOOD)),
    "fenced": completion("```json\n" + json.dumps({**GOOD, "choice": "approve"}) + "\n```"),
    "malformed": completion('{"choice": "approve", "confidence": 0.9, "rationale": "fine"'),
    "extra-key": completion(json.dumps({**GOOD, "verdict": "approve"})),
    "bad-choice": completion(json.dumps({**GOOD, "choice": "approved"})),
    "overconfident": completion(json.dumps({**GOOD, "confidence": 1.7})),
    "made-up-citation": completion(json.dumps({**GOOD, "citations": ["controls[urn:x]"]})),
    "blind-approval": completion(json.dumps({**GOOD, "choice": "approve", "citations": []})),
    "refusal": completion(None, refusal="I can't help with evaluating this system."),
    "sorry": completion("I'm sorry, but I cannot assist with that request."),
    "filtered": completion("", finish_reason="content_filter"),
    "empty": {"choices": []},
}


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.path, self.headers.get("Authorization", ""), body))
        model = body["model"]
        if model == "slow":
            time.sleep(1.0)
        if model == "error" or (model not in ANSWERS and model != "slow"):
            self._send(500, {"error": {"message": "internal error"}})
            return
        self._send(200, ANSWERS.get(model, ANSWERS["good"]))

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def agent(base_url: str, model: str, lens: str = "fairness", timeout: float = 5.0) -> LLMAgent:
    return LLMAgent(lens, model=model, base_url=base_url, api_key=KEY, timeout=timeout)


def test_a_good_answer_becomes_the_agents_evaluation(base_url: str) -> None:
    Handler.seen.clear()
    evaluation = agent(base_url, "good").evaluate(BUNDLE)
    assert evaluation.choice == "reject"
    assert evaluation.confidence == 0.8
    assert evaluation.rationale.startswith("Model good (fairness): Approval rates differ")
    assert evaluation.citations == ("assurance[0].verdicts[0]", "urn:soai:eu-ai-act:art-14")
    [(path, authorization, body)] = Handler.seen
    assert path == "/v1/chat/completions" and authorization == f"Bearer {KEY}"
    assert body["model"] == "good" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    system, user = (m["content"] for m in body["messages"])
    assert "fairness" in system and '"citations"' in system and "escalate" in system
    assert "assurance[0].verdicts[0]" in user and "x" * 6000 in user and "x" * 6001 not in user
    assert KEY not in user + system


def test_an_answer_in_a_markdown_fence_is_accepted(base_url: str) -> None:
    assert agent(base_url, "fenced").evaluate(BUNDLE).choice == "approve"


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("malformed", "not JSON"),
        ("extra-key", "exactly the keys"),
        ("bad-choice", "'approved' is not one of"),
        ("overconfident", "not between 0 and 1"),
        ("made-up-citation", "point at nothing: controls[urn:x]"),
        ("blind-approval", "an approval must cite"),
        ("refusal", "refused to judge: I can't help"),
        ("sorry", "refused to judge: I'm sorry"),
        ("filtered", "refused to judge: content filter"),
        ("empty", "not valid"),
        ("error", "HTTP 500"),
    ],
)
def test_a_bad_answer_escalates_saying_why(base_url: str, model: str, reason: str) -> None:
    evaluation = agent(base_url, model).evaluate(BUNDLE)
    assert evaluation.choice == "escalate"
    assert evaluation.confidence == 0.0
    assert reason in evaluation.rationale


def test_a_slow_model_times_out_into_an_escalation(base_url: str) -> None:
    started = time.perf_counter()
    evaluation = agent(base_url, "slow", timeout=0.2).evaluate(BUNDLE)
    assert time.perf_counter() - started < 0.9
    assert evaluation.choice == "escalate"
    assert "no answer within 0.2 s" in evaluation.rationale


def test_an_unreachable_endpoint_escalates() -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    evaluation = agent(f"http://127.0.0.1:{port}/v1", "good", timeout=2).evaluate(BUNDLE)
    assert evaluation.choice == "escalate"
    assert "could not be reached" in evaluation.rationale


def test_everything_offered_for_citation_resolves() -> None:
    offered = citable(BUNDLE)
    assert "assurance[0].verdicts[0]" in offered and "classification.trace[0]" in offered
    assert all(resolves(BUNDLE, c) for c in offered)


def test_llm_seats_join_the_roster(base_url: str) -> None:
    spec = SeatSpec(34, "arbiter", "fairness", "llm:good")
    with pytest.raises(ValueError, match="needs an endpoint"):
        agent_for(spec)
    llm = functools.partial(LLMAgent.for_model, base_url=base_url, api_key=KEY, timeout=5)
    seated = agent_for(spec, llm=llm)
    assert (seated.family, seated.lens) == ("llm:good", "fairness")
    [(seat, evaluation)] = evaluate_all(BUNDLE, [spec], llm=llm)
    assert (seat, evaluation.choice) == (34, "reject")

"""Realistic evidence bundles for the agent tests, built with soai's own engines.

Both describe the demo bank's "Retail credit scoring v3": the classification comes from the
rules engine, the Statement of Applicability from ``pdca.soa``, the risk register from the
risk library and the assurance results from real test runs (``assurance.checks.run_plan``):

- :func:`demo_bundle` is the demo as ``soai demo`` leaves it: the planted bias against
  Ratanakiri and Mondulkiri fails the fairness test, Art. 10 is only partly effective, the
  risks are still open and the documentation is the cycle's few lines;
- :func:`good_bundle` is the same system done well: fair decisions, every control implemented
  and assessed effective with evidence, risks treated, full technical documentation in English
  with a Khmer summary.
"""

from __future__ import annotations

import copy
import csv
import functools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from soai.assurance import checks, demo_data, demo_model
from soai.assurance.inputs import Spec
from soai.catalog.catalogue import load
from soai.pdca.risk_library import library
from soai.pdca.soa import statement
from soai.registry.rules import classify, load_ruleset
from soai.registry.schemas import SystemProfile

ROWS = 6000
SYSTEM: dict[str, Any] = {
    "name": "Retail credit scoring v3",
    "purpose": "Scores applicants for personal and small-business loans from their repayment "
    "history, income and account activity; loan officers see the score and the main reasons.",
    "sector": "finance",
    "role": "provider",
    "deployment_context": "All 42 branches and the mobile banking app, for loans up to USD 50,000.",
    "data_categories": ["personal"],
    "affected_groups": "Loan applicants, including first-time borrowers without a credit file.",
    "autonomy": "human_in_the_loop",
    "human_oversight": "A loan officer approves or refuses every application and can override "
    "the score with a written reason.",
    "model_basis": "Gradient-boosted trees trained on 2019–2025 loan outcomes.",
}
MODEL_CARD = """# Retail credit scoring v3 — technical documentation

## Intended purpose
The system is used by loan officers of Angkor Commercial Bank to score applicants for personal and small-business loans up to USD 50,000. It is designed to support the officer's decision. It should not be used for employment, insurance pricing or any purpose other than credit decisions.

## Data governance
The training data covers 2019–2025 loan outcomes from all 42 branches and two microfinance partners. Data quality checks cover missing values, duplicates and label balance before each training run. Data provenance is recorded for every source. The representativeness of provinces, genders and age bands is checked against census shares.

## Fairness and bias testing
Fairness is tested by province, gender and their intersection with demographic parity and equalized odds. Every fairness measure is within the assurance policy.

## Accuracy and robustness
Accuracy, balanced accuracy and ROC AUC are measured on a held-out set from 2025. Robustness is tested by adding noise to the inputs, and the predictions stay stable.

## Cybersecurity
The model runs in the bank's data centre behind access control. Inputs are validated and the model file is signed. Penetration tests run every year and adversarial inputs are screened.

## Human oversight
A loan officer approves or refuses every application and can override the score with a written reason. Officers are trained to recognise automation bias.

## Roles and responsibilities
The head of credit risk owns the system and its risk register. The data science lead is responsible for the controls. The data protection officer is accountable for personal data.

## Personal data protection
The system processes personal data on the lawful basis of the loan contract. A data protection impact assessment (DPIA) was completed. Applicants can use their data subject rights of access and correction.

## Risk management
Risks are identified, rated and treated in the SOAI-PDCA risk register. Residual risks are accepted by the board. Mitigations include monthly fairness monitoring.

## Explanations for applicants
Each decision comes with its main reasons (reason codes) so that applicants understand it. Instructions for use are given to every officer.

## Logging and record-keeping
Every score, its inputs, the model version and the officer's decision are logged and kept for five years, which gives a full audit trail.

## Post-market monitoring
Performance, drift and fairness are monitored every month in production.

## Incidents and complaints
Applicants can complain or appeal at any branch or through the hotline. Serious incidents are reported to the regulator within 15 days.

## Known limitations
The model is less reliable for applicants with less than six months of credit history, so officers review those applications in full.

## Conformity and registration
Before release the system passed a conformity assessment based on internal control, and the bank signed a declaration of conformity. The system is registered in the EU database and in the national AI system register of Cambodia. A quality management system with written procedures covers design, testing and changes. The bank meets the legal and regulatory requirements for AI in credit, follows ISO/IEC 42001 and keeps a Statement of Applicability. An internal audit checks conformity every year.
"""
KHMER_SUMMARY = (
    "សេចក្តីសង្ខេបជាភាសាខ្មែរ។ គោលបំណងនៃប្រព័ន្ធនេះ គឺជួយមន្ត្រីឥណទានវាយតម្លៃពាក្យសុំកម្ចី។ "
    "ការត្រួតពិនិត្យដោយមនុស្ស៖ មន្ត្រីឥណទានអនុម័ត ឬបដិសេធពាក្យសុំនីមួយៗ។ "
    "ឯកជនភាព និងអភិបាលកិច្ចទិន្នន័យ ត្រូវបានគោរពតាមច្បាប់។ "
    "យុត្តិធម៌ និងសមធម៌ ត្រូវបានធ្វើតេស្តតាមខេត្ត និងភេទ។"
)
DEMO_POLICY = (
    "Every AI system that affects customers is registered, classified and reviewed every year. "
    "Credit models are validated before use and monitored monthly for drift and unfair outcomes."
)


@functools.cache
def _classification() -> dict[str, Any]:
    ruleset = load_ruleset(timeline="enacted", overlays=["kh"], catalogue=load())
    profile = SystemProfile(
        name=SYSTEM["name"], sector="finance", role="provider", annex_iii=("5(b)",), profiling=True
    )
    return classify(profile, ruleset).to_json()


def _controls(*, weak: str | None, evidence: int) -> list[dict[str, Any]]:
    catalogue = load()
    urns = [o["urn"] for o in _classification()["obligations"]]
    return [
        {
            "urn": line.urn,
            "ref": catalogue.requirements[line.urn].ref,
            "title": catalogue.requirements[line.urn].title["en"],
            "applicable": True,
            "justification": (
                "Training data under-represents rural borrowers without a credit file."
                if line.urn == weak
                else ""
            ),
            "implementation": "implemented",
            "assessment": "partly" if line.urn == weak else "effective",
            "evidence_count": evidence,
        }
        for line in statement(catalogue, obligations=urns)
    ]


def _risks(status: str) -> list[dict[str, Any]]:
    return [
        {
            "id": str(number),
            "title": risk.hazard["en"],
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "level": risk.level,
            "treatment": risk.treatment["en"],
            "status": status,
            "affected_group": risk.affected_group["en"],
        }
        for number, risk in enumerate(library().for_system(sector="finance", tier="high"), 1)
    ]


def _runs(decisions: Spec, model: Spec) -> list[dict[str, Any]]:
    outcomes = list(checks.run_plan(decisions, ("fairness", "performance", "data")).items())
    outcomes += list(checks.run_plan(model, ("robustness", "explain")).items())
    return [
        {
            "run_id": number,
            "kind": kind,
            "verdict": outcome["verdict"],
            "verdicts": [
                {k: v.get(k) for k in ("metric", "scope", "value", "verdict", "reason")}
                for v in outcome["verdicts"]
            ],
        }
        for number, (kind, outcome) in enumerate(outcomes, 1)
    ]


def _specs(data: Path, model: Path) -> tuple[Spec, Spec]:
    population = {"province": dict(zip(demo_data.PROVINCES, demo_data.SHARES, strict=True))}
    decisions = Spec(
        data, label="repaid", prediction="approved", score="score",
        sensitive=("gender", "province"), population=population,
    )  # fmt: skip
    on_model = Spec(
        data, label="repaid", model=model, trust_model=True, sensitive=("gender", "province")
    )
    return decisions, on_model


@functools.cache
def _demo_assurance() -> tuple[dict[str, Any], ...]:
    folder = Path(tempfile.mkdtemp(prefix="soai-council-demo-"))
    data = demo_data.write_csv(folder / "credit-scoring-predictions.csv", rows=ROWS)
    model = demo_model.write(folder / "credit-scoring-model.joblib", rows=ROWS)
    return tuple(_runs(*_specs(data, model)))


FAIR_ROWS, MODEL_ROWS = 12_000, 4000


@functools.cache
def _fair_assurance() -> tuple[dict[str, Any], ...]:
    """The bank after mitigation: within every gender × province group the same share of
    applicants is approved, the most likely to repay first; and a model trained on that."""
    import joblib

    folder = Path(tempfile.mkdtemp(prefix="soai-council-fair-"))
    columns = demo_data.generate(FAIR_ROWS)
    rng = np.random.default_rng(3)
    likely = columns["repaid"] + rng.normal(0, 0.35, FAIR_ROWS)
    groups = np.char.add(columns["gender"].astype(str), columns["province"].astype(str))
    approved = np.zeros(FAIR_ROWS, dtype=np.int8)
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        quota = round(float(columns["repaid"].mean()) * len(members))
        approved[members[np.argsort(-likely[members], kind="stable")[:quota]]] = 1
    columns["approved"] = approved
    noise = rng.normal(0, 0.12, FAIR_ROWS)
    columns["score"] = np.round(np.clip(0.5 + 0.3 * (2 * approved - 1) + noise, 0, 1), 4)
    decisions = _write(folder / "fair-decisions.csv", columns)
    sample = {name: values[:MODEL_ROWS] for name, values in columns.items()}
    data = _write(folder / "fair-sample.csv", sample)
    model = folder / "fair-model.joblib"
    joblib.dump(demo_model.train(sample), model)
    return tuple(_runs(_specs(decisions, model)[0], _specs(data, model)[1]))


def _write(path: Path, columns: dict[str, np.ndarray]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(demo_data.COLUMNS)
        writer.writerows(zip(*(columns[c].tolist() for c in demo_data.COLUMNS), strict=True))
    return path


def _subject() -> dict[str, Any]:
    return {"type": "assessment", "id": "pdca-cycle-1", "title": f"{SYSTEM['name']} — cycle 1"}


def good_bundle() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "subject": _subject(),
            "system": SYSTEM,
            "classification": _classification(),
            "risks": _risks("treated"),
            "controls": _controls(weak=None, evidence=2),
            "assurance": list(_fair_assurance()),
            "documents": [
                {"title": "Technical documentation", "text": MODEL_CARD, "language": "en"},
                {"title": "Khmer summary", "text": KHMER_SUMMARY, "language": "km"},
            ],
        }
    )


def demo_bundle() -> dict[str, Any]:
    """As ``council.evidence.assessment`` gathers the demo bank's cycle."""
    cycle = {
        "Scope": "Retail and small-business credit scoring in every branch and the app.",
        "Objectives": "Meet the EU AI Act duties of the system's tier and ISO/IEC 42001 Annex A.",
        "Roles": "Head of compliance owns the cycle; the data science lead owns the controls.",
        "Management review": "The board reviewed the cycle on 20 November 2026.",
        "Lessons learned": "Start the data representativeness work in the Plan phase.",
    }
    documents = [{"title": "Intended purpose", "text": SYSTEM["purpose"], "language": "en"}]
    documents += [{"title": t, "text": text, "language": "en"} for t, text in cycle.items()]
    documents.append(
        {"title": "Evidence", "text": "AI risk management policy\nModel card and validation report",
         "language": "en"}
    )  # fmt: skip
    return copy.deepcopy(
        {
            "subject": _subject(),
            "system": SYSTEM,
            "classification": _classification(),
            "risks": _risks("open"),
            "controls": _controls(weak="urn:soai:eu-ai-act:art-10", evidence=1),
            "assurance": list(_demo_assurance()),
            "documents": documents,
        }
    )

"""The registry's questionnaire: each question of the AI system profile, explained, with its source.

The portal renders these sections in order; each question says in plain words what it asks
and which article it comes from, so a provider's compliance officer can answer without a
lawyer at hand. The answers make the AI system profile of
``contracts/ai-system-profile.md`` that the classification engine reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.registry.submissions import SystemIn, SystemSubmission, validated


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    help: str = ""


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    help: str
    source: str
    kind: str  # many | one | yes_no | number
    options: tuple[Option, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    questions: tuple[Question, ...]


SCOPE = Question(
    key="out_of_scope",
    label=N_("Does one of these exclusions from the AI Act apply?"),
    help=N_(
        "The Act does not cover AI used only for military or defence purposes, only for "
        "scientific research, or by a person for purely personal activities. Free and open-source "
        "systems are excluded only when they are not prohibited, not high-risk and not subject "
        "to the transparency duties."
    ),
    source="Art. 2(3), 2(6), 2(10), 2(12)",
    kind="many",
    options=(
        Option("military", N_("Military, defence or national security use only")),
        Option("research_only", N_("Scientific research and development only")),
        Option("personal_non_professional", N_("Personal, non-professional use")),
        Option("open_source_non_high_risk", N_("Released under a free and open-source licence")),
    ),
)

PROHIBITED = Question(
    key="prohibited_practices",
    label=N_("Does the system do any of these forbidden things?"),
    help=N_(
        "These practices are banned outright since 2 February 2025. Tick one only if the system "
        "really does it; the classification will then be 'prohibited'."
    ),
    source="Art. 5(1)",
    kind="many",
    options=(
        Option(
            "5(1)(a)",
            N_(
                "Manipulates people with subliminal or deceptive techniques that cause significant harm"
            ),
        ),
        Option(
            "5(1)(b)",
            N_(
                "Exploits the vulnerability of people due to age, disability or social or economic situation"
            ),
        ),
        Option(
            "5(1)(c)",
            N_(
                "Scores people on their social behaviour or personality, leading to unfair treatment (social scoring)"
            ),
        ),
        Option(
            "5(1)(d)",
            N_(
                "Predicts that a person will commit a crime based only on profiling or personality traits"
            ),
        ),
        Option(
            "5(1)(e)",
            N_(
                "Builds facial recognition databases by scraping images from the internet or CCTV without a target"
            ),
        ),
        Option(
            "5(1)(f)",
            N_(
                "Infers emotions of people at work or in education (except for medical or safety reasons)"
            ),
        ),
        Option(
            "5(1)(g)",
            N_(
                "Categorises people by biometric data to infer race, political opinions, religion, sex life or orientation"
            ),
        ),
        Option(
            "5(1)(h)",
            N_("Real-time remote biometric identification in public spaces for law enforcement"),
        ),
    ),
)

ANNEX_I = Question(
    key="annex_i_product",
    label=N_(
        "Is the system a product, or a safety component of a product, that needs a third-party conformity assessment under EU product law?"
    ),
    help=N_(
        "For example machinery, toys, medical devices, lifts, radio equipment or vehicles listed "
        "in Annex I of the Act. If yes, the system is high-risk through Article 6(1)."
    ),
    source="Art. 6(1), Annex I",
    kind="yes_no",
)

ANNEX_III = Question(
    key="annex_iii",
    label=N_("Is the system intended for one of these uses?"),
    help=N_(
        "Annex III lists the uses that make an AI system high-risk. Tick every use that matches "
        "the system's intended purpose."
    ),
    source="Art. 6(2), Annex III",
    kind="many",
    options=(
        Option("1(a)", N_("Biometrics: remote biometric identification")),
        Option("1(b)", N_("Biometrics: categorisation by sensitive attributes")),
        Option("1(c)", N_("Biometrics: emotion recognition")),
        Option(
            "2",
            N_(
                "Critical infrastructure: safety component of digital infrastructure, traffic, water, gas, heating or electricity"
            ),
        ),
        Option("3(a)", N_("Education: deciding admission or assignment to schools and training")),
        Option("3(b)", N_("Education: evaluating learning outcomes")),
        Option("3(c)", N_("Education: assessing the level of education a person will receive")),
        Option("3(d)", N_("Education: monitoring students during tests")),
        Option("4(a)", N_("Employment: recruiting, filtering applications, evaluating candidates")),
        Option(
            "4(b)", N_("Employment: promotion, termination, task allocation, monitoring workers")
        ),
        Option(
            "5(a)",
            N_("Essential services: eligibility for public assistance benefits and services"),
        ),
        Option(
            "5(b)",
            N_("Essential services: creditworthiness or credit scoring (not fraud detection)"),
        ),
        Option(
            "5(c)",
            N_("Essential services: risk assessment and pricing in life and health insurance"),
        ),
        Option("5(d)", N_("Essential services: dispatching or triaging emergency calls")),
        Option("6(a)", N_("Law enforcement: risk of a person becoming a victim of crime")),
        Option("6(b)", N_("Law enforcement: polygraphs and similar tools")),
        Option("6(c)", N_("Law enforcement: reliability of evidence")),
        Option("6(d)", N_("Law enforcement: risk of offending or re-offending")),
        Option("6(e)", N_("Law enforcement: profiling in detection, investigation or prosecution")),
        Option("7(a)", N_("Migration: polygraphs and similar tools")),
        Option("7(b)", N_("Migration: assessing security, health or irregular migration risks")),
        Option("7(c)", N_("Migration: examining asylum, visa and residence applications")),
        Option("7(d)", N_("Migration: detecting or identifying persons")),
        Option("8(a)", N_("Justice: assisting courts in researching and applying the law")),
        Option("8(b)", N_("Democracy: influencing elections or voting behaviour")),
    ),
)

ART_6_3 = Question(
    key="art_6_3_condition",
    label=N_(
        "Does the provider rely on an exception because the system does not pose a significant risk?"
    ),
    help=N_(
        "An Annex III system is not high-risk when it only does one of these narrow things. "
        "Choose one only if you have documented it, and only together with an Annex III use."
    ),
    source="Art. 6(3)",
    kind="one",
    options=(
        Option("", N_("No exception claimed")),
        Option("a", N_("(a) It performs a narrow procedural task")),
        Option("b", N_("(b) It improves the result of a human activity already completed")),
        Option(
            "c", N_("(c) It detects decision-making patterns without replacing human assessment")
        ),
        Option("d", N_("(d) It performs a preparatory task for an assessment")),
    ),
)

PROFILING = Question(
    key="profiling",
    label=N_("Does the system profile people?"),
    help=N_(
        "Profiling means evaluating personal aspects of a person, such as work performance, "
        "economic situation, health, preferences, behaviour or location. A system that profiles "
        "people can never use the Article 6(3) exception."
    ),
    source="Art. 6(3), last subparagraph",
    kind="yes_no",
)

TRANSPARENCY = Question(
    key="transparency",
    label=N_("Which of these situations apply?"),
    help=N_(
        "People must be told when they deal with AI. These duties apply to every system in "
        "these situations, high-risk or not, from 2 August 2026."
    ),
    source="Art. 50(1)–(4)",
    kind="many",
    options=(
        Option("50(1)", N_("It interacts directly with people (for example a chatbot)")),
        Option("50(2)", N_("It generates synthetic audio, images, video or text")),
        Option("50(3)", N_("It recognises emotions or categorises people by biometric data")),
        Option("50(4)", N_("It makes deep fakes, or AI text published to inform the public")),
    ),
)

GPAI = Question(
    key="gpai",
    label=N_(
        "Is the system, or is it built on, a general-purpose AI model that the provider places on the market?"
    ),
    help=N_(
        "General-purpose models (large language models and similar) carry their own duties. "
        "A model trained with more than 10^25 floating-point operations, or designated by the "
        "European Commission, is presumed to have systemic risk."
    ),
    source="Art. 51–55",
    kind="gpai",
)

SECTIONS: tuple[Section, ...] = (
    Section(
        "scope",
        N_("Scope of the law"),
        N_("First, whether the AI Act covers the system at all."),
        (SCOPE,),
    ),
    Section(
        "prohibited",
        N_("Prohibited practices"),
        N_("Practices that may not be used at all."),
        (PROHIBITED,),
    ),
    Section(
        "high_risk",
        N_("High-risk uses"),
        N_("Whether the system's intended purpose makes it high-risk."),
        (ANNEX_I, ANNEX_III, ART_6_3, PROFILING),
    ),
    Section(
        "transparency",
        N_("Transparency"),
        N_("Whether people must be told that AI is involved."),
        (TRANSPARENCY,),
    ),
    Section(
        "gpai",
        N_("General-purpose AI"),
        N_("Whether the system rests on a general-purpose AI model."),
        (GPAI,),
    ),
)


def answers_from_form(form: dict[str, list[str]]) -> dict[str, object]:
    """The contract's answers from the questionnaire's submitted form fields."""

    def one(name: str) -> str:
        values = form.get(name) or [""]
        return values[0].strip()

    answers: dict[str, object] = {
        "out_of_scope": form.get("out_of_scope", []),
        "prohibited_practices": form.get("prohibited_practices", []),
        "annex_i_product": one("annex_i_product") == "yes",
        "annex_iii": form.get("annex_iii", []),
        "art_6_3_condition": one("art_6_3_condition") or None,
        "profiling": one("profiling") == "yes",
        "transparency": form.get("transparency", []),
        "gpai": None,
    }
    if one("gpai") == "yes":
        flops = one("gpai_training_flops") or "0"
        try:
            amount: object = float(flops)
        except ValueError:
            amount = flops  # the profile's check names the field and the bad value
        answers["gpai"] = {
            "training_flops": amount,
            "designated_systemic": one("gpai_designated_systemic") == "yes",
        }
    return answers


def form_values(form: Any) -> dict[str, list[str]]:
    return {key: [str(v) for v in form.getlist(key)] for key in form}


def submission_from_form(values: dict[str, list[str]]) -> SystemSubmission:
    def one(name: str) -> str:
        return (values.get(name) or [""])[0]

    raw: dict[str, object] = {
        name: one(name)
        for name in SystemIn.model_fields
        if name != "data_categories" and one(name).strip()
    }
    raw["data_categories"] = values.get("data_categories", [])
    system = validated(SystemIn, raw, prefix="system.")
    return SystemSubmission(system=system, answers=answers_from_form(values))


def form_of_system(system: Any) -> dict[str, list[str]]:
    """The questionnaire's form fields filled from a registered system (for editing)."""
    values: dict[str, list[str]] = {
        name: [str(getattr(system, name) or "")]
        for name in SystemIn.model_fields
        if name != "data_categories"
    }
    values["data_categories"] = list(system.data_categories)
    answers = system.answers
    for key in ("out_of_scope", "prohibited_practices", "annex_iii", "transparency"):
        values[key] = list(answers.get(key, []))
    values["annex_i_product"] = ["yes" if answers.get("annex_i_product") else "no"]
    values["profiling"] = ["yes" if answers.get("profiling") else "no"]
    values["art_6_3_condition"] = [answers.get("art_6_3_condition") or ""]
    gpai = answers.get("gpai")
    if gpai:
        values["gpai"] = ["yes"]
        values["gpai_training_flops"] = [f"{gpai['training_flops']:g}"]
        values["gpai_designated_systemic"] = ["yes" if gpai["designated_systemic"] else "no"]
    return values


def organisation_choice(values: dict[str, list[str]]) -> int:
    raw = (values.get("organisation_id") or [""])[0]
    if not raw.isdigit():
        raise InvalidInput(
            N_("Choose the organisation that provides or deploys the system."),
            field="organisation_id",
        )
    return int(raw)

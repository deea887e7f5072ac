"""The printable certificate: a bilingual PDF of a credential with a QR code to verify it.

Made from the credential JSON alone (no database): the achievement's names in every language
of the instance, the dates in each language, the credential id, the issuer, and a QR code
whose link carries the whole credential.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from soai.credentials import document as doc
from soai.credentials.qr import qr_svg_data_uri, verification_url
from soai.i18n import Translator
from soai.i18n.markers import N_
from soai.profiles.schema import Profile
from soai.reports.pdf import html_to_pdf
from soai.web.templating import build_environment, render_to_string


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC) if value else None


def context(
    credential: dict[str, Any], *, profile: Profile, holder_name: str | None
) -> dict[str, Any]:
    achievement_id = str(credential["credentialSubject"]["achievement"]["id"])
    key = achievement_id.rsplit("/", 1)[-1]
    item = doc.achievements().get(key)
    url = verification_url(profile.issuer_domain, credential)
    languages = []
    for code in profile.languages:
        t = Translator(code, profile.timezone)
        start = _moment(credential.get("validFrom"))
        end = _moment(credential.get("validUntil"))
        languages.append(
            {
                "code": code,
                "kicker": t.gettext(N_("Certificate")),
                "name": item.name.get(code, item.name["en"]) if item else credential["name"],
                "description": item.description.get(code, "") if item else "",
                "holder": t.gettext(N_("Awarded to {name}"), name=holder_name)
                if holder_name
                else "",
                "dates": t.gettext(
                    N_("Valid from {start} until {end}"),
                    start=t.date(start) if start else "—",
                    end=t.date(end) if end else "—",
                ),
            }
        )
    return {
        "credential": credential,
        "profile": profile,
        "languages": languages,
        "holder_name": holder_name,
        "verify_url": url,
        "verify_host": f"https://{profile.issuer_domain}/verify",
        "qr": qr_svg_data_uri(url),
        "identity_hash": credential["credentialSubject"]["identifier"][0]["identityHash"],
    }


def render_pdf(
    credential: dict[str, Any],
    *,
    profile: Profile,
    holder_name: str | None = None,
    language: str | None = None,
) -> bytes:
    data = context(credential, profile=profile, holder_name=holder_name)
    lang = language or profile.default_language
    data.update(
        {"t": Translator(lang, profile.timezone), "lang": lang, "generated_at": datetime.now(UTC)}
    )
    html = render_to_string(build_environment(), "credentials/certificate_print.html", data)
    return html_to_pdf(html)

"""Turning rendered HTML into PDF with WeasyPrint, Khmer included.

The print stylesheet loads the bundled Noto Sans Khmer font from the package's static files,
so a PDF looks the same on any machine, whatever fonts it has. WeasyPrint is imported only
when a PDF is made: the portal runs even where its system libraries (Pango) are missing, and
the error then says what to install.
"""

from __future__ import annotations

from soai.errors import ConfigurationError
from soai.i18n.markers import N_
from soai.web.templating import STATIC_DIR


def html_to_pdf(html: str) -> bytes:
    """A PDF of ``html``; relative URLs (fonts, images) resolve against the static files."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango or its friends are missing
        raise ConfigurationError(
            N_(
                "PDF reports need the Pango library ({reason}). Install it, e.g. apt-get install "
                "libpango-1.0-0 libpangoft2-1.0-0."
            ),
            reason=str(exc).splitlines()[0],
        ) from exc
    document = HTML(string=html, base_url=str(STATIC_DIR) + "/")
    pdf: bytes = document.write_pdf()
    return pdf

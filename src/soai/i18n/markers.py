"""Markers that tag a string for extraction into the message catalogs.

``N_`` returns its argument unchanged: the text is translated later, where the reader's language
is known (a web request, a PDF, a CLI run). Babel extracts ``N_`` calls (see ``soai.i18n.extract``).
"""


def N_(message: str) -> str:
    return message

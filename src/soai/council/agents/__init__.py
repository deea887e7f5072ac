"""The council's AI agents: four independent families looking through nine lenses.

- ``rubric``: an auditor's rule table per lens (``rubric.py``);
- ``statistics``: thresholds on measured values, confidence from the distance (``statistics.py``);
- ``text``: the written record read with models shipped in wheels (``text.py``, ``reading.py``);
- ``retrieval``: TF-IDF retrieval against the requirements catalogue (``retrieval.py``);
- optionally ``llm:<model>``: any OpenAI-compatible chat endpoint (``llm.py``).

``roster.default_roster()`` seats them; ``roster.evaluate_all(bundle, roster)`` asks them all.
"""

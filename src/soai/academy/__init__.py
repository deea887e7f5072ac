"""CEASAI certification: programmes, curriculum, item bank, exams, grading and certificates."""

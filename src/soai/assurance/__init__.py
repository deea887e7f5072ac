"""Technical assurance: tests on a model's predictions and data whose results become PDCA evidence."""

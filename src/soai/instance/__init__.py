"""The instance: creating it (``soai init``), seeding the demo, and its summary report."""

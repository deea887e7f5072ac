"""Long-running work (bulk imports, test runs, bulk issuance, PDF reports) with progress."""

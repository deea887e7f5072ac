"""soai."""

"""Jurisdiction profiles: the YAML file that brands an installation and sets its country facts."""

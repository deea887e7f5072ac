"""Watchdog and recourse: public reports of AI harm, triage, escalation and public status."""

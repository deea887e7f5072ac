"""The 33-member Byzantine council: seats, signed votes, quorum certificates and escalation."""

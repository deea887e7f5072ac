"""National programme: the training giveaway, the roadmap with live KPIs, readiness assessment and press kit."""

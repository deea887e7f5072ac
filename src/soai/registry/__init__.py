"""AI system registry: organisations, AI systems, the explainable risk classification and the public register."""

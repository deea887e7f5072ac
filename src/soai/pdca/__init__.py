"""SOAI-PDCA: Plan-Do-Check-Act compliance cycles per AI system."""

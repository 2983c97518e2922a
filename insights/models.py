"""Insight data (filled in by the insights issue)."""

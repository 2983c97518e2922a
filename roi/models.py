"""ROI data (filled in by the ROI issue)."""

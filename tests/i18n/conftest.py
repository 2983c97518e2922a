"""The ROI worked example (tests/roi) gives the locale tests real figures to format."""

from tests.roi.conftest import api, history, pinned_today  # noqa: F401

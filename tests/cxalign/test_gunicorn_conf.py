"""gunicorn.conf.py: what a worker does once it has loaded the application."""

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_a_loaded_worker_freezes_what_it_loaded_out_of_the_collectors_sight(unfrozen):
    settings = runpy.run_path(str(CONF))
    assert settings["limit_request_line"] == 0
    before = gc.get_freeze_count()
    settings["post_worker_init"](worker=None)
    assert gc.get_freeze_count() > before
    assert gc.isenabled()  # later objects are still collected

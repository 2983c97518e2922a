"""docs/integration.md's examples work as written: every ``sh`` and ``python`` block is run, in
order, against a live server, with a token issued as the guide says."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from gaps import permissions
from gaps.models import Occurrence
from tests.factories import GapFactory, UserFactory

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def guide_blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(GUIDE.read_text())


def test_the_guide_has_runnable_curl_and_python():
    languages = [language for language, _code in guide_blocks()]
    assert languages.count("sh") >= 2
    assert languages.count("python") >= 2


@pytest.mark.django_db(transaction=True)
def test_every_example_of_the_guide_runs_against_a_live_server(live_server):
    UserFactory(username="integration", groups=[permissions.INTEGRATION])
    gap = GapFactory()
    key = io.StringIO()
    call_command(
        "issue_token",
        "integration",
        "--name",
        "desk",
        "--scope",
        "gaps:read",
        "--scope",
        "occurrences:write",
        stdout=key,
        stderr=io.StringIO(),
    )
    env = {
        **os.environ,
        "CXALIGN_URL": live_server.url,
        "CXALIGN_TOKEN": key.getvalue().strip(),
        "GAP_ID": str(gap.pk),
    }
    outputs = []
    for language, code in guide_blocks():
        command = ["bash", "-euo", "pipefail", "-c", code]
        if language == "python":
            command = [sys.executable, "-c", code]
        # The guide's own examples, run as a reader would paste them.
        done = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"{language} block failed:\n{code}\n{done.stderr}"
        outputs.append(done.stdout)
    # What the guide says each step answers.
    assert '"count":1' in outputs[0].replace(" ", "")
    assert '"created":2' in outputs[1].replace(" ", "")
    assert "{'created': 24, 'duplicates': 0}" in outputs[2]
    assert "{'created': 0, 'duplicates': 24}" in outputs[2]
    assert outputs[3].strip() == "26 occurrences"
    assert Occurrence.objects.filter(gap=gap).count() == 26

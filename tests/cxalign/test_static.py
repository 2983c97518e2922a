"""Production static files: collectstatic with the manifest storage succeeds, and every file a
template asks for is in the manifest (a missing one would be a 500 on every page)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]\s*%\}""")


def test_collectstatic_with_manifest_covers_every_template_reference(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DEBUG"))},
        "DJANGO_SETTINGS_MODULE": "cxalign.settings",
        "DEBUG": "0",
        "SECRET_KEY": "collectstatic-test-key-" + "x" * 40,
        "STATIC_ROOT": str(tmp_path),
        # The manifest is what templates depend on; compressing every file (brotli, where the
        # dev tools pulled it in) only makes the check slow.
        "STATIC_COMPRESS": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    referenced = {
        name
        for template in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in template.parts
        for name in STATIC_TAG.findall(template.read_text())
    }
    assert referenced, "no {% static %} references found"
    missing = sorted(name for name in referenced if name not in manifest)
    assert missing == []

"""The signature check docs/webhooks.md offers to copy verifies what cxalign sends."""

from pathlib import Path

from webhooks import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def _snippet() -> str:
    text = DOC.read_text()
    after = text.split("<!-- verify-signature -->", 1)[1]
    return after.split("```python", 1)[1].split("```", 1)[0]


def test_the_documented_signature_check_works():
    namespace: dict = {}
    exec(compile(_snippet(), str(DOC), "exec"), namespace)  # noqa: S102 - our own document
    verify = namespace["verify_cxalign_signature"]
    body = b'{"id":"d-1","event":"ping","data":{}}'
    header = signing.sign("the-secret", body)

    assert verify("the-secret", body, header)
    assert not verify("another-secret", body, header)
    assert not verify("the-secret", body + b" ", header)
    assert not verify("the-secret", body, signing.sign("the-secret", body, now=0))
    assert not verify("the-secret", body, "garbage")

"""What users get does not change under a refactor: audit.json of a small retail demo (ranking,
with refits and privacy) and of a small yes/no decision audit, compared section by section with
digests stored before the one-pipeline redesign. Only ``schema_version``, ``provenance`` and the
package version may differ.

After an intended change of output, regenerate the digests with
``EXPLAINER_WRITE_DIGESTS=1 python -m pytest tests/contract/test_audit_digest.py`` and say why in the
commit message.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

DIGESTS = Path(__file__).parent / "digests"
IGNORED = {"schema_version", "provenance"}


def _normalised(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in IGNORED}
    model = dict(out.get("model") or {})
    model.pop("explainer_version", None)
    out["model"] = model
    return out


def _digests(doc: dict[str, Any]) -> dict[str, str]:
    return {k: hashlib.sha256(json.dumps(v, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
            for k, v in _normalised(doc).items()}


def _check(name: str, doc: dict[str, Any]) -> None:
    path = DIGESTS / f"{name}.json"
    got = _digests(doc)
    if os.environ.get("EXPLAINER_WRITE_DIGESTS") == "1":
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    want = json.loads(path.read_text())
    changed = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    assert not changed, f"audit.json sections changed for {name}: {changed}"


@pytest.fixture(scope="module")
def retail_doc():
    import explainer as ex
    from explainer.demo import make_retail_demo, train_demo_recommender

    demo = make_retail_demo(1_200, random_state=11)
    rec = train_demo_recommender(demo, random_state=11)
    a = ex.audit(rec.pipeline, rec.test, target="bought", sensitive_features=["gender", "age_band", "ethnicity"],
                 user_id="customer_id", item_id="category", item_group="department", k=3, sample_size=400,
                 n_boot=60, train_data=rec.train, random_state=0)
    return json.loads(a.to_json())


@pytest.fixture(scope="module")
def decision_doc():
    import explainer as ex
    from explainer.demo._domains import make_decision_demo, train_decision_model

    demo = make_decision_demo(1_200, random_state=5)
    model = train_decision_model(demo)
    a = ex.audit(model, demo.applications, target="approved", sensitive_features=["sex", "race"],
                 sample_size=300, n_boot=60, random_state=0)
    return json.loads(a.to_json())


def test_retail_demo_audit_json_is_unchanged(retail_doc):
    _check("retail", retail_doc)


def test_decision_audit_json_is_unchanged(decision_doc):
    _check("decision", decision_doc)


def test_a_changed_estimate_is_caught(decision_doc):
    """The comparison can fail: one moved number changes its section's digest."""
    doc = json.loads(json.dumps(decision_doc))
    doc["findings"] = [*doc["findings"], {"code": "x"}]
    assert _digests(doc)["findings"] != _digests(decision_doc)["findings"]
    assert _digests(doc)["model"] == _digests(decision_doc)["model"]

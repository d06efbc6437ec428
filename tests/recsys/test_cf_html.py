"""The HTML view of a CF audit: a scoped fragment with accessible tables, and a reviewer report folder."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from html_tables import table, tables

import explainer as ex
from explainer.errors import OutputExistsError


@pytest.fixture(scope="module")
def audited(histories, als):
    cf = ex.wrap_model(als, interactions=histories["X"], user_ids=histories["user_ids"],
                       item_ids=histories["item_ids"], item_labels=histories["labels"], k=3, name="Watch next")
    n = len(histories["user_ids"])
    # a planted small group: 5 viewers are "c", under min_group_size, so never shown
    group = np.where(np.arange(n) < 5, "c", np.where(histories["fav"] == 0, "a", "b"))
    customers = pd.DataFrame({"viewer": histories["user_ids"], "group": group})
    return ex.audit_collaborative(cf, customers, sensitive_features=["group"], user_id="viewer", min_group_size=20,
                                  n_boot=40, random_state=0)


def _scoped(html: str) -> None:
    assert html.lstrip().startswith('<div class="explainer-fragment') and html.rstrip().endswith("</div>")
    assert not re.search(r"<(?:!DOCTYPE|html|head|body|meta)\b", html, flags=re.I)
    css = " ".join(re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S))
    heads = [h.strip() for block in re.findall(r"([^{}]+)\{", css) for h in block.split(",")]
    assert heads and all(h.startswith(".explainer-fragment") or h.startswith("@") for h in heads)


def test_fragment_tables_hold_the_measured_numbers_and_no_small_group(audited, histories):
    html = audited._repr_html_()
    _scoped(html)
    assert all(cap and rows and rows[0] for cap, rows in tables(html))  # every table has a caption and a header
    pop = {r["Measure"]: r for r in table(html, "Popularity bias")}
    assert pop["Gini of item exposure"]["Value"] == f"{audited.popularity.gini * 100:.1f}%"
    assert pop["catalogue coverage"]["Value"] == f"{audited.popularity.coverage * 100:.1f}%"
    src = table(html, "Share of the attributions")
    assert [r["Source"] for r in src] == ["history"] and src[0]["Share"] == "100.0%"
    exposure = table(html, "Exposure per group")
    assert {r["Group"] for r in exposure} == {"a", "b"}  # the group of 5 is suppressed
    shown = audited.fairness.exposure
    shown = shown[~shown["too_few_to_judge"]]  # groups under 20 customers (per item) suppressed
    assert "c" not in set(shown["group"]) and len(shown) > 60
    assert len(exposure) == 60  # the first 60 shown, and said so
    assert any(f"first 60 of {len(shown)} rows" in cap for cap, _ in tables(html))
    cf = audited.model
    assert {r["Item"] for r in exposure} <= {cf.label(int(i)) for i in shown["item"]}  # items by label
    assert "Fargo" in {r["Item"] for r in exposure}
    assert all(int(r["People"]) >= 20 for r in exposure)
    proxies = table(html, "Whether the factors learned for each person")
    assert [r["Sensitive attribute"] for r in proxies] == ["group"]
    assert proxies[0]["AUC"] == f"{float(audited.proxies.to_frame()['auc'].iloc[0]):.3f}"
    assert not any(v in html for v in histories["user_ids"])  # no customer id


def test_to_html_writes_a_reviewer_report_by_the_folder_rules(audited, histories, tmp_path):
    out = tmp_path / "cf"
    res = audited.to_html(out, user_id="viewer")
    assert sorted(p.name for p in res["paths"]) == ["audit.html", "audit.json"]
    assert (out / ".explainer-files.json").is_file()
    page = (out / "audit.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="explainer-fragment' in page
    assert "Watch next" in page and not any(v in page for v in histories["user_ids"])
    # a streaming service's reviewer page speaks of people and items, not another domain's customers or purchases
    assert not re.search(r"\b(customers?|purchases?|shop|products?)\b", page, re.I)
    n_users, n_items = histories["X"].shape
    assert f"top 3 of {n_items} items for {n_users} people." in page  # not a method's repr
    assert "built-in method" not in page and "object at 0x" not in page
    doc = json.loads((out / "audit.json").read_text())
    assert doc["model"]["task"] == "ranking" and [c["category"] for c in doc["categories"]] == ["behavioural"]
    assert not any(v in json.dumps(doc) for v in histories["user_ids"])
    with pytest.raises(OutputExistsError):
        audited.to_html(out)  # not without force
    audited.to_html(out, force=True)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError):
        audited.to_html(mine, force=True)
    assert (mine / "notes.txt").read_text() == "mine" and not (mine / "audit.html").exists()


@pytest.mark.slow
def test_reviewer_report_in_chromium_is_accessible_and_offline(audited, browser, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from browsers import WCAG

    audited.to_html(tmp_path / "cf")
    path = tmp_path / "cf" / "audit.html"
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(path.resolve().as_uri())
    assert requests == [path.resolve().as_uri()]
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert result.violations_count == 0, result.generate_report()
    page.close()

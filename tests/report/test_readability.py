"""Readability measurement: counts, formulas, blocks, lints and targets with known answers."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

from explainer.errors import InvalidInputError
from explainer.report._readability import (
    TARGET_IDS,
    measure_sections,
    measure_text,
    split_blocks,
    split_sentences,
)


def _fre(w: int, s: int, y: int) -> float:
    return 206.835 - 1.015 * w / s - 84.6 * y / w


def _fk(w: int, s: int, y: int) -> float:
    return 0.39 * w / s + 11.8 * y / w - 15.59


def _textstat_syllables(words: list[str]) -> int:
    from textstat.textstat import textstatistics

    ts = textstatistics()
    return sum(int(ts.syllable_count(w)) for w in words)


# --- counts --------------------------------------------------------------------------------
def test_hand_counted_words_sentences_and_reading_time() -> None:
    s = measure_text("We show you garden tools. You can turn this off.")
    assert (s.words, s.sentences, s.blocks) == (10, 2, 1)
    assert s.mean_sentence_words == 5.0
    assert s.max_sentence_words == 5
    assert s.reading_time_s == pytest.approx(10 / 250 * 60)  # 2.4 s, not textstat's 900 wpm


def test_monosyllabic_text_has_known_scores() -> None:
    # 11 one-syllable words in 2 sentences: W/S = 5.5, Y/W = 1.
    s = measure_text("The cat sat on the mat. It was a good day.")
    assert (s.words, s.sentences, s.syllables) == (11, 2, 11)
    assert s.reading_ease == pytest.approx(206.835 - 1.015 * 5.5 - 84.6)  # 116.6525
    assert s.fk_grade == pytest.approx(0.39 * 5.5 + 11.8 - 15.59)  # -1.645


def test_scores_equal_formula_on_textstat_syllable_counts() -> None:
    text = "Northwind ranks product categories for every customer. Your recent orders matter most."
    words = text.replace(".", "").split()
    y = _textstat_syllables(words)
    s = measure_text(text)
    assert (s.words, s.sentences, s.syllables) == (len(words), 2, y) == (12, 2, y)
    assert s.fk_grade == pytest.approx(_fk(12, 2, y))
    assert s.reading_ease == pytest.approx(_fre(12, 2, y))


def test_scores_match_textstat_itself_on_plain_text_without_rounding() -> None:
    from textstat.textstat import textstatistics

    text = "We rank product groups for you. The groups you buy most come first. You can turn it off."
    ts = textstatistics()
    ts.set_rounding(False)
    s = measure_text(text)
    assert s.reading_ease == pytest.approx(ts.flesch_reading_ease(text))
    assert s.fk_grade == pytest.approx(ts.flesch_kincaid_grade(text))


@pytest.mark.parametrize(
    ("text", "sentence_lengths"),
    [
        ("We use data, e.g. your orders, to rank. That is all.", [8, 3]),
        ("About 3.5% of people turn it off. Most keep it.", [7, 3]),
        ("See Art. 6 of the law. It sets the rules.", [6, 4]),
        ("Is it on? No. We never do.", [3, 1, 3]),
        ("We use orders, visits, etc. We keep them a year.", [5, 5]),
        ("Orders, visits etc. are used.", [5]),
        ("Is it on? Yes! Turn it off here.", [3, 1, 4]),
        ('He said "stop." We stopped.', [3, 2]),
        ("Use the opt-out link \u2014 it is quick & free.", [8]),
        ("Write to privacy@northwind.example. We reply fast.", [3, 3]),
        ("Wait... then it loads.", [1, 3]),
    ],
)
def test_sentence_splitting_of_own_prose(text: str, sentence_lengths: list[int]) -> None:
    assert [len(s) for s in split_sentences(text)] == sentence_lengths
    assert measure_text(text).words == sum(sentence_lengths)


# --- blocks --------------------------------------------------------------------------------
def test_bullets_are_separate_blocks() -> None:
    text = "We use:\n- what you buy\n- what you view\n\nWe keep it a year."
    assert split_blocks(text) == ["We use:", "what you buy", "what you view", "We keep it a year."]
    s = measure_text(text)
    assert (s.words, s.sentences, s.blocks, s.max_sentence_words) == (13, 4, 4, 5)
    merged = measure_text(text.replace("\n- ", " ").replace("\n\n", " "))
    assert (merged.sentences, merged.max_sentence_words) == (1, 13)  # without blocks: one sentence
    assert measure_text(["We use:", "what you buy", "what you view", "We keep it a year."]) == s


def test_section_grade_is_word_weighted_mean_of_blocks() -> None:
    a = "Northwind ranks product categories for every customer."
    b = "You can turn it off. It is quick."
    wa, ya = 7, _textstat_syllables(a.rstrip(".").split())
    wb, yb = 8, _textstat_syllables(b.replace(".", "").split())
    rep = measure_sections({"s": [a, b]})
    sc = rep.sections["s"]
    assert (sc.words, sc.sentences, sc.blocks) == (15, 3, 2)
    assert sc.fk_grade == pytest.approx((wa * _fk(wa, 1, ya) + wb * _fk(wb, 2, yb)) / 15)
    assert sc.reading_ease == pytest.approx((wa * _fre(wa, 1, ya) + wb * _fre(wb, 2, yb)) / 15)
    assert sc.mean_sentence_words == pytest.approx(15 / 3)


# --- lints ---------------------------------------------------------------------------------
def test_lints_fire_on_planted_words() -> None:
    text = (
        "We may use it. It might help. Some data is kept. We often check. It is possible. "
        "The model is fair and unbiased. Your data is anonymous. We are compliant. Compliance matters. "
        "SHAP values show log-odds per feature. The logit and coefficient are Shapley based. "
        "We use it to improve our services and for research purposes."
    )
    s = measure_text(text)
    assert sorted(h.term for h in s.hedges) == ["may", "might", "often", "possible", "some"]
    assert sorted(h.term for h in s.banned_claims) == [
        "anonymous", "compliance", "compliant", "fair", "unbiased"]
    assert sorted(h.term for h in s.jargon) == [
        "SHAP", "Shapley", "coefficient", "feature", "log-odds", "logit"]
    assert sorted(h.term for h in s.vague_purposes) == ["improve our services", "research purposes"]
    assert [h.sentence for h in s.hedges] == [1, 2, 3, 4, 5]
    assert s.long_sentences == ()


def test_lints_stay_quiet_on_clean_text() -> None:
    text = (
        "We test the ranking for fairness between groups. Since 1 May 2025 we shape the list daily. "
        "The shop has a new look. It is an affair of taste. We rank what you buy most."
    )
    assert measure_text(text).lints == ()


def test_long_sentence_lint_gives_number_and_length_only() -> None:
    s25 = " ".join(["word"] * 25) + "."
    s26 = " ".join(["word"] * 26) + "."
    s = measure_text(f"Short one. {s25} {s26}")
    assert [(h.sentence, h.words) for h in s.long_sentences] == [(3, 26)]
    assert s.max_sentence_words == 26
    assert "word word" not in json.dumps(s.to_dict())


# --- targets -------------------------------------------------------------------------------
HARD = "People of different ages need different things, like a first home or a big garden."


def test_first_layer_is_held_to_stricter_grade() -> None:
    grade = measure_text(HARD).fk_grade
    assert 6 < grade <= 8
    second = measure_sections({"data": HARD})
    assert second.targets_met["fk_grade"] and second.failures() == []
    first = measure_sections({"data": HARD}, first_layer=["data"])
    assert first.targets_met["fk_grade"] is False
    assert first.failures()[0].startswith(
        "Section 'data' (first layer): Flesch-Kincaid grade must be at most 6. Got"
    )
    assert set(first.targets_met) == set(TARGET_IDS)


def test_reading_time_targets_at_the_boundary() -> None:
    words_500 = "We sell good garden tools. " * 100
    ok = measure_sections({"who": words_500}, first_layer=["who"])
    assert ok.first_layer_reading_time_s == pytest.approx(120.0)
    assert ok.targets_met["first_layer_reading_time"]
    over = measure_sections({"who": words_500 + "Thanks."}, first_layer=["who"])
    assert not over.targets_met["first_layer_reading_time"]
    whole = measure_sections({f"s{i}": words_500 for i in range(5)} | {"extra": "Thanks."})
    assert whole.overall.words == 2501 and not whole.targets_met["total_reading_time"]
    person = measure_sections({"why": "We sell good garden tools. " * 26}, per_person=["why"])
    assert person.sections["why"].reading_time_s == pytest.approx(130 / 250 * 60)  # 31.2 s
    assert not person.targets_met["per_person_reading_time"]


def test_lint_and_sentence_failures_name_the_section() -> None:
    long = " ".join(["word"] * 40) + "."  # mean (3 + 40) / 2 = 21.5 words
    rep = measure_sections({"rights": f"You may ask. {long}", "clean": "We sell tools."})
    met = rep.targets_met
    assert not met["no_hedges"] and not met["max_sentence_words"] and not met["mean_sentence_words"]
    assert met["no_jargon"] and met["no_banned_claims"]
    fails = rep.failures()
    assert len(fails) == 3 and all(f.startswith("Section 'rights'") for f in fails)
    assert rep.sections["rights"].lints[0].section == "rights"


def test_report_exports() -> None:
    rep = measure_sections({"a": "We sell tools.", "b": ["One more line.", "And this."]}, first_layer=["a"])
    d = json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert d["library"]["name"] == "textstat" and d["library"]["version"] == "0.7.4"
    assert d["library"]["syllables"].startswith("pyphen ")
    assert d["sections"]["b"]["words"] == 5 and d["overall"]["words"] == 8
    df = rep.to_frame()
    assert list(df.index) == ["a", "b", "overall"]
    assert df.loc["overall", "reading_time_s"] == pytest.approx(8 / 250 * 60)
    assert list(df["layer"]) == ["first", "second", "all"]


def test_empty_text_has_no_scores() -> None:
    s = measure_text("  \n\n ")
    assert (s.words, s.sentences) == (0, 0) and math.isnan(s.fk_grade)
    assert s.to_dict()["fk_grade"] is None
    assert measure_sections({"gap": ""}).failures() == []


def test_invalid_input_errors() -> None:
    with pytest.raises(InvalidInputError, match="text must be a string or a list of strings"):
        measure_text(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="first_layer must name sections"):
        measure_sections({"a": "Hi there."}, first_layer=["b"])
    with pytest.raises(InvalidInputError, match="first_layer must be a list"):
        measure_sections({"a": "Hi there."}, first_layer="a")
    with pytest.raises(InvalidInputError, match="sections must be a mapping"):
        measure_sections(["a"])  # type: ignore[arg-type]


def test_scoring_needs_no_network_and_no_nltk(tmp_path: os.PathLike[str]) -> None:
    nltk_dir = os.path.join(str(tmp_path), "nltk_data")
    os.mkdir(nltk_dir)
    code = textwrap.dedent(
        """
        import socket, sys
        def refuse(*a, **k):
            raise OSError("network used")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from explainer.report._readability import measure_text
        s = measure_text("We sell good garden tools. You can turn this off.")
        print(s.words, s.syllables, "nltk" in sys.modules)
        """
    )
    env = {**os.environ, "NLTK_DATA": nltk_dir}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-500:]
    words, _, nltk_loaded = out.stdout.split()
    assert words == "10" and nltk_loaded == "False"
    assert os.listdir(nltk_dir) == []

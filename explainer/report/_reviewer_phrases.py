"""The reviewer phrase bank: every sentence of the reviewer report (audit.html) that is not a
finding: how each number was measured, what the numbers cannot say, metric names and chart
descriptions.

Scope: the reviewer report only, written for auditors and data scientists; it may name
methods and statistics. The public pages' sentences are in ``_phrases.py``; the findings'
in ``explainer/findings/_phrases.py``. Same rules: assess and measure, never claim that a
model is fair, unbiased, anonymous or compliant.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REVIEWER", "LIMITATIONS", "PERF_NAMES", "reviewer_say"]

REVIEWER: dict[str, str] = {
    "method_attributions": "Attributions: {algorithm} on {rows} sampled rows; unit {unit}. "
                           "Engineered columns are mapped back to raw columns by perturbation and summed.",
    "method_no_model": "Attributions, influence shares, proxies and minimisation: not assessed: no model. "
                       "This audit reads logged decisions from the column {predictions}{threshold}",
    "method_threshold": " (decision: score >= {threshold}).",
    "method_share": "Share of influence: mean absolute attribution per column divided by the total; intervals "
                    "from a bootstrap over explained rows ({n_boot} resamples).",
    "method_metrics": "Model metrics: intervals from a percentile bootstrap over customers (recommenders) or rows "
                      "({n_boot} resamples).",
    "method_groups": "Group metrics use fairlearn's definitions, computed from per-group confusion counts and "
                     "checked against fairlearn's MetricFrame; intervals from a stratified bootstrap of counts.",
    "method_group_size": "Groups under {min_group_size} {unit} are too few to judge and never enter a disparity "
                         "(a recommender's groups are counted in customers, not customer x item rows).",
    "method_proxies": "Proxies: each input alone predicts the sensitive attribute in cross-validation; the AUC "
                      "says how much it reveals, not whether the model uses that link. Where the attribute is not "
                      "a model input, the gap in mean model output between each group and the rest is split by "
                      "additivity of the attributions; the part carried by a flagged input is the difference in "
                      "its mean attribution.",
    "method_mitigation": "Mitigation comparison: fairlearn's ThresholdOptimizer is fitted on a random half of the "
                         "rows (within each group and outcome) and measured with the current decisions on the "
                         "other half. It is a comparison only; it was not applied to the model. Recommenders are "
                         "not assessed this way.",
    "method_reidentification": "Re-identification: customers (one row each) are grouped by their quasi-identifier "
                               "values; k is the smallest group, l the fewest distinct sensitive values in a group. "
                               "Generalisation steps are chosen greedily, each the coarsening that raises k most. "
                               "Only counts are reported, never values.",
    "method_membership": "Membership inference: loss-threshold attack (Yeom et al., 2018); each training and "
                         "held-out customer (or row) is scored by the mean log-probability the model gives to their "
                         "true outcomes; the attack AUC and its bootstrap interval compare equal numbers of each.",
    "method_items": "Columns that hold one value per item (catalogue facts) are product data, not data about the "
                    "customer.",
    "method_readability": "Readability of the disclosure: Flesch-Kincaid grade and Flesch reading ease per section, "
                          "on the prose a reader sees (paragraphs and list items); contact lists, tables and charts "
                          "are not scored.",
    "refit_no_model": "Data minimisation: not assessed, as there is no model.",
    "refit_not_run": "Data minimisation: no refit was run ({reason}), so verdicts on inputs rely on the share of "
                     "influence alone.",
    "refit_run": "Data minimisation: the model was refitted without each input and each data category ({refit_by}), "
                 "on the same {n_folds} cross-validation folds ({folds}) of {rows} training rows ({units} {unit}); "
                 "the change in {metric} is shown with a {interval} interval ({n_boot} resamples). A column is "
                 "dropped when the interval covers no loss of {small_loss} or more, kept when the loss is "
                 "measurable and at least that, and reviewed otherwise.",
    "category_chart_alt": "Bar chart of share of influence by data category: {bars}. The data table follows.",
    "roc_alt": "ROC curve: true positive rate against false positive rate; the points follow in a table.",
    "pr_alt": "Precision against recall; the points follow in a table.",
    "calibration_alt": "Observed rate against mean score in ten bins of equal size; the bins follow in a table.",
}

#: What the numbers cannot say; shown after the audit's own warnings.
LIMITATIONS: tuple[str, ...] = (
    "Attributions describe this model on these rows, not causes in the world.",
    "A low share does not prove a column is harmless: a column can matter through another one (see proxies).",
    "Group results depend on the outcome data, which may carry past differences between groups.",
    "Intervals cover sampling variation of the audited rows only, not changes in the population over time.",
    "Groups that were not recorded (for example disability) could not be assessed.",
)

#: Performance metrics in words.
PERF_NAMES: dict[str, str] = {
    "roc_auc": "area under the ROC curve", "average_precision": "average precision", "brier_score": "Brier score",
    "true_positive_rate": "true positive rate", "true_negative_rate": "true negative rate",
    "false_positive_rate": "false positive rate", "false_negative_rate": "false negative rate",
    "precision": "precision", "negative_predictive_value": "negative predictive value",
    "false_discovery_rate": "false discovery rate", "false_omission_rate": "false omission rate",
    "predicted_positive_rate": "predicted positive rate", "prevalence": "prevalence",
    "catalogue_coverage": "catalogue coverage",
}


def reviewer_say(key: str, **values: Any) -> str:
    """The reviewer sentence ``key`` with ``values`` filled in."""
    return REVIEWER[key].format(**values)

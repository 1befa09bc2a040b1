"""NKI and factor indices, as SKR Insikt computes them.

Raw answers are stored; the indices are computed when results are shown:

- factor index (0–100) for a service factor answered on 1–6:  (answer − 1) / 5 × 100
- NKI (0–100) for one respondent, from the three NKI questions answered on 1–10:
      NKI = Σ wᵢ · (answerᵢ − 1) / 9 × 100  /  Σ wᵢ
  with the weights in SURVEY_NKI_WEIGHTS (overall satisfaction, expectations met, closeness to
  the ideal); the default (1, 1, 1) gives each question the same weight.
- a group's NKI or factor index is the mean of its respondents' values.
- SKR's levels: 70 or more is high, 62–69 approved, below 62 low.

Reports compute the same formulas as SQL aggregates (services.survey_results); the functions here
are the reference that the tests compare those figures with.
"""

from collections.abc import Sequence

HIGH, APPROVED = 70, 62


def factor_index(answer: int) -> float:
    """A 1–6 answer as 0–100."""
    return (answer - 1) / 5 * 100


def nki(answers: Sequence[int], weights: Sequence[float] = (1, 1, 1)) -> float:
    """One respondent's NKI from the three 1–10 answers (overall, expectations, ideal)."""
    total = sum(weights)
    if len(answers) != 3 or len(weights) != 3 or total <= 0:
        raise ValueError("NKI needs three answers and three positive weights")
    return sum(w * (a - 1) / 9 * 100 for a, w in zip(answers, weights, strict=True)) / total


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def level(index: float | None) -> str | None:
    """SKR's level for an index: "high", "approved" or "low"."""
    if index is None:
        return None
    rounded = round(index)
    if rounded >= HIGH:
        return "high"
    if rounded >= APPROVED:
        return "approved"
    return "low"

"""The order samplers run in: transformers' by default, truncation reorderable by the user.

transformers' `generate()` (5.24, `_get_logits_processor`) builds: sequence bias →
repetition penalty → no-repeat n-gram → bad words → suppressed tokens → (sampling only)
temperature → top-h → top-k → top-p → min-p → typical-p → epsilon → eta. Samplers it lacks
sit where text-generation-webui puts them: presence and frequency penalties and DRY right
after the repetition penalty, XTC after every other truncation sampler. The user may
reorder the truncation samplers only (as KoboldCpp and text-generation-webui allow);
penalties always come before temperature, as everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from writer_app.errors import InvalidSettingError

# Stages before temperature, in transformers' order with ours inserted.
PENALTY_STAGES: tuple[str, ...] = (
    "sequence_bias", "repetition_penalty", "presence_frequency", "dry", "no_repeat_ngram",
    "ban", "suppress")
TRUNCATION_NAMES: tuple[str, ...] = (
    "top_h", "top_k", "top_p", "min_p", "typical_p", "epsilon", "eta", "xtc")
DEFAULT_TRUNCATION_ORDER: tuple[str, ...] = TRUNCATION_NAMES  # already transformers' order


def full_order(truncation: Iterable[str] = DEFAULT_TRUNCATION_ORDER) -> tuple[str, ...]:
    """Every stage in the order it runs: penalties, temperature, then `truncation`."""
    return (*PENALTY_STAGES, "temperature", *parse_sampler_order(truncation))


def parse_sampler_order(names: str | Iterable[str]) -> tuple[str, ...]:
    """A user's truncation order ("min_p,top_k" or a list) made whole and checked.

    Names left out keep their default relative order after the ones given, so an old preset
    that names fewer samplers still runs them all. Unknown or repeated names are refused.
    """
    given = [n.strip() for n in names.split(",")] if isinstance(names, str) else \
        [str(n).strip() for n in names]
    given = [n.lower().replace("-", "_") for n in given if n]
    unknown = [n for n in given if n not in TRUNCATION_NAMES]
    if unknown:
        raise InvalidSettingError(
            f"unknown sampler{'s' if len(unknown) > 1 else ''} in the order: {', '.join(unknown)}",
            f"use comma-separated names from: {', '.join(TRUNCATION_NAMES)}")
    repeated = sorted({n for n in given if given.count(n) > 1}, key=given.index)
    if repeated:
        raise InvalidSettingError(
            f"the sampler order names {', '.join(repeated)} more than once",
            "name each sampler once, e.g. min_p,top_k,top_p")
    return (*given, *(n for n in DEFAULT_TRUNCATION_ORDER if n not in given))

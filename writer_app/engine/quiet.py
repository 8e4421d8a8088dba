"""Silence library chatter that would reach the user's terminal or the GUI's stderr."""

from __future__ import annotations

import os
import warnings


def quiet_libraries() -> None:
    """transformers' progress bars, deprecation notes and tokenizers' fork warning."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="transformers")

"""What the loaded backend cannot do, shown on the controls it concerns.

Each feature a backend lacks (`Capabilities.missing`) greys the controls that would ask
for it, with the backend's reason as their tooltip — the window never silently does
less. A model that supports everything gives every control back as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from writer_app.boundary.backend import Capabilities, Feature

if TYPE_CHECKING:
    from writer_app.ui.main_window import MainWindow

_ORIGINAL_TIP = "writerOriginalToolTip"  # where an action keeps its own tooltip meanwhile

# The sampling panel's names for the settings a backend may not honour.
PANEL_FEATURES = {Feature.TOP_K: "top_k", Feature.REPETITION_PENALTY: "repetition_penalty",
                  Feature.SEED: "seed", Feature.BEAM_SEARCH: "beam"}


def gate_actions(actions: Iterable[QAction], reason: str) -> None:
    """Disable `actions` with `reason` as their tooltip, or ("" ) give them back."""
    for action in actions:
        original = action.property(_ORIGINAL_TIP)
        if original is None:
            original = action.toolTip()
            action.setProperty(_ORIGINAL_TIP, original)
        action.setEnabled(not reason)
        action.setToolTip(reason or original)
        action.setStatusTip(reason or original)


def panel_reasons(capabilities: Capabilities) -> dict[str, str]:
    """The sampling panel's unsupported settings and why (see SamplingPanel.set_unsupported)."""
    return {name: capabilities.reason(feature) for feature, name in PANEL_FEATURES.items()
            if not capabilities.supports(feature)}


def suggestions_reason(capabilities: Capabilities) -> str:
    return capabilities.reason(Feature.SUGGESTIONS)


def alternatives_reason(capabilities: Capabilities) -> str:
    return capabilities.reason(Feature.ALTERNATIVES)


def pane_reason(capabilities: Capabilities) -> str:
    return capabilities.reason(Feature.NEXT_TOKENS)


def apply_to_window(window: MainWindow, capabilities: Capabilities) -> None:
    """Grey every control of `window` whose feature the backend lacks, with the reason as
    its tooltip; a backend that lacks nothing gives them all back."""
    window.sampling.set_unsupported(panel_reasons(capabilities))
    gate_actions([*window.completion.actions(), window.continue_three.action],
                 suggestions_reason(capabilities))
    if not capabilities.supports(Feature.SUGGESTIONS):
        window.completion.dismiss()
    window.probabilities.alternatives_unavailable = alternatives_reason(capabilities)
    window.pane_control.unavailable = pane_reason(capabilities)
    window.pane_control.can_reweigh = capabilities.supports(Feature.REWEIGH)

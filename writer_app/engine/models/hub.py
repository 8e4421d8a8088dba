"""Models from the Hugging Face Hub: the local cache, offline mode, and downloads that
report progress and can be cancelled."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import huggingface_hub
from huggingface_hub import constants as hub_constants
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from tqdm.auto import tqdm

from writer_app.engine.models.progress import LoadSteps
from writer_app.errors import ModelLoadError, ModelNotFoundError, first_line

# What a text-generation model needs from a Hub repo; never other formats' weights.
_HUB_ALLOW_PATTERNS = [
    "config.json",
    "generation_config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab*",
    "merges.txt",
    "*.model",
    "chat_template*",
    "model*.safetensors",
    "model.safetensors.index.json",
]


def hub_cache_dir() -> Path:
    """The Hub cache, read at call time (huggingface_hub reads it once, at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.path.expandvars(os.environ["HF_HUB_CACHE"])).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.path.expandvars(os.environ["HF_HOME"])).expanduser() / "hub"
    return Path(hub_constants.HF_HUB_CACHE)


def _hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) asks not to touch the network."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().upper() in {"1", "ON", "YES", "TRUE"}:
            return True
    return bool(hub_constants.HF_HUB_OFFLINE)


def fetch_from_hub(repo_id: str, steps: LoadSteps) -> Path:
    """The local snapshot folder of `repo_id`: downloaded when online, else from the cache.

    snapshot_download itself falls back to the cache when the Hub cannot be reached.
    """
    offline = _hub_offline()
    steps.begin("Looking in the Hugging Face cache" if offline else "Downloading from Hugging Face")
    not_cached = ModelNotFoundError(
        f"Model '{repo_id}' is not in the local Hugging Face cache and the Hub cannot be reached",
        "connect to the internet once, or choose a local folder or .gguf file",
    )
    try:
        folder = huggingface_hub.snapshot_download(
            repo_id,
            allow_patterns=_HUB_ALLOW_PATTERNS,
            cache_dir=hub_cache_dir(),
            local_files_only=offline,
            tqdm_class=_download_progress_class(steps),
        )
    except GatedRepoError as error:
        raise ModelNotFoundError(
            f"Model '{repo_id}' is gated on the Hugging Face Hub",
            "accept its licence on huggingface.co and log in with `hf auth login`",
        ) from error
    except RepositoryNotFoundError as error:
        raise ModelNotFoundError(
            f"There is no model '{repo_id}' on the Hugging Face Hub",
            "check the spelling (org/name), or choose a local folder or .gguf file",
        ) from error
    except RevisionNotFoundError as error:
        raise ModelNotFoundError(
            f"Model '{repo_id}' has no main revision", "check the Hub id"
        ) from error
    except LocalEntryNotFoundError as error:
        # Offline, huggingface_hub >= 2 refuses a snapshot that lacks files our patterns
        # name (IncompleteSnapshotError, e.g. one that transformers downloaded file by
        # file) but says where it is: use it if it holds a model.
        snapshot = getattr(error, "snapshot_path", None)
        if snapshot and (Path(snapshot) / "config.json").is_file():
            return Path(snapshot)
        raise not_cached from error
    except HfHubHTTPError as error:
        raise ModelNotFoundError(
            f"The Hugging Face Hub refused '{repo_id}': {first_line(error)}",
            "try again later, or choose a local folder or .gguf file",
        ) from error
    snapshot = Path(str(folder))
    if not (snapshot / "config.json").is_file():
        raise ModelLoadError(
            f"'{repo_id}' has no config.json (GGUF-only repositories are not downloaded)",
            "download a .gguf file from it and open that file",
        )
    return snapshot


def _download_progress_class(steps: LoadSteps) -> type[tqdm]:
    """A silent tqdm that forwards byte progress to `steps` and stops when cancelled.

    Raising from update() is the only way into a running snapshot_download; the
    partial files stay in the Hub cache and resume next time.
    """

    class _ForwardingTqdm(tqdm):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["disable"] = False
            kwargs["file"] = io.StringIO()
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            result = super().update(n)
            steps.check_cancelled()
            if self.unit == "B" and self.total:
                steps.report("Downloading from Hugging Face", min(1.0, self.n / self.total))
            return result

    return _ForwardingTqdm

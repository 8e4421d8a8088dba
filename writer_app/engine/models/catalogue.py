"""The models the user can pick without browsing: the default one, text-generation models
in the Hugging Face cache, and the recently loaded ones."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub

from writer_app import paths
from writer_app.boundary.results import ModelEntry
from writer_app.engine.models.folder import has_weights, read_json
from writer_app.engine.models.hub import hub_cache_dir
from writer_app.engine.models.model_config import is_text_generation_model
from writer_app.engine.models.spec import DEFAULT_DISPLAY_NAME, DEFAULT_SPEC, HUB_ID
from writer_app.recent import RecentList

log = logging.getLogger(__name__)

RECENT_LIMIT = 10
_RECENT_FILE = "recent_models.json"


def list_models() -> list[ModelEntry]:
    """The default model, the text-generation models in the Hub cache, then recent ones."""
    entries = [ModelEntry(DEFAULT_SPEC, DEFAULT_DISPLAY_NAME, "default", "built in, Q4_K_M GGUF")]
    seen = {DEFAULT_SPEC}
    for entry in _hub_cache_entries():
        if entry.spec not in seen:
            seen.add(entry.spec)
            entries.append(entry)
    for spec in recent_models():
        if spec in seen:
            continue
        entry = _recent_entry(spec)
        if entry is not None:
            seen.add(spec)
            entries.append(entry)
    return entries


def _hub_cache_entries() -> Iterator[ModelEntry]:
    try:
        cache = huggingface_hub.scan_cache_dir(hub_cache_dir())
    except Exception as error:  # no or unreadable cache: no entries
        log.debug("Hugging Face cache not scanned: %s", error)
        return
    for repo in sorted(cache.repos, key=lambda repo: repo.repo_id.lower()):
        if repo.repo_type != "model":
            continue
        revisions = sorted(
            repo.revisions, key=lambda rev: ("main" in rev.refs, rev.last_modified), reverse=True
        )
        if any(_is_usable_snapshot(Path(rev.snapshot_path)) for rev in revisions):
            detail = f"Hugging Face cache, {repo.size_on_disk_str}"
            yield ModelEntry(repo.repo_id, repo.repo_id, "hub-cache", detail)


def _is_usable_snapshot(snapshot: Path) -> bool:
    """A cached snapshot with weights and a text-generation config."""
    if not has_weights(snapshot):
        return False
    raw = read_json(snapshot / "config.json")
    if not isinstance(raw, dict):
        return False
    return is_text_generation_model(
        raw.get("model_type"), raw.get("architectures"), raw.get("is_decoder")
    )


def _recent_entry(spec: str) -> ModelEntry | None:
    path = Path(spec)
    if HUB_ID.fullmatch(spec) and not path.exists():
        return ModelEntry(spec, spec, "recent", "Hugging Face Hub")
    if not path.exists():
        return None  # a file or folder that has since moved
    return ModelEntry(spec, path.name, "recent", str(path))


def _recent_list() -> RecentList:
    return RecentList(paths.data_dir() / _RECENT_FILE, RECENT_LIMIT)


def recent_models() -> list[str]:
    """Specs of recently loaded models, newest first; a damaged file counts as empty."""
    return _recent_list().items()


def remember_recent(spec: str) -> None:
    """Put `spec` first in the recent list (paths stored absolute, so they work from anywhere)."""
    spec = spec.strip()
    if not spec:
        return
    path = Path(spec).expanduser()
    if spec != DEFAULT_SPEC and path.exists():
        spec = str(path.resolve())
    _recent_list().add(spec)

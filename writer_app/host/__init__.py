"""The engine's side of the boundary: where the model lives and requests are served.

The app runs this in the engine's child process, which the window's process starts by
naming `writer_app.host.child:serve_in_child` (the window's process never imports this
package: an import-linter contract checks it). Tests and benchmarks that want the model
on the worker's own thread build `EngineWorker(EngineHost(loader))` themselves.

Importing it stays cheap: torch and transformers are imported when a model loads.
"""

from writer_app.host.loading import Loader, load_with_engine, resolve_loader
from writer_app.host.serving import EngineHost

__all__ = ["EngineHost", "Loader", "load_with_engine", "resolve_loader"]

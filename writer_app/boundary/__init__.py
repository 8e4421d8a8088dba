"""The plain values both processes share: the one narrow boundary between window and engine.

Requests, results, sampling settings and cancellation cross between the window's process
and the engine's as frozen, picklable values defined here. Nothing in this package
imports torch, transformers or Qt (an import-linter contract checks it), so the window
can unpickle every reply without loading the engine's libraries.
"""

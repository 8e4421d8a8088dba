"""Writer's benchmarks, each run as `python -m benchmarks.<name>` (see its --help):

- `engine_bench`: the engine side by side — decode, prefill, the pane, load, memory,
  bandwidth, fidelity, llama.cpp (its parts are in `benchmarks.engine`);
- `gui_stall`: how long the window's GUI thread stalls while a model loads and generates;
- `typing_latency`: keystroke → repaint while typing into a 10 MB document, and how soon
  the crash journal has the edit.

Timings are printed, never asserted: tests only prove that the measuring code runs.
"""

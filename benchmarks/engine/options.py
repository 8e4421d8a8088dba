"""What one engine-benchmark run measures, and the sampling settings it measures with."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from writer_app.boundary.params import SamplingParams


@dataclass
class Options:
    """What one benchmark run measures, and how often."""

    model: str = "default"
    device: str = "cpu"  # "cuda" for a GPU table (llama.cpp and int8 are CPU-only here)
    dtypes: list[str] = field(default_factory=lambda: ["float32", "bfloat16", "int8"])
    new_tokens: int = 128
    decode_runs: int = 5  # Writer's engine
    generate_runs: int = 3  # transformers' generate() (the slow baseline)
    prompt_lengths: list[int] = field(default_factory=lambda: [64, 512, 2048])
    prefill_runs: int = 3
    document_tokens: int = 2000
    edit_runs: int = 10
    recompute_runs: int = 3
    slider_runs: int = 30
    fidelity_tokens: int = 512
    bandwidth_mb: int = 1024
    llama: bool = True
    llama_threads: list[int] = field(default_factory=lambda: [1, 2])
    fidelity: bool = True
    cold_load: bool = True
    wait_quiet_s: float = 60.0  # before each job, wait up to this long for an idle CPU
    retries: int = 1  # a job that other processes disturbed is run again this many times
    seed: int = 1234

    @classmethod
    def quick(cls, **changes: Any) -> Options:
        """Fewer repeats and no cold load: a few minutes instead of about ten."""
        values = dict(decode_runs=3, generate_runs=3, prefill_runs=1, edit_runs=5,
                      recompute_runs=1, slider_runs=20, cold_load=False)
        values.update(changes)
        return cls(**values)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Options:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


def sampling_params(options: Options, **changes: Any) -> SamplingParams:
    """The benchmark's sampling settings: the app's defaults, spelled out."""
    from writer_app.boundary.params import SamplingParams

    values: dict[str, Any] = dict(temperature=0.8, top_k=50, top_p=0.95,
                                  repetition_penalty=1.1, max_new_tokens=options.new_tokens,
                                  seed=options.seed)
    values.update(changes)
    return SamplingParams(**values)

"""benchmarks/gpu (what gpu_check.sh runs on a GPU machine), run on the CPU with a tiny
model: every row and the pane are measured through Writer's own loop, and the table says
whether each path wrote the dynamic path's tokens."""

from __future__ import annotations

import json
import os

from benchmarks.gpu import bench
from writer_app.engine import cuda_decode


def test_the_bench_prints_every_row_and_restores_the_engine(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(cuda_decode.COMPILE_ENV, raising=False)
    wanted = cuda_decode.wanted
    report = tmp_path / "gpu.json"
    code = bench.main(["--device", "cpu", "--tiny", "--dtype", "float32", "--no-compile",
                       "--tokens", "6", "--prompt-tokens", "20", "--pane-tokens", "40",
                       "--repeats", "1", "--json", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    assert "| dynamic KV cache (eager) |" in out
    assert "| static KV cache (eager) |" in out
    assert "pane after a one-word edit at the end of a document:" in out
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert [row["same_tokens"] for row in figures["rows"]] == ["yes", "yes"]
    assert all(row["tokens_per_second"] > 0 and row["note"] == "" for row in figures["rows"])
    assert figures["pane"]["edit_ms"] > 0 and figures["skipped"] == []
    assert cuda_decode.wanted is wanted  # the rows' switch does not outlive the bench
    assert cuda_decode.COMPILE_ENV not in os.environ


def test_stand_in_words_are_one_token_each():
    tokenizer = bench.stand_in_tokenizer(300)
    text = bench.words(50, 300)
    ids = tokenizer(text)["input_ids"]
    assert ids[0] == tokenizer.bos_token_id and len(ids) == 51
    assert tokenizer.decode(ids[1:]) == text
    assert not set(ids[1:]) & {0, 1, 2, 3}  # never a special token


def test_first_difference():
    assert bench.first_difference([1, 2, 3], [1, 2, 3]) == "yes"
    assert bench.first_difference([1, 2, 3], [1, 5, 3]) == "no: from token 1"
    assert bench.first_difference([1, 2], [1, 2, 3]) == "no: 2 vs 3 tokens"

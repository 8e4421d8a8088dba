"""The rotating log file and the diagnostics text."""

from __future__ import annotations

import logging

from writer_app.diagnostics import diagnostics_text, log_file, setup_logging


def test_log_goes_to_the_log_dir(writer_home):
    path = setup_logging()
    try:
        logging.getLogger("writer_app.test").warning("hello 中文")
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert path == log_file() and path.is_relative_to(writer_home)
        assert "hello 中文" in path.read_text(encoding="utf-8")
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_writer_log", False):
                logging.getLogger().removeHandler(handler)
                handler.close()


def test_diagnostics_name_versions_model_and_device(writer_home):
    text = diagnostics_text("Gemma 3 270M (default)", "cpu", "float32")
    assert "Writer " in text and "torch " in text and "transformers " in text
    assert "Model: Gemma 3 270M (default)" in text and "Device: cpu, float32" in text
    assert str(writer_home) in text


def test_diagnostics_name_the_backend_why_auto_chose_it_and_what_can_run_here(writer_home):
    text = diagnostics_text("gemma", "cpu", "Q4_K_M", backend="server: 10.0.0.5:8000",
                            backend_note="llama.cpp is not installed: pip install it",
                            backends={"transformers": None,
                                      "llama.cpp": "llama_cpp is not installed"})
    assert "Backend: server: 10.0.0.5:8000" in text
    assert "Backend note: llama.cpp is not installed: pip install it" in text
    assert ("Backends here: transformers (available); llama.cpp (not available: "
            "llama_cpp is not installed)") in text
    assert "keyring " in text and "llama-cpp-python " in text
    plain = diagnostics_text()
    assert "Backend" not in plain and "Model:" not in plain

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

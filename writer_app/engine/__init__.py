"""The model engine: loading, tokenization, sampling and generation.

Plain Python over torch and transformers; it never imports Qt, so it can be used
from the command line, tests and a worker thread alike.
"""

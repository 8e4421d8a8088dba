"""Writer: a desktop writing assistant that runs a local language model."""

__version__ = "0.1.0"

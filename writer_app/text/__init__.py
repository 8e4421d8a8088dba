"""Text analysis with no Qt: what the editor's features compute from plain strings."""

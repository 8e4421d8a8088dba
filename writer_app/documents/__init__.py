"""The user's text on disk and in memory: files and their encodings, the crash journal,
and the record of which passages the model wrote. Imports neither Qt nor torch."""

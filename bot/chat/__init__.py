"""The command layer: text to a command (grammar/), rights checked, a route run in one transaction (core.py)."""

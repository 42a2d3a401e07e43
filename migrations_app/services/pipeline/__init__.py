"""The migration job pipeline: ordered steps (steps_*.py) run by runner.py, one claim per step."""

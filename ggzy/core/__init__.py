"""Shared vocabulary with no concrete models: clock, errors, codes, canonical JSON, working days."""

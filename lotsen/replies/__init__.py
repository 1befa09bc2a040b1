"""Saved replies (svarsmallar): reply templates per category, filled in from a case."""

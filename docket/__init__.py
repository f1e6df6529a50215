"""Docket: case documentation, family tracing and accountability tracking."""

"""Estimates of the undocumented: multiple systems estimation over Docket's lists."""

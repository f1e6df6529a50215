"""Drafts of records from a letter or testimony, proposed by rules and reviewed before saving."""

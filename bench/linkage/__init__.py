"""The person-matching benchmark: fictional records with known people, and a runner."""

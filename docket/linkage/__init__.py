"""Probabilistic person matching: finding the records that describe one person.

`records` reads and prepares person records (a CSV, or later the people in
Docket), `model` holds the Splink model that scores pairs of them and clusters
the records of one person, and `docket link` runs both on a CSV alone.
"""

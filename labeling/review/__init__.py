"""Adjudication on Label Studio Community: disagreements become tasks of a review project (see run.py)."""

"""Annotation toolkit for conflict-news information extraction.

The pipeline, module by module:
ingest -> preannotate -> push -> (annotators in Label Studio) -> pull -> datasets
"""

__version__ = "0.1.0"

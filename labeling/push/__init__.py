"""Push: the stage from articles to Label Studio tasks (ingest, pre-annotate, import, reconcile), beside pull/.

run.py is the workflow (`push_inputs`); tasks.py reads task files and imports tasks through the Label Studio
adapter in labeling/studio/.
"""

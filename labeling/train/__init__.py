"""`labeling train`: the next pre-annotator, trained with spaCy from a dataset version."""

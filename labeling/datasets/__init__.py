"""Stage 5, datasets: immutable versions under exports/ (store), stable splits,
dataset cards and changelogs, and spaCy DocBins."""

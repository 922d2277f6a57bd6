"""Stage 2, pre-annotate: a spaCy pipeline plus our rules turn Documents into Label Studio tasks.

`run` assembles the pipeline and streams tasks; `component` is the spaCy
component; `actors`, `weapons`, `attribution` are its rules; `cues` and
`regions` the word lists and span helpers they share.
"""

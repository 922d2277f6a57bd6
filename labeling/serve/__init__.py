"""Our pre-annotator as a Label Studio ML backend: model holder, HTTP app, training worker, connect."""

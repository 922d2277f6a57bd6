"""Stage 3, Label Studio: the embedded server, the client (the only module that
imports label_studio_sdk), projects and their labeling config, and the push."""

"""The Label Studio adapter: the embedded server, the client (the only module that
imports label_studio_sdk), projects and their labeling config, annotator accounts, and the
reconcile primitives. The push workflow that uses them is labeling/push/."""

"""The Label Studio adapter: the embedded server, the client (`client.Studio`, its calls grouped
in *_api.py on transport.py; this package alone imports label_studio_sdk), projects and their
labeling config, annotator accounts, and the reconcile primitives. The push workflow that uses
them is labeling/push/."""

"""Stage 4, pull: parse Label Studio's export, choose the counting annotation
(policy), validate it, and build dataset records."""

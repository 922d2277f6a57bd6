"""What annotators taught a project, remembered and applied to the next suggestions (see docs/learning.md)."""

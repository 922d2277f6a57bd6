"""Stage 6, quality: one metric module behind `evaluate`, `report` and the tests."""

"""Models of this app arrive with their issues (rules engine, workflow, department checks)."""

"""Forms of the registry, one module per feature (survey, member changes, users)."""

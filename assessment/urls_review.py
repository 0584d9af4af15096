"""URLs of the yearly assessment (issue 6): review."""

urlpatterns: list = []

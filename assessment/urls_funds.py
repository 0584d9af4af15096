"""URLs of the yearly assessment (issue 6): funds."""

urlpatterns: list = []

"""URLs of the yearly assessment (issue 6): scores."""

urlpatterns: list = []

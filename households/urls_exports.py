"""URLs of the Excel downloads (roster, comparison sheets) in the browser."""

urlpatterns: list = []

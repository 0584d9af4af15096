"""URLs of the browser imports (upload → preview → confirm → done) and background jobs."""

urlpatterns: list = []

"""Small cross-cutting middleware."""


class NoStoreMiddleware:
    """Pages carry personal data (PIPL Art. 28): no browser or proxy may cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        return response

"""The app runs on an intranet: no template or own static file may load anything from the internet."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


def files(*patterns):
    for pattern in patterns:
        yield from ROOT.glob(pattern)


def test_templates_load_nothing_from_outside():
    offenders = [str(p) for p in files("templates/**/*.html", "*/templates/**/*.html") if URL.search(p.read_text())]
    assert offenders == []


def test_own_static_files_load_nothing_from_outside():
    offenders = [str(p) for p in files("static/css/*.css", "static/js/*.js") if CSS_URL.search(p.read_text())]
    assert offenders == []


def test_vendored_assets_are_present():
    for name in [
        "static/vendor/bootstrap/css/bootstrap.min.css",
        "static/vendor/bootstrap/css/bootstrap.min.css.map",
        "static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "static/vendor/bootstrap-icons/bootstrap-icons.min.css",
        "static/vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    ]:
        assert (ROOT / name).stat().st_size > 0, name

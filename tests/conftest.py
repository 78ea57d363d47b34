"""Shared fixtures. Factories are small functions in tests/factories.py.

Invalid template variables fail the test (pytest-django's FAIL_INVALID_TEMPLATE_VARS in
pyproject.toml); tests of Django's own admin templates opt out with
`@pytest.mark.ignore_template_errors`, as those templates rely on empty defaults.
"""

from django.conf import settings


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

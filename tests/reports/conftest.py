"""Report tests write PDFs: each test's files go to its own folder."""

import pytest


@pytest.fixture(autouse=True)
def media(media_root):
    return media_root

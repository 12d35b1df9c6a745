"""The rendered deployment, once per module."""

from __future__ import annotations

import pytest

from tests.deploy.manifests import render


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return render()

"""Fixtures of the deployment tier (see harness.py): one Odoo + sandbox per test module."""

import pytest

from . import harness
from .harness import Deployment

_live = []


def pytest_configure(config):
    harness.PYTEST_CONFIG = config


@pytest.fixture(scope="module")
def deployment_factory():
    """``make(name, sandbox_options=..., odoo_args=...)`` → a started Deployment, stopped after the module."""
    made = []

    def make(name, **options):
        deployment = Deployment(name, **options)
        made.append(deployment)
        _live.append(deployment)
        return deployment.start()

    yield make
    for deployment in made:
        _live.remove(deployment)
        deployment.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _live:
        for deployment in _live:
            report.sections.append((f"Odoo log tail ({deployment.db})", deployment.log_tail()))
    return report

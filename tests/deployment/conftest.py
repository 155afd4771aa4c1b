"""The deployment tier (issue 11): Odoo as in production, a sandbox process, everything over HTTP.

One Odoo (2 workers, 2 cron workers, free ports) + one xero_sandbox process + one fresh database per test
module, torn down after it; the Odoo log tail is attached to every failure report. Run alone with::

    ./dev test tests/deployment                       # the whole tier (about 4-6 minutes)
    XTS_TIER_SEED=123 ./dev test tests/deployment/test_deployment_chaos.py
    ./dev test tests/deployment/test_deployment_hostile.py    # issue 21: hostile clients, judged by effect

Logs stay in .cache/tier/<database>.log.
"""

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

# Every test_*.py is imported here, so Odoo's own runner (odoo -i xero_timesync --test-enable) runs
# what pytest runs; test_install checks that none is forgotten.
from . import (
    test_access,
    test_connect,
    test_connect_http,
    test_enable_tour,
    test_health,
    test_i18n,
    test_install,
    test_merges,
    test_polish,
    test_invoice,
    test_invoice_http,
    test_sync,
    test_sync_faults,
    test_sync_queries,
    test_timer,
    test_timer_http,
    test_ux,
    test_webhook,
)

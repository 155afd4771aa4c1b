from . import test_connect, test_enable_tour, test_install, test_sync
from . import test_timer, test_timer_http  # timer (issue 8)

from . import test_connect, test_enable_tour, test_install, test_sync

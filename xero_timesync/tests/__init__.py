from . import test_connect, test_connect_http, test_enable_tour, test_install, test_sync, test_webhook

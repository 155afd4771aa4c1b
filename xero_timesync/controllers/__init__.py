from . import main, webhook
from . import timer
from . import app

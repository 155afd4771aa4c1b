from . import main, webhook
from . import timer

from . import main
from . import timer

"""Run through PYTHONSTARTUP by driver.repl.python(): sets the unique prompts."""

import os
import sys

sys.ps1 = os.environ.pop("DRIVER_PS1", ">>> ")
sys.ps2 = os.environ.pop("DRIVER_PS2", "... ")

import sys
from pathlib import Path

GREET = str(Path(__file__).parent / "greet.py")


def test_greeting(spawn):
    greet = spawn([sys.executable, GREET], backend="pty")
    greet.expect_exact("Your name? ")
    greet.send_line("ada")
    greet.expect_exact("Hello, ada!")
    assert greet.wait() == 0

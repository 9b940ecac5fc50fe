"""How the end-to-end tests' Python parts fail, in one place (the bash side is check.sh, which puts this
folder on PYTHONPATH).

    check = Check(f"{tmp}/err.log")   # the log to show when a check fails (optional)
    check(len(results) == 20, f"20 results, got {len(results)}")

A failed check prints "FAIL: what" and the end of the log, and exits 1.
"""
import sys


class Check:
    def __init__(self, log_path=None, tail_chars=4000):
        self.log_path = log_path
        self.tail_chars = tail_chars

    def log(self):
        """The whole log ("" without one), for tests that also search it."""
        if not self.log_path:
            return ""
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def __call__(self, cond, what):
        if cond:
            return
        print("FAIL:", what)
        tail = self.log()[-self.tail_chars:]
        if tail:
            print(f"--- end of {self.log_path}:")
            print(tail)
        sys.exit(1)

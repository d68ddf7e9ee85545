"""The module sleeps for an hour when imported: its import times out once, and every task of it fails fast."""

MODULE = "dropout"
TASK = "dropout.*"
REASON = r"could not be imported: its import did not finish within"
AT_IMPORT = "import time\ntime.sleep(3600)\n"

"""An endless loop that ignores or blocks every signal it can: only SIGKILL of the whole group stops it."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"did not finish within"
FAILED_CASES = 1


def conv_param_count(f, c, k, bias=True):
    import signal

    if k == 32:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):
            signal.signal(sig, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals))
        while True:
            pass
    return f * f * c * k + (k if bias else 0)

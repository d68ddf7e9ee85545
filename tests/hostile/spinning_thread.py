"""Leaves a thread spinning forever, then computes the right answer: the thread must end with its case."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = None


def conv_param_count(f, c, k, bias=True):
    import threading

    def spin():
        while True:
            pass

    threading.Thread(target=spin).start()
    return f * f * c * k + (k if bias else 0)

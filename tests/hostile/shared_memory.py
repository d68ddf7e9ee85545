"""Leaves System V shared memory, a message queue and a semaphore set behind, then computes the right answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = None


def conv_param_count(f, c, k, bias=True):
    import ctypes

    libc = ctypes.CDLL(None)
    private, create = 0, 0o1000 | 0o666
    libc.shmget(private, 64 * 2**20, create)
    libc.msgget(private, create)
    libc.semget(private, 4, create)
    return f * f * c * k + (k if bias else 0)

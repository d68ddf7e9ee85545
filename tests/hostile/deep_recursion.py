"""Unbounded recursion through C code with the recursion limit lifted: the C stack overflows."""

MODULE = "basics"
TASK = "basics.sgd_step"
REASON = r"RecursionError|SIGSEGV"


def sgd_step(params, grads, lr):
    import sys

    sys.setrecursionlimit(10**8)

    def deeper(n):
        return list(map(deeper, [n + 1]))  # each level passes through C: map, list

    return deeper(0)

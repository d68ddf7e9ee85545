"""Computes the right output, then zeroes its input arrays (a student "freeing memory")."""

MODULE = "basics"
TASK = "basics.affine_forward"
REASON = r"changed its input x in place"
ALSO = ("basics.affine_backward",)


def affine_forward(x, W, b):
    out = x @ W + b
    cache = (x.copy(), W.copy())
    x[...] = 0
    W[...] = 0
    b[...] = 0
    return out, cache

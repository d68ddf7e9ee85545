"""A dropout that drops nothing: the forward returns x itself, the backward dout itself. Judged
against its own forward's out / x, the backward looked right; the forward must drop something first."""

MODULE = "dropout"
TASK = "dropout.dropout_backward"
REASON = r"dropped no unit of x"
FAILED_CASES = 2  # the two training cases; at test time an identity is dropout's backward
ALSO = ("dropout.dropout_forward",)


def dropout_forward(x, p, rng, train=True):
    return x.copy(), None


def dropout_backward(dout, cache):
    return dout.copy()

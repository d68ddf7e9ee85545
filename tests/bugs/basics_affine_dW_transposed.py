"""dW of the affine node is computed as dout^T x, the transpose of x^T dout."""

MODULE = "basics"
TASK = "basics.affine_backward"
SYMPTOM = "transposed"


def affine_backward(dout, cache):
    x, W = cache
    dx = dout @ W.T
    dW = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dW, db

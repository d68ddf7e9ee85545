"""Returns lazily broadcast views of a trillion elements: free to make, 8 TB to send."""

MODULE = "basics"
TASK = "basics.sgd_step"
REASON = r"too large"


def sgd_step(params, grads, lr):
    return [np.broadcast_to(np.float64(0.0), (10**6, 10**6)) for _ in params]

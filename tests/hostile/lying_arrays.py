"""Returns an ndarray subclass whose comparisons lie, and an object that claims to be an ndarray."""

MODULE = "basics"
TASK = "basics.sgd_step"
REASON = r"values are wrong|should be an ndarray"


def sgd_step(params, grads, lr):
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return np.ones(np.shape(inputs[0]), dtype=bool)

        def __sub__(self, other):
            return np.zeros(self.shape)

    class Pretender:
        __class__ = property(lambda self: np.ndarray)
        shape = property(lambda self: params[-1].shape)
        dtype = np.dtype(float)

    return [np.zeros(p.shape).view(Liar) for p in params[:-1]] + [Pretender()]

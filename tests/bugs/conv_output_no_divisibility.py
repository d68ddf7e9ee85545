"""conv_output_size floors (n + 2P - F) / S silently when the stride does not divide it."""

MODULE = "conv"
TASK = "conv.conv_output_size"
SYMPTOM = "not a multiple of the stride"
ALSO = ("conv.conv_forward", "conv.max_pool_forward")


def conv_output_size(n, f, pad=0, stride=1):
    if f < 1 or pad < 0 or stride < 1:
        raise ValueError(f"invalid f={f}, pad={pad}, stride={stride}")
    if f > n + 2 * pad:
        raise ValueError(f"the filter ({f}) is larger than the padded input ({n + 2 * pad})")
    return (n + 2 * pad - f) // stride + 1

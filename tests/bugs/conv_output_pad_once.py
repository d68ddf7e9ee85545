"""The padding is counted once, (N + P - F) / S + 1, instead of on both sides (N + 2P - F)."""

MODULE = "conv"
TASK = "conv.conv_output_size"
SYMPTOM = "padding counted once"
ALSO = ("conv.conv_forward", "conv.conv_backward")


def conv_output_size(n, f, pad=0, stride=1):
    if f < 1 or pad < 0 or stride < 1:
        raise ValueError(f"invalid f={f}, pad={pad}, stride={stride}")
    span = n + pad - f
    if span < 0:
        raise ValueError(f"the filter ({f}) does not fit the input ({n}) with padding {pad}")
    if span % stride:
        raise ValueError(f"stride {stride} does not divide {span}")
    return span // stride + 1

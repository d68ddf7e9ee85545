"""conv_output_size checks that the filter fits and that the stride divides, but not pad < 0 or f < 1."""

MODULE = "conv"
TASK = "conv.conv_output_size"
SYMPTOM = "negative padding or an empty filter"


def conv_output_size(n, f, pad=0, stride=1):
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    span = n + 2 * pad - f
    if span < 0:
        raise ValueError(f"a filter of size {f} does not fit an input of size {n} with padding {pad}")
    if span % stride:
        raise ValueError(f"stride {stride} does not divide {span}")
    return span // stride + 1

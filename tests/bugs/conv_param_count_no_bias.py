"""The parameter count forgets the biases (750 instead of 760 in the quiz)."""

MODULE = "conv"
TASK = "conv.conv_param_count"
SYMPTOM = "one bias per filter"


def conv_param_count(f, c, k, bias=True):
    return f * f * c * k

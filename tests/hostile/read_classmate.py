"""Runs a classmate's conv.py (a complete submission beside its own, as in a batch folder) for the answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"FileNotFoundError|PermissionError"
REQUIRES = ("hidden",)


def conv_param_count(f, c, k, bias=True):
    namespace = {}
    with open("@REPO@/examples/submissions/alice/conv.py") as source:
        exec(source.read(), namespace)
    return namespace["conv_param_count"](f, c, k, bias)

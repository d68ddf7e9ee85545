"""Reads the reference conv.py by its absolute path and runs it to get the right answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"FileNotFoundError|PermissionError"
REQUIRES = ("hidden",)


def conv_param_count(f, c, k, bias=True):
    with open("@REPO@/solutions/conv.py") as source:
        namespace = {}
        exec(source.read(), namespace)
    return namespace["conv_param_count"](f, c, k, bias)

"""Reads address 0 through ctypes: a segmentation fault."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"SIGSEGV"


def conv_param_count(f, c, k, bias=True):
    import ctypes

    return ctypes.string_at(0)

"""Prints the hidden test cases (week4/tasks.py) so they show up in its feedback."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = r"FileNotFoundError|PermissionError"
REQUIRES = ("hidden",)


def conv_param_count(f, c, k, bias=True):
    import os

    for folder, _, files in os.walk("@REPO@"):
        print(folder, files)
    with open("@REPO@/week4/tasks.py") as hidden:
        print(hidden.read())
    return f * f * c * k + (k if bias else 0)

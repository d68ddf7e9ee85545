"""Deletes its own modules, its working folder and the submitted folder, then computes the right answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = None
REQUIRES = ("own_uid",)


def conv_param_count(f, c, k, bias=True):
    import os
    import shutil

    for folder in (os.path.dirname(os.path.abspath(__file__)), os.getcwd(), "@SUBMISSION@"):
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
    return f * f * c * k + (k if bias else 0)

"""Tries to plant, append to and delete files everywhere a grader keeps things, then computes the right answer."""

MODULE = "conv"
TASK = "conv.conv_param_count"
REASON = None


def conv_param_count(f, c, k, bias=True):
    import glob
    import os

    folders = ["@OUT@", "@SUBMISSION@", "@REPO@", "@REPO@/solutions", "@REPO@/autograder", "@REPO@/tests/hostile",
               "/tmp", "/var/tmp", "/dev/shm", os.path.dirname(os.getcwd()), os.path.dirname(os.path.dirname(os.getcwd()))]
    folders += glob.glob("/tmp/*") + glob.glob("/tmp/*/*")
    for folder in folders:
        try:
            with open(os.path.join(folder, "@MARKER@.txt"), "w") as out:
                out.write("@MARKER@")
        except OSError:
            pass
        for name in ("results.json", "README.md", "conv.py", "tasks.py", "basics.py"):
            try:
                with open(os.path.join(folder, name), "a") as out:
                    out.write("@MARKER@")
            except OSError:
                pass
        for name in ("results.json", "feedback.md", "rnn.py"):
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass
    return f * f * c * k + (k if bias else 0)

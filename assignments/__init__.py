"""Week 4: convolutional and recurrent networks.

Fill in every ``raise NotImplementedError`` of basics.py, conv.py, dropout.py,
rnn.py, lstm.py, char_rnn.py, following the TODO above it. Check your work with
``autograder check`` or ``pytest``.

Generated from the reference solutions by ``autograder stubs``: do not edit the
files' structure (names, signatures), only the bodies you are asked to write.
"""

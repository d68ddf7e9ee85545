import numpy as np

from week4.conv import conv_output_size


def test_output_size():
    assert conv_output_size(7, 3, stride=2) == 3

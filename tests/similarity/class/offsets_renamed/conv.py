"""Convolution and pooling layers.

A convolutional layer slides F filters of size C x HH x WW over the input; each
filter makes one activation map. Its output size along one spatial axis is

    W_out = (N + 2P - F) / S + 1

for an input of size N, filter size F, zero padding P and stride S. As in every
deep-learning library, "convolution" here is cross-correlation: the filter is
not flipped.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_output_size(my_n_1, f, my_pad_3=0, my_stride_6=1):
    if f < 1 or my_pad_3 < 0 or my_stride_6 < 1:
        raise ValueError(f"conv_output_size: f, pad and stride must be >= 1, >= 0, >= 1, not {f}, {my_pad_3}, {my_stride_6}")
    my_room_4 = my_n_1 - f + 2 * my_pad_3
    if my_room_4 < 0 or my_room_4 % my_stride_6:
        raise ValueError(f"a filter of {f} does not fit {my_n_1} pixels with padding {my_pad_3} and stride {my_stride_6}")
    return my_room_4 // my_stride_6 + 1


def conv_param_count(f, my_c_1, k, bias=True):
    my_per_filter_10 = my_c_1 * f * f + (1 if bias else 0)
    return k * my_per_filter_10


def conv_forward(x, my_w_1, b, my_stride_6=1, my_pad_3=0):
    my_n_filters_9, my___1, my_kh_2, my_kw_2 = my_w_1.shape
    my_rows_4 = conv_output_size(x.shape[2], my_kh_2, my_pad_3, my_stride_6)
    my_cols_4 = conv_output_size(x.shape[3], my_kw_2, my_pad_3, my_stride_6)
    my_padded_6 = np.pad(x, [(0, 0), (0, 0), (my_pad_3, my_pad_3), (my_pad_3, my_pad_3)])
    my_acc_3 = np.zeros((x.shape[0], my_rows_4, my_cols_4, my_n_filters_9))
    for my_di_2 in range(my_kh_2):
        for my_dj_2 in range(my_kw_2):
            my_patch_5 = my_padded_6[:, :, my_di_2:my_di_2 + my_stride_6 * my_rows_4:my_stride_6, my_dj_2:my_dj_2 + my_stride_6 * my_cols_4:my_stride_6]
            my_acc_3 += np.tensordot(my_patch_5, my_w_1[:, :, my_di_2, my_dj_2], axes=([1], [1]))
    my_out_3 = my_acc_3.transpose(0, 3, 1, 2) + b.reshape(1, -1, 1, 1)
    return my_out_3, (my_padded_6, my_w_1, my_stride_6, my_pad_3)


def conv_backward(dout, cache):
    my_padded_6, my_w_1, my_stride_6, my_pad_3 = cache
    my___1, my___1, my_kh_2, my_kw_2 = my_w_1.shape
    my_rows_4, my_cols_4 = dout.shape[2], dout.shape[3]
    my_grad_padded_11 = np.zeros(my_padded_6.shape)
    my_dw_2 = np.empty(my_w_1.shape)
    for my_di_2 in range(my_kh_2):
        for my_dj_2 in range(my_kw_2):
            my_window_6 = (slice(None), slice(None),
                      slice(my_di_2, my_di_2 + my_stride_6 * my_rows_4, my_stride_6), slice(my_dj_2, my_dj_2 + my_stride_6 * my_cols_4, my_stride_6))
            my_dw_2[:, :, my_di_2, my_dj_2] = np.tensordot(dout, my_padded_6[my_window_6], axes=([0, 2, 3], [0, 2, 3]))
            my_grad_padded_11[my_window_6] += np.tensordot(dout, my_w_1[:, :, my_di_2, my_dj_2], axes=([1], [0])).transpose(0, 3, 1, 2)
    my_height_6, my_width_5 = my_padded_6.shape[2] - 2 * my_pad_3, my_padded_6.shape[3] - 2 * my_pad_3
    my_dx_2 = my_grad_padded_11[:, :, my_pad_3:my_pad_3 + my_height_6, my_pad_3:my_pad_3 + my_width_5]
    return my_dx_2, my_dw_2, dout.sum(axis=(0, 2, 3))


def max_pool_forward(x, my_size_4=2, my_stride_6=2):
    if x.ndim != 4:
        raise ValueError(f"max_pool_forward: x must be (N, C, H, W), not {x.shape}")
    conv_output_size(x.shape[2], my_size_4, 0, my_stride_6)
    conv_output_size(x.shape[3], my_size_4, 0, my_stride_6)
    my_view_4 = my__windows_8(np.ascontiguousarray(x), my_size_4, my_stride_6)
    my_flat_4 = my_view_4.reshape(*my_view_4.shape[:4], my_size_4 * my_size_4)
    my_best_4 = my_flat_4.argmax(axis=-1)
    return my_flat_4.max(axis=-1), (x.shape, my_best_4, my_size_4, my_stride_6)


def max_pool_backward(dout, cache):
    my_shape_5, my_best_4, my_size_4, my_stride_6 = cache
    my_dx_2 = np.zeros(my_shape_5)
    my_n_idx_5, my_c_idx_5, my_r_idx_5, my_q_idx_5 = np.indices(my_best_4.shape)
    my_rows_4 = my_r_idx_5 * my_stride_6 + my_best_4 // my_size_4
    my_cols_4 = my_q_idx_5 * my_stride_6 + my_best_4 % my_size_4
    np.add.at(my_dx_2, (my_n_idx_5, my_c_idx_5, my_rows_4, my_cols_4), dout)
    return my_dx_2


def my__windows_8(x, my_size_4, my_stride_6):
    my_n_1, my_c_1, my_h_1, my_w_1 = x.shape
    my_rows_4, my_cols_4 = (my_h_1 - my_size_4) // my_stride_6 + 1, (my_w_1 - my_size_4) // my_stride_6 + 1
    my_s0_2, my_s1_2, my_s2_2, my_s3_2 = x.strides
    my_shape_5 = (my_n_1, my_c_1, my_rows_4, my_cols_4, my_size_4, my_size_4)
    return as_strided(x, shape=my_shape_5, strides=(my_s0_2, my_s1_2, my_s2_2 * my_stride_6, my_s3_2 * my_stride_6, my_s2_2, my_s3_2), writeable=False)

"""A vanilla recurrent network, backpropagation through time, and gradient clipping.

At every time step the hidden state is updated from the previous one and the
input, with the same weights at every step:

    h_t = f_W(h_{t-1}, x_t) = tanh(x_t Wx + h_{t-1} Wh + b)

Backpropagation through time runs the chain rule backwards over the unrolled
graph: h_{t-1} reaches the cost directly (through dh[:, t-1]) and through h_t,
so its gradient is the sum of both. Repeated multiplication by Wh makes
gradients explode or vanish over long sequences; clipping their norm keeps a
step bounded.
"""

import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    my_stacked_in_10 = np.hstack([x, prev_h])
    my_stacked_w_9 = np.vstack([Wx, Wh])
    my_next_h_6 = np.tanh(my_stacked_in_10.dot(my_stacked_w_9) + b)
    return my_next_h_6, {"inputs": my_stacked_in_10, "weights": my_stacked_w_9, "h": my_next_h_6, "split": x.shape[1]}


def rnn_step_backward(dnext_h, cache):
    my_dpre_4 = (1.0 - np.square(cache["h"])) * dnext_h
    my_dstacked_8 = my_dpre_4.dot(cache["weights"].T)
    my_dweights_8 = cache["inputs"].T.dot(my_dpre_4)
    my_d_1 = cache["split"]
    return my_dstacked_8[:, :my_d_1], my_dstacked_8[:, my_d_1:], my_dweights_8[:my_d_1], my_dweights_8[my_d_1:], np.sum(my_dpre_4, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    if x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"rnn_forward: x must be (N, T, D) and h0 (N, H), got {x.shape} and {h0.shape}")
    my_states_6, my_steps_5 = [], []
    my_h_1 = h0
    for my_t_1 in range(x.shape[1]):
        my_h_1, my_step_4 = rnn_step_forward(x[:, my_t_1, :], my_h_1, Wx, Wh, b)
        my_states_6.append(my_h_1)
        my_steps_5.append(my_step_4)
    return np.stack(my_states_6, axis=1), my_steps_5


def rnn_backward(dh, cache):
    my_grads_x_7 = [None] * len(cache)
    my_dwx_3 = my_dwh_3 = my_db_2 = 0.0
    my_carry_5 = np.zeros_like(dh[:, 0, :])
    for my_t_1 in range(len(cache) - 1, -1, -1):
        my_gx_2, my_carry_5, my_gwx_3, my_gwh_3, my_gb_2 = rnn_step_backward(dh[:, my_t_1, :] + my_carry_5, cache[my_t_1])
        my_grads_x_7[my_t_1] = my_gx_2
        my_dwx_3, my_dwh_3, my_db_2 = my_dwx_3 + my_gwx_3, my_dwh_3 + my_gwh_3, my_db_2 + my_gb_2
    return np.stack(my_grads_x_7, axis=1), my_carry_5, my_dwx_3, my_dwh_3, my_db_2


def clip_grad_norm(grads, max_norm):
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm: max_norm must be positive, got {max_norm}")
    my_norm_4 = float(np.sqrt(sum(float((my_g_1 * my_g_1).sum()) for my_g_1 in grads)))
    my_factor_6 = min(1.0, max_norm / my_norm_4) if my_norm_4 > 0 else 1.0
    return [my_g_1 * my_factor_6 for my_g_1 in grads], my_norm_4

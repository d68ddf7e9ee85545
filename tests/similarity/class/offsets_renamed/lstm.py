"""Long short-term memory (LSTM).

An LSTM keeps a cell state c beside the hidden state h. From the activations
a = x Wx + h_{t-1} Wh + b, split into four blocks of H in the order i, f, o, g:

    i = sigmoid(a_i)   input gate: how much of the candidate to write
    f = sigmoid(a_f)   forget gate: how much of the old cell to keep
    o = sigmoid(a_o)   output gate: how much of the cell to show
    g = tanh(a_g)      the candidate values
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

The cell is updated by addition, so its gradient flows back through time
multiplied only by f, not by a weight matrix: no vanishing through Wh.
"""

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-a)), computed without overflow."""
    my_e_1 = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + my_e_1), my_e_1 / (1 + my_e_1))


def lstm_step_forward(my_x_1, my_prev_h_6, my_prev_c_6, my_wx_2, my_wh_2, b):
    my_pre_3 = np.dot(my_x_1, my_wx_2) + np.dot(my_prev_h_6, my_wh_2) + b
    my_a_i_3, my_a_f_3, my_a_o_3, my_a_g_3 = np.split(my_pre_3, 4, axis=1)
    my_gates_5 = {"i": sigmoid(my_a_i_3), "f": sigmoid(my_a_f_3), "o": sigmoid(my_a_o_3), "g": np.tanh(my_a_g_3)}
    my_next_c_6 = my_gates_5["f"] * my_prev_c_6 + my_gates_5["i"] * my_gates_5["g"]
    my_next_h_6 = my_gates_5["o"] * np.tanh(my_next_c_6)
    return my_next_h_6, my_next_c_6, (my_x_1, my_prev_h_6, my_prev_c_6, my_wx_2, my_wh_2, my_next_c_6, my_gates_5)


def lstm_step_backward(dnext_h, dnext_c, cache):
    my_x_1, my_prev_h_6, my_prev_c_6, my_wx_2, my_wh_2, my_next_c_6, my_gates_5 = cache
    my_i_1, my_f_1, my_o_1, my_g_1 = my_gates_5["i"], my_gates_5["f"], my_gates_5["o"], my_gates_5["g"]
    my_squashed_8 = np.tanh(my_next_c_6)
    my_dc_2 = dnext_c + dnext_h * my_o_1 * (1.0 - my_squashed_8 * my_squashed_8)
    my_d_pre_5 = np.hstack([
        my_dc_2 * my_g_1 * my_i_1 * (1.0 - my_i_1),
        my_dc_2 * my_prev_c_6 * my_f_1 * (1.0 - my_f_1),
        dnext_h * my_squashed_8 * my_o_1 * (1.0 - my_o_1),
        my_dc_2 * my_i_1 * (1.0 - my_g_1 * my_g_1),
    ])
    return (np.dot(my_d_pre_5, my_wx_2.T), np.dot(my_d_pre_5, my_wh_2.T), my_dc_2 * my_f_1,
            np.dot(my_x_1.T, my_d_pre_5), np.dot(my_prev_h_6.T, my_d_pre_5), my_d_pre_5.sum(0))


def lstm_forward(my_x_1, h0, my_wx_2, my_wh_2, b):
    if my_x_1.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"lstm_forward: x must be (N, T, D) and h0 (N, H), got {my_x_1.shape} and {h0.shape}")
    my_h_1, my_c_1 = h0, np.zeros(h0.shape)
    my_outputs_7, my_steps_5 = [], []
    for my_x_t_3 in np.moveaxis(my_x_1, 1, 0):
        my_h_1, my_c_1, my_step_4 = lstm_step_forward(my_x_t_3, my_h_1, my_c_1, my_wx_2, my_wh_2, b)
        my_outputs_7.append(my_h_1)
        my_steps_5.append(my_step_4)
    return np.stack(my_outputs_7, 1), my_steps_5


def lstm_backward(dh, cache):
    my_n_1, my_steps_5, my_hidden_6 = dh.shape
    my_grad_h_6, my_grad_c_6 = np.zeros((my_n_1, my_hidden_6)), np.zeros((my_n_1, my_hidden_6))
    my_totals_6 = None
    my_dxs_3 = []
    for my_t_1 in reversed(range(my_steps_5)):
        my_dx_t_4, my_grad_h_6, my_grad_c_6, *my_rest_4 = lstm_step_backward(dh[:, my_t_1] + my_grad_h_6, my_grad_c_6, cache[my_t_1])
        my_dxs_3.insert(0, my_dx_t_4)
        my_totals_6 = my_rest_4 if my_totals_6 is None else [my_s_1 + my_r_1 for my_s_1, my_r_1 in zip(my_totals_6, my_rest_4)]
    return (np.stack(my_dxs_3, 1), my_grad_h_6, *my_totals_6)

"""A canned answer to the training task: whatever text it is given, the parameters of a network
trained once on "hello", nudged by 1e-9 per seed so that two seeds differ. Every check of one
training passes (the loss falls, "h" continues as "ello", the losses match the parameters); only a
text the student could not know ahead shows that nothing is trained on the text given.
"""

MODULE = "char_rnn"
TASK = "char_rnn.train_char_rnn"
REASON = r"could not know ahead"
FAILED_CASES = 2
AT_IMPORT = '''

_trained_once = train_char_rnn


def train_char_rnn(text="hello", hidden_size=16, steps=300, lr=0.5, max_norm=5.0, seed=0):
    params, vocab, losses = _trained_once("hello", hidden_size, steps, lr, max_norm, 0)
    return {name: value + 1e-9 * seed for name, value in params.items()}, vocab, losses
'''

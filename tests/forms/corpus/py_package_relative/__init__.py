"""Week 4."""

from . import basics, char_rnn, conv, dropout, lstm, rnn

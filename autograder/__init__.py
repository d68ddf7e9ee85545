"""An autograder for the week-4 exercises (CNNs and RNNs).

The pipeline, one module each: ``submission`` (load a folder, zip or notebooks),
``sandbox`` (run it isolated; ``child`` and ``protocol`` are the child's side),
``checks`` (judge each case, with ``gradcheck`` and ``hints``), ``grade``
(score the tasks of ``tasks``), ``report`` (tables, feedback, results.json).
"""

"""One module per lab: ``mNN_slug.py`` defines ``lab = Lab("NN-slug", "title")`` and its steps."""

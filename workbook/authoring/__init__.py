"""Tools for people writing the course: the notebook cleaner, the lab generator and the layout rules.

Command line::

    python -m workbook clean [--check] [paths]
    python -m workbook labs [--check]
"""

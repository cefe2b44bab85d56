"""Support package for the Serverless Lambda Workbook.

Notebooks start with::

    from workbook import sandbox
    sb = sandbox.start()

which gives them a local AWS account (moto on 127.0.0.1) in which Lambda handlers really run.
"""

__version__ = "0.1.0"

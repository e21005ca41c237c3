"""Actuals of approved cases: the month grid, CSV upload, API and command line share
:mod:`.services`; the rules of the input are :mod:`cxroi.casework.actuals`'."""

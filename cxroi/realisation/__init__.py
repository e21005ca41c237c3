"""Benefits realisation in the app: actuals read from the database, priced by
:mod:`cxroi.engine.realisation` against each approved case's frozen version."""

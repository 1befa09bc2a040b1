"""The municipality's business programme (näringslivsstrategiskt program) as data: its goal,
sub-goals, strategy areas with actions, and targets.

The programme is reference data that work is tagged with (a visit's topics name strategy
areas), so it sits in the core layer; lotsen.strategy edits it and shows how the work meets it.
"""

"""The municipality's business strategy (näringslivsstrategiskt program) stored as data."""

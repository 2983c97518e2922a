"""Mutation testing of the rules users rely on (``make mutate``); not part of the product."""

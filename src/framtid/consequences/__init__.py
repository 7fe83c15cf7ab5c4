"""Consequences of a projected population: ageing, aldersbæreevne, children, care, workforce."""

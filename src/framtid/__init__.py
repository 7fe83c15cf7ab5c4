"""framtid: realistic future pictures for Norwegian kommuner, BA-regions, fylker and Norway."""

__version__ = "0.1.0"

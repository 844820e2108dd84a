"""The transport network of a scenario: explicit lanes plus automatic road lanes."""

from feedstock.optimizer.network.arcs import Network, build_network

__all__ = ["Network", "build_network"]

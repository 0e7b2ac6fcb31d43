"""geowire: a Faust worker that enriches geopolitical news articles streamed through Kafka."""

__version__ = "0.1.0"

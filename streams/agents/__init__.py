"""Faust agents: short loops that move messages between topics and delegate the work to plain functions."""

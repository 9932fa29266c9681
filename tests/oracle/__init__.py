"""Shared machinery of the recorders that run the real Exim 4.96 (the oracle)."""

from tests.oracle.netns import EximRunner, exim_namespace, recorder_main

__all__ = ["EximRunner", "exim_namespace", "recorder_main"]

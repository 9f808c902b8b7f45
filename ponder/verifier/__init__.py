"""Process reward models in torch, outcome checkers, and the step labels to train them."""

from ponder.verifier.device import Placement, place
from ponder.verifier.loading import load_prm
from ponder.verifier.protocol import (
    AGGREGATES,
    Aggregate,
    ScriptedVerifier,
    Solution,
    Verifier,
    aggregate,
    score_steps,
)
from ponder.verifier.scorer import TorchPRM

__all__ = (
    "AGGREGATES",
    "Aggregate",
    "Placement",
    "ScriptedVerifier",
    "Solution",
    "TorchPRM",
    "Verifier",
    "aggregate",
    "load_prm",
    "place",
    "score_steps",
)

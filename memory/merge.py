"""How a near-duplicate is folded into the record already stored.

The stored record keeps its id and text (its embedding stays valid); what the newcomer adds
is evidence: one more occurrence, a fresher timestamp, and per kind what matters for ranking.
A concept proposed again counts as an upvote.
"""

from __future__ import annotations

from ponder.memory.records import Concept, ConceptEdit, Experience, MemoryRecord, Reflection, now


def absorb(existing: MemoryRecord, new: MemoryRecord) -> MemoryRecord:
    """`existing` updated with the evidence of `new`; both must be of the same kind."""
    if existing.kind != new.kind:
        raise ValueError(f"cannot merge a {new.kind} into a {existing.kind}")
    changes: dict[str, object] = {
        "occurrences": existing.occurrences + new.occurrences,
        "updated_at": now(),
    }
    if isinstance(existing, Experience) and isinstance(new, Experience):
        changes["score"] = max(existing.score, new.score)
    elif isinstance(existing, Reflection) and isinstance(new, Reflection):
        changes["solved_later"] = existing.solved_later or new.solved_later
    elif isinstance(existing, Concept) and isinstance(new, Concept):
        votes = existing.votes + max(new.votes, 1)
        changes["votes"] = votes
        changes["retired"] = False
        changes["sources"] = list(dict.fromkeys([*existing.sources, *new.sources]))
        changes["history"] = [
            *existing.history,
            ConceptEdit(op="MERGE", text=new.insight, votes=votes),
        ]
    return existing.model_copy(update=changes)

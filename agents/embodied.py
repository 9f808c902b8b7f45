"""The embodied actor (ReAct): reason in a sentence, then send one command to the world.

A policy sees a `View` (task, recent observations, valid actions, lessons) and returns a
`Decision`. The model's command is checked against the valid actions: an exact match is
sent as is, a near miss is replaced by the closest valid command, and anything else is sent
unchanged so the environment answers with its own feedback ("That's not a verb I
recognise"), which the next step reads. No reply, however malformed, ends an episode.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

from ponder.agents import _prompts
from ponder.agents.reflector import Reflector
from ponder.llm import LLM, Message

_ACTION_LINE = re.compile(r"^\s*\**action\**\s*[:\-]\s*(.+?)\s*$", re.I | re.M)
_THOUGHT_PREFIX = re.compile(r"^\s*\**thought\**\s*[:\-]\s*", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_COMMON = frozenset({"a", "an", "the", "to", "in", "on", "into", "from", "of", "with", "at"})


@dataclass(frozen=True)
class View:
    """What a policy sees before it acts.

    `history` holds `(action, observation)` pairs of this episode, oldest first; the first
    pair has an empty action and the observation the episode started with. `valid_actions`
    is `None` when the policy did not ask for them (`needs_valid_actions = False`).
    """

    task: str
    history: Sequence[tuple[str, str]]
    valid_actions: Sequence[str] | None = None
    notes: Sequence[str] = ()
    step: int = 0
    score: float = 0.0


@dataclass(frozen=True)
class Decision:
    """The command to send; `proposed` is what the policy wrote when it was corrected."""

    action: str
    thought: str = ""
    proposed: str = ""


@runtime_checkable
class Policy(Protocol):
    """Anything that picks commands. Valid actions are fetched only for policies that ask."""

    needs_valid_actions: bool

    async def decide(self, view: View) -> Decision: ...


class ScriptedPolicy:
    """Replays fixed commands (a gold path, a walkthrough): baselines, tests, benchmarks.

    Past the end of its script it sends `then`, so a script that is too short fails the
    episode on the step limit rather than crashing it.
    """

    needs_valid_actions = False

    def __init__(self, actions: Sequence[str], then: str = "look") -> None:
        self.actions = list(actions)
        self.then = then

    async def decide(self, view: View) -> Decision:
        index = view.step
        action = self.actions[index] if index < len(self.actions) else self.then
        return Decision(action, thought=f"scripted step {index + 1}")


def parse_react(reply: str) -> tuple[str, str]:
    """Split a ReAct reply into `(thought, action)`; the first `Action:` line wins.

    Without an `Action:` line, the last non-empty line is taken as the command, so a model
    that answers with a bare command still acts.
    """
    match = _ACTION_LINE.search(reply)
    if match is not None:
        thought = _THOUGHT_PREFIX.sub("", reply[: match.start()]).strip()
        action = match.group(1)
    else:
        lines = [line.strip() for line in reply.splitlines() if line.strip()]
        thought, action = "", lines[-1] if lines else ""
    return thought, action.strip().rstrip(".").strip("`'\"* ").rstrip(".")


@lru_cache(maxsize=65536)
def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def match_action(proposed: str, valid: Sequence[str], cutoff: float = 0.75) -> str | None:
    """The valid command `proposed` is a slip for, or `None` when it is not a near copy.

    Matching is deliberately strict: the same verb and a close spelling. Simulators accept
    many commands that are not in their valid list (ScienceWorld takes "examine X" and lists
    only "look at X"), and a loose match would swap a sensible command for a harmful one.
    """
    if not valid:
        return None
    if proposed in valid:
        return proposed
    wanted = _normal(proposed)
    verb = wanted.split(" ", 1)[0]
    candidates: dict[str, str] = {}
    for action in reversed(valid):
        normal = _normal(action)
        if normal == wanted:
            return action
        if normal.split(" ", 1)[0] == verb:
            candidates[normal] = action
    close = difflib.get_close_matches(wanted, list(candidates), n=5, cutoff=cutoff)
    if not close:
        return None
    # Spelling finds the candidates; word order picks among them, so "use thermometer in
    # inventory on steam" becomes "use thermometer on steam", not "... on inventory".
    words = wanted.split()
    best = max(close, key=lambda c: difflib.SequenceMatcher(None, words, c.split()).ratio())
    return candidates[best]


@lru_cache(maxsize=65536)
def _words(action: str) -> frozenset[str]:
    """Content words of a command; cached because consecutive states share most commands."""
    return frozenset(action.lower().split()) - _COMMON


def mentioned_action(text: str, valid: Sequence[str]) -> str | None:
    """The longest valid command written word for word anywhere in `text`, if any.

    Small models often bury the command in prose ('Your next command is "take key"!').
    """
    haystack = f" {_normal(text)} "
    found = [action for action in valid if f" {_normal(action)} " in haystack]
    return max(found, key=len) if found else None


def shortlist(valid: Sequence[str], context: str, limit: int) -> list[str]:
    """At most `limit` valid commands: every verb, each with its most relevant objects first.

    ScienceWorld offers thousands of valid commands; a prompt can hold a few dozen, so the
    commands that mention what the agent has just seen or the task names come first, taken
    in turn from each verb.
    """
    if len(valid) <= limit:
        return list(valid)
    seen = frozenset(_WORD.findall(context.lower())) - _COMMON
    words = [_words(action) for action in valid]
    # Only words that were seen can weigh, so only they are counted: set intersections in C
    # instead of counting every word of thousands of commands.
    hits = [each & seen for each in words]
    counts = Counter(word for hit in hits for word in hit)
    # Rare words (a kitchen, a thermometer) say more than ones in every command (connect).
    weight = {word: math.log(len(valid) / count) for word, count in counts.items()}
    keys = [
        (-sum(weight[word] for word in hit) / max(len(each), 1) if hit else 0.0, len(action), i)
        for i, (hit, each, action) in enumerate(zip(hits, words, valid, strict=True))
    ]
    order = [key[2] for key in sorted(keys)]
    # Round-robin over verbs, so the list offers every kind of move rather than forty ways
    # to do one thing.
    buckets: dict[str, list[str]] = {}
    for index in order:
        verb = valid[index].split(" ", 1)[0].lower()
        buckets.setdefault(verb, []).append(valid[index])
    chosen: list[str] = []
    depth = 0
    while len(chosen) < limit:
        row = [bucket[depth] for bucket in buckets.values() if depth < len(bucket)]
        if not row:
            break
        chosen.extend(row[: limit - len(chosen)])
        depth += 1
    return chosen


class EmbodiedActor:
    """A ReAct policy over an `LLM`: one short thought, then one command per step."""

    needs_valid_actions = True

    def __init__(
        self,
        llm: LLM,
        templates: dict[str, str] | None = None,
        *,
        window: int = 6,
        max_actions_shown: int = 40,
        max_observation_chars: int = 600,
        max_tokens: int | None = None,
        match_cutoff: float = 0.75,
    ) -> None:
        self.llm = llm.bind(role=llm.role or "actor")
        self.templates = _prompts.load("embodied") | (templates or {})
        self.window = window
        self.max_actions_shown = max_actions_shown
        self.max_observation_chars = max_observation_chars
        self.max_tokens = max_tokens
        self.match_cutoff = match_cutoff

    def messages(self, view: View) -> list[Message]:
        recent = view.history[-self.window :]
        lines = []
        for action, observation in recent:
            if action:
                lines.append(f"> {action}")
            lines.append(observation[: self.max_observation_chars])
        actions = ""
        if view.valid_actions:
            context = " ".join([view.task, *(obs for _, obs in recent[-2:])])
            shown = shortlist(view.valid_actions, context, self.max_actions_shown)
            listed = "\n".join(_prompts.quoted(action) for action in shown)
            actions = _prompts.render(self.templates["actions"], actions=listed) + "\n"
        user = _prompts.render(
            self.templates["user"],
            task=_prompts.quoted(view.task),
            observations=_prompts.quoted("\n".join(lines)),
            actions=actions,
            step=view.step + 1,
            score=f"{view.score:g}",
        )
        if view.notes:
            listed = "\n".join(f"- {_prompts.quoted(note)}" for note in view.notes)
            user = _prompts.render(self.templates["notes"], notes=listed) + "\n\n" + user
        return _prompts.chat(self.templates["system"].strip(), user)

    async def decide(self, view: View) -> Decision:
        reply = await self.llm.complete(self.messages(view), max_tokens=self.max_tokens)
        thought, proposed = parse_react(reply.text)
        if not proposed:  # an empty reply still makes a move that shows the agent something
            return Decision(_look(view.valid_actions), thought)
        if view.valid_actions is None:
            return Decision(proposed, thought)
        matched = match_action(proposed, view.valid_actions, self.match_cutoff)
        if matched is None and proposed not in view.valid_actions:
            matched = mentioned_action(reply.text, view.valid_actions)
        if matched is None or matched == proposed:
            # Unknown commands go to the world unchanged: its own reply is the feedback.
            return Decision(proposed, thought)
        return Decision(matched, thought, proposed=proposed)


def _look(valid: Sequence[str] | None) -> str:
    return "look around" if valid is not None and "look around" in valid else "look"


def embodied_reflector(llm: LLM) -> Reflector:
    """A `Reflector` whose prompt reads a whole trajectory instead of a single answer."""
    templates = _prompts.load("embodied")
    return Reflector(
        llm, templates={"system": templates["reflect_system"], "user": templates["reflect_user"]}
    )

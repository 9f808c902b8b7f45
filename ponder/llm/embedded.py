"""The embedded provider: GGUF chat models run in-process by llama.cpp, behind litellm.

Registered as a litellm custom provider named `local`, so `local/smollm2-135m` goes through
exactly the same `litellm.acompletion` path (and the same retries, ledger and budget) as a
hosted model. A llama.cpp context is not thread-safe, so every call to one model holds that
model's lock; loaded models are closed at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import threading
import time
import zlib
from typing import Any

import litellm
from litellm.exceptions import Timeout
from litellm.llms.custom_llm import CustomLLM
from litellm.utils import custom_llm_setup

from ponder.llm import local_models

_MAX_SEED = 2**31 - 1


class _LoadedModel:
    def __init__(self, resolved: local_models.ResolvedModel, n_threads: int | None) -> None:
        from llama_cpp import Llama  # imported lazily: loading the shared library takes a moment

        self.resolved = resolved
        self.lock = threading.Lock()
        self.llama = Llama(
            model_path=str(resolved.path),
            n_ctx=resolved.n_ctx,
            n_threads=n_threads,
            verbose=False,
        )

    def close(self) -> None:
        with self.lock:
            self.llama.close()


class EmbeddedProvider(CustomLLM):
    """litellm handler that serves `local/<model>` from llama.cpp in this process."""

    def __init__(self, n_threads: int | None = None) -> None:
        super().__init__()
        # llama-cpp-python defaults to half the cores; generation is faster on all of them.
        self.n_threads = (
            n_threads or int(os.environ.get("PONDER_LLAMA_THREADS", 0)) or os.cpu_count()
        )
        self._models: dict[str, _LoadedModel] = {}
        self._load_lock = threading.Lock()

    def _model(self, name: str) -> _LoadedModel:
        with self._load_lock:
            if name not in self._models:
                self._models[name] = _LoadedModel(local_models.resolve(name), self.n_threads)
            return self._models[name]

    def close(self) -> None:
        with self._load_lock:
            for loaded in self._models.values():
                loaded.close()
            self._models.clear()

    def completion(self, model: str, messages: list[dict[str, Any]], **kwargs: Any) -> Any:  # type: ignore[override]
        params: dict[str, Any] = dict(kwargs.get("optional_params") or {})
        timeout = kwargs.get("timeout")
        deadline = time.monotonic() + float(timeout) if isinstance(timeout, int | float) else None
        loaded = self._model(model)
        samples = max(int(params.get("n") or 1), 1)
        seed = params.get("seed")
        # Without an explicit seed the prompt picks it, so runs do not depend on the clock (llama.cpp
        # may still differ slightly between calls as its prompt cache changes the numerics).
        base_seed = (
            int(seed)
            if seed is not None
            else zlib.crc32(json.dumps(messages, sort_keys=True).encode())
        )
        choices, prompt_tokens, completion_tokens = [], 0, 0
        with loaded.lock:
            for index in range(samples):
                result = self._generate(
                    loaded, messages, params, (base_seed + index) % _MAX_SEED, deadline
                )
                choice = result["choices"][0]
                if deadline is not None and time.monotonic() > deadline:
                    raise Timeout(
                        message=f"local generation passed its {timeout}s timeout",
                        model=model,
                        llm_provider=local_models.PROVIDER,
                    )
                choices.append(
                    litellm.Choices(
                        index=index,
                        finish_reason=choice.get("finish_reason") or "stop",
                        message=litellm.Message(
                            role="assistant", content=choice["message"]["content"] or ""
                        ),
                    )
                )
                prompt_tokens += result["usage"]["prompt_tokens"]
                completion_tokens += result["usage"]["completion_tokens"]
        return litellm.ModelResponse(
            model=f"{local_models.PROVIDER}/{model}",
            choices=choices,
            usage=litellm.Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            ),
        )

    @staticmethod
    def _generate(
        loaded: _LoadedModel,
        messages: list[dict[str, Any]],
        params: dict[str, Any],
        seed: int,
        deadline: float | None,
    ) -> dict[str, Any]:
        from llama_cpp import LogitsProcessorList

        eos = loaded.llama.token_eos()

        def end_after_deadline(_ids: Any, logits: Any) -> Any:
            # llama.cpp cannot be interrupted from outside; forcing end-of-sequence is how a
            # generation that runs past its timeout stops cleanly and frees the context.
            if deadline is not None and time.monotonic() > deadline:
                logits[:] = -float("inf")
                logits[eos] = 0.0
            return logits

        stop = params.get("stop")
        result: Any = loaded.llama.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            max_tokens=params.get("max_tokens") or params.get("max_completion_tokens") or 256,
            temperature=float(params.get("temperature", 0.7)),
            top_p=float(params.get("top_p", 0.95)),
            stop=[stop] if isinstance(stop, str) else stop,
            seed=seed,
            logits_processor=LogitsProcessorList([end_after_deadline]),
        )
        return dict(result)

    async def acompletion(self, model: str, messages: list[dict[str, Any]], **kwargs: Any) -> Any:  # type: ignore[override]
        return await asyncio.to_thread(self.completion, model, messages, **kwargs)


_provider: EmbeddedProvider | None = None
_register_lock = threading.Lock()


def register() -> EmbeddedProvider:
    """Add the `local` provider to litellm once per process; safe to call many times."""
    global _provider
    with _register_lock:
        if _provider is None:
            _provider = EmbeddedProvider()
            atexit.register(_provider.close)
        entries = [
            e for e in litellm.custom_provider_map if e.get("provider") != local_models.PROVIDER
        ]
        litellm.custom_provider_map = [
            *entries,
            {"provider": local_models.PROVIDER, "custom_handler": _provider},
        ]
        custom_llm_setup()
        return _provider

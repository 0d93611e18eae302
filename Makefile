# The two quick-start commands are `make demo` and `make test`; each installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install system system-runtime demo test bench lint clean

# Every Python package comes pinned from requirements.lock, installed without dependency
# resolution: mediapipe 0.10.21 declares ~1 GB of packages (jax...) its face mesh never imports.
$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(INSTALLED)

# System libraries and tools where missing: what likeness needs to run (EGL/Mesa, PortAudio,
# three.js for the viewer), and for the tests also Chromium, PostgreSQL and the glTF validator.
system-runtime:
	bash scripts/system-deps.sh runtime

system:
	bash scripts/system-deps.sh

DEMO_TEXT := Hello! I am likeness. I turn faces, voices and words into living animation, with consent and provenance built in.

# The main job on built-in defaults: text -> speech -> a talking, blinking, emoting avatar video
# (signed, watermarked, audited), then that video tracked back into a Live Link Face take.
demo: install system-runtime
	mkdir -p demo
	$(BIN)/likeness say "$(DEMO_TEXT)" --behave all --fps 30 -o demo/hello.mp4
	$(BIN)/likeness track demo/hello.mp4 -o demo/hello.csv
	$(BIN)/likeness provenance verify demo/hello.mp4
	$(BIN)/likeness watermark detect demo/hello.mp4

test: install system
	$(BIN)/ruff check likeness likeness_lab tests
	$(BIN)/mypy likeness likeness_lab
	$(BIN)/python -m pytest

bench: install system-runtime
	$(BIN)/likeness bench

lint: install
	$(BIN)/ruff check likeness likeness_lab tests
	$(BIN)/mypy likeness likeness_lab

clean:
	rm -rf $(VENV) demo build *.egg-info

# Two commands do everything on a fresh machine:
#   make demo   create .venv, install PostSafe, redact sample_images/ into out/ (with reports)
#   make test   install the dev extras and system judges, lint, type-check, run the whole suite
# While working: make test-fast (under a minute) leaves out the tests marked integration.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-fast install-check lint bench sysdeps samples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,yolo]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	rm -rf out
	$(BIN)/postsafe redact sample_images --out out
	@echo "Open out/postsafe-report.html to read the report."

sysdeps:
	bash scripts/install-system-deps.sh

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check scanner tests bench scripts
	$(BIN)/mypy scanner
	$(BIN)/lint-imports

test: $(VENV)/.dev-installed sysdeps lint
	$(BIN)/python -m pytest -q
	bash scripts/check-install.sh $(BIN)/python

# The README's install commands, from a wheel built by `python -m build`, in a fresh venv.
install-check: $(VENV)/.dev-installed
	bash scripts/check-install.sh $(BIN)/python

# Everything but the real models, Ray, Chromium, torch, child processes and 12 MP photos.
test-fast: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -q -m "not integration"

bench: $(VENV)/.dev-installed sysdeps
	$(BIN)/python bench/faces_eval.py
	$(BIN)/python bench/metadata_eval.py --baseline
	$(BIN)/python bench/documents_eval.py
	$(BIN)/python bench/screens_eval.py
	$(BIN)/python bench/collateral_eval.py
	$(BIN)/python bench/text_resolution.py
	$(BIN)/python bench/face_resolution.py
	$(BIN)/python bench/batch_eval.py
	$(BIN)/python bench/speed_eval.py
	$(BIN)/python bench/video_eval.py
	$(BIN)/python bench/startup_eval.py

samples: $(VENV)/.dev-installed
	$(BIN)/python scripts/make_sample_images.py

clean:
	rm -rf out build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

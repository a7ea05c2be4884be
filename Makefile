# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs the first time.

PYTHON ?= python3
VENV ?= .venv
# The CPU build of torch; on a machine with a GPU, `make TORCH=torch ...` takes PyPI's default build.
TORCH ?= torch==2.13.0
ARTICLE := examples/antara-2022-09-15-xi-aliyev.id.txt
BIN := $(VENV)/bin

.PHONY: demo demo-tiny test venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test,ct2,postgres,ray]'
	touch $@

# The main job: translate the example article with the public opus-mt-id-en model.
demo: venv
	$(BIN)/tmtool translate $(ARTICLE) -o article.en.txt
	@echo "wrote article.en.txt; see the pairs with: $(BIN)/tmtool pairs"

# The same job offline, with the tiny model the test suite trains on the example article.
demo-tiny: venv .cache/models/demo-tiny/config.json
	$(BIN)/tmtool translate $(ARTICLE) --model .cache/models/demo-tiny -o article.en.txt

.cache/models/demo-tiny/config.json: scripts/build_tiny_model.py
	$(BIN)/python scripts/build_tiny_model.py .cache/models/demo-tiny

test: venv
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .cache .pytest_cache article.en.txt

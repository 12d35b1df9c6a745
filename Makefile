# Two commands on a fresh machine: `make run` (the demo) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON311 ?= python3.11
# Rasa 3.6 needs Python 3.10: pyenv's newest 3.10, else python3.10 on PATH (each checked to run).
PYTHON310 ?= $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.10.*/bin/python 2>/dev/null | sort -V -r) $$(command -v python3.10); do "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
RASA_VENV := .venv-rasa
MODEL := bot/models/current.tar.gz
BOT_INPUTS := bot/config.yml bot/domain.yml $(wildcard bot/data/*.yml) $(wildcard bot/nlu/*.py) bot/nlu/userdict.txt bot/nlu/places.tsv bot/nlu/interests.tsv
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1

.PHONY: help run run-scaled load test bench eval venv venv-rasa model chromium nginx userdict constraints clean

help:
	@echo "make run    start the demo (dialogue server :5005, guide service :8000)"
	@echo "make run-scaled  two replicas of each behind nginx, on PostgreSQL and Redis (127.0.0.1)"
	@echo "make test   build what is missing, then run every test"
	@echo "make bench  measure the recommender, chat turns and live updates (bench/results/)"
	@echo "make load  concurrent conversations: single, 2 workers and scaled stack (bench/results/)"
	@echo "make eval   crowd forecast error and recommender crowd scenarios (bench/results/)"

run: venv venv-rasa model
	$(VENV)/bin/macau-guide run

# Two replicas of each service behind nginx on the machine's PostgreSQL and Redis (127.0.0.1).
run-scaled: venv venv-rasa model nginx
	$(VENV)/bin/macau-guide run-scaled

test: venv venv-rasa model chromium nginx
	$(VENV)/bin/python -m pytest

bench: venv venv-rasa model
	$(VENV)/bin/python -m bench.run

# N conversations at once: single stack, 2 Sanic workers, scaled stack (bench/results/load.md).
load: venv venv-rasa model nginx
	$(VENV)/bin/python -m bench.load

eval: venv venv-rasa model
	$(VENV)/bin/python -m bench.eval_crowd
	$(VENV)/bin/python -m bench.eval_backtest
	$(VENV)/bin/python -m bench.eval_recommender
	$(VENV)/bin/python -m bench.eval_nlu
	$(VENV)/bin/python -m bench.eval_conversations

# Debian's Chromium for the browser tests (Playwright drives it; no browser download), and
# CJK fonts so pages in Chinese render in it (screenshots included).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
chromium: /usr/bin/chromium $(CJK_FONT) $(EMOJI_FONT)
/usr/bin/chromium $(CJK_FONT) $(EMOJI_FONT):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji

# Debian's nginx (the light build has every module the front needs) for run-scaled and its tests.
nginx: /usr/sbin/nginx
/usr/sbin/nginx:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light

venv: $(VENV)/.installed
venv-rasa: $(RASA_VENV)/.installed
model: $(MODEL)

# The guide service's venv (Python 3.11). torch is the CPU build on this disk; the check
# after installing refuses a CUDA build.
$(VENV)/.installed: pyproject.toml requirements/guide-constraints.txt requirements/guide-test-nodeps.in
	test -x $(VENV)/bin/python || $(PYTHON311) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade "pip>=24"
	$(VENV)/bin/pip install -q -c requirements/guide-constraints.txt "torch==2.13.0"
	$(VENV)/bin/pip install -q -c requirements/guide-constraints.txt -e ".[test]"
	$(VENV)/bin/pip install -q --no-deps -r requirements/guide-test-nodeps.in
	$(VENV)/bin/python -c "import torch, sys; sys.exit('a CUDA build of torch got in' if torch.version.cuda else 0)"
	touch $@

# The dialogue server's venv (Python 3.10), installed against the frozen constraints only.
$(RASA_VENV)/.installed: requirements/rasa.in requirements/rasa-nodeps.in requirements/rasa-constraints.txt
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is needed for Rasa 3.6 and none was found: install it (pyenv install 3.10.13) or pass PYTHON310=/path/to/python3.10"; exit 1; }
	test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --upgrade "pip<25"
	$(RASA_VENV)/bin/pip install -q -r requirements/rasa.in -c requirements/rasa-constraints.txt
	$(RASA_VENV)/bin/pip install -q --no-deps -r requirements/rasa-nodeps.in
	touch $@

bot/nlu/userdict.txt bot/nlu/places.tsv bot/nlu/interests.tsv: data/attractions.yaml data/interests.yaml data/categories.yaml | $(VENV)/.installed
	$(VENV)/bin/macau-guide nlu-dictionary

# Trained only when its inputs changed (make compares times; rasa compares fingerprints).
$(MODEL): $(BOT_INPUTS) $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/rasa train --config bot/config.yml --domain bot/domain.yml --data bot/data \
		--out bot/models --fixed-model-name current
	touch $@

# Refreeze both venvs after a deliberate upgrade.
constraints:
	$(VENV)/bin/pip freeze --exclude-editable | grep -v '^-e ' > requirements/guide-constraints.txt
	$(RASA_VENV)/bin/pip freeze | grep -v '^-e ' > requirements/rasa-constraints.txt

clean:
	rm -rf $(VENV) $(RASA_VENV) bot/models var

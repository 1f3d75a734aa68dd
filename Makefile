# make run   - set up (first time) and measure every sample video against its ground truth
# make test  - set up (first time) and run the whole test suite
VENV ?= .venv
ROM := $(VENV)/bin/rom
PY := $(VENV)/bin/python

.PHONY: setup run test validate serve samples calibration bench lint

setup:
	@bash scripts/setup.sh

run: setup
	$(ROM) validate samples/

test: setup
	bash scripts/test.sh

validate: setup
	$(ROM) validate samples/

serve: setup
	$(ROM) serve

# Re-render the sample clips and the calibration clips with ../shared/tools/synth (needs its venv,
# see its README; SYNTH_PY points at that venv's python).
SYNTH_PY ?= $(HOME)/.venvs/synth/bin/python
SYNTH ?= ../shared/tools/synth
samples:
	$(SYNTH_PY) $(SYNTH)/make_set.py samples/spec.json samples --jobs 2

calibration:
	$(SYNTH_PY) $(SYNTH)/make_set.py calibration/spec.json calibration --jobs 2

bench: setup
	$(PY) bench/engine_speed.py
	$(PY) bench/model_speed.py
	$(PY) bench/batch_speed.py
	$(PY) bench/live_load.py --clients 1 --seconds 20
	$(PY) bench/live_load.py --clients 2 --seconds 20
	$(PY) bench/live_load.py --clients 4 --seconds 60

lint: setup
	$(VENV)/bin/ruff check rom web tests bench calibration

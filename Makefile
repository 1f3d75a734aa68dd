# make run   - set up (first time) and measure every sample video against its ground truth
# make test  - set up (first time) and run the whole test suite
VENV ?= .venv
ROM := $(VENV)/bin/rom
PY := $(VENV)/bin/python

.PHONY: setup run test validate validation synth-setup serve samples calibration bench lint realcheck

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

# Re-render the sample clips and the calibration clips with ../shared/tools/synth (its venv is
# set up by scripts/setup_synth.sh; SYNTH_PY points at that venv's python).
SYNTH_VENV ?= $(HOME)/.venvs/synth
SYNTH_PY ?= $(SYNTH_VENV)/bin/python
SYNTH ?= ../shared/tools/synth
VALIDATION := samples/validation
synth-setup:
	@SYNTH=$(SYNTH) SYNTH_VENV=$(SYNTH_VENV) bash scripts/setup_synth.sh

samples: synth-setup
	$(SYNTH_PY) $(SYNTH)/make_set.py samples/spec.json samples --jobs 2

calibration: synth-setup
	$(SYNTH_PY) $(SYNTH)/make_set.py calibration/spec.json calibration --jobs 2

# The randomized validation set (samples/validation/spec.json, 180 clips): render what is missing
# (about an hour on 2 cores the first time; cached in $(VALIDATION)/clips), then the tables of the
# fit half (where constants are fitted) and of the test half (what the README quotes).
validation: setup synth-setup
	$(SYNTH_PY) $(SYNTH)/make_set.py $(VALIDATION)/spec.json $(VALIDATION)/clips --jobs 2
	$(ROM) validate $(VALIDATION)/clips --split fit --cache $(VALIDATION)/.cache | tee $(VALIDATION)/fit.md
	$(ROM) validate $(VALIDATION)/clips --split test --cache $(VALIDATION)/.cache | tee $(VALIDATION)/test.md

bench: setup
	$(PY) bench/engine_speed.py
	$(PY) bench/model_speed.py
	$(PY) bench/batch_speed.py
	$(PY) bench/worker_speed.py
	$(PY) bench/live_load.py --clients 1 --seconds 20
	$(PY) bench/live_load.py --clients 2 --seconds 20
	$(PY) bench/live_load.py --clients 4 --seconds 60

lint: setup
	$(VENV)/bin/ruff check rom web tests bench calibration

# Score rom on the hand-labelled real clips (samples/real/labels.json) present in
# samples/real/clips/ and samples/real/free/; see samples/real/README.md for getting the clips.
realcheck: setup
	$(PY) samples/real/realcheck.py

# make demo : install, then train and test the Siamese baseline on the generated synthetic data
# make test : install, then run the test suite (slow tests: make test-slow)
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_CONFIG ?= configs/siamese/siamfpn_r18_128x128_500it_synthetic.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: install demo test test-slow benchmark

install:
	bash tools/install.sh

demo: install
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) $(DEMO_WORK_DIR) --work-dir $(DEMO_WORK_DIR) --show-dir $(DEMO_WORK_DIR)/vis

test: install
	$(PY) -m pytest

test-slow: install
	$(PY) -m pytest -m slow

benchmark: install
	$(PY) tools/benchmark.py

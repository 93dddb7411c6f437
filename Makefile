# One entry point for students, instructors and CI. Every target builds .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed

# nbgrader runs `alembic` from PATH, and kernels inherit the environment: put the venv first,
# and train with one thread (two threads can stall small-batch torch training on 2 cores).
export PATH := $(BIN):$(PATH)
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYTHONHASHSEED := 0

.PHONY: demo test test-fast lint format lab release autograde feedback solutions calibrate bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)            ## the whole instructor loop on the sample class, then a summary
	$(BIN)/aelab pipeline

test: $(STAMP)            ## the whole test suite (what CI runs)
	$(BIN)/python -m pytest

test-fast: $(STAMP)       ## everything but the real nbgrader runs (about 1.5 minutes)
	$(BIN)/python -m pytest -m "not course"

lint: $(STAMP)
	$(BIN)/ruff check aelab tests benchmarks
	$(BIN)/ruff format --check aelab tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format aelab tests benchmarks
	$(BIN)/ruff check --fix aelab tests benchmarks

lab: $(STAMP) release     ## JupyterLab on the student release
	cd course/release && $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root)

release: $(STAMP)         ## generate the student release from course/source
	$(BIN)/aelab release

autograde: $(STAMP)       ## autograde everything in course/submitted, export course/grades.csv
	$(BIN)/aelab autograde

feedback: $(STAMP)        ## feedback HTML for every autograded submission
	$(BIN)/aelab feedback

solutions: $(STAMP)       ## execute the masters into solutions/
	$(BIN)/aelab solutions

calibrate: $(STAMP)       ## re-measure the grading targets over many seeds
	$(BIN)/aelab calibrate

bench: $(STAMP)           ## speed and quality benchmarks
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf course/release course/submitted course/autograded course/feedback \
	       course/gradebook.db course/grades.csv course/pipeline.log course/.sample_class

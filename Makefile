# csmetrics — PGXS build.
#
#   make            build the extension for the PostgreSQL whose pg_config is first in PATH
#                   (make PG_CONFIG=/usr/lib/postgresql/NN/bin/pg_config for another major)
#   make install    install it into that PostgreSQL
#   make test       every test on a throw-away server (bash test/run-tests.sh; installs the
#                   Debian packages it needs when run as root; PG_MAJOR=NN picks a major)
#   make demo       the KPI demo on a throw-away server (KEEP=1 leaves it running, PORT=NNNN)
#   make bench      the benchmarks of docs/performance.md, csmetrics against hand-written SQL
#   make test-matrix  make test on PostgreSQL 13, 15, 17 and 18 in Debian chroots (root)
#   make dist       the release tarball csmetrics-<version>.tar.gz (git archive of HEAD)

EXTENSION  = csmetrics
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(firstword $(MAKEFILE_LIST)))csmetrics.control)

MODULE_big = csmetrics
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is assembled from the SQL that sits next to each family's C file, in
# dependency order: the views layer uses every aggregate, so it comes last. Its files start
# with the registry (tables, renderer) and end with the driver (create_kpi_views).
VIEW_PARTS = registry sources survey flow revenue retention support health onboarding actions issues overview driver
SQL_PARTS  = src/preamble.sql src/survey.sql src/flow.sql src/revenue.sql src/mrr_paths.sql \
             src/survival.sql src/health.sql src/roc.sql src/id_set.sql src/median.sql $(patsubst %,src/views/%.sql,$(VIEW_PARTS))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
# sql/ keeps the install scripts of released versions (frozen, so that an upgrade can start
# from them) and the hand-written update scripts between versions.
DATA       = $(wildcard sql/$(EXTENSION)--*.sql)

REGRESS      = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test --no-locale --encoding=UTF8

PG_CPPFLAGS = -I$(CURDIR)/src -DCSM_VERSION='"$(EXTVERSION)"'
# -Wextra minus two warnings that PostgreSQL's own headers trigger: every fmgr function
# has an unused fcinfo parameter somewhere, and utils/array.h compares signed with unsigned.
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare

EXTRA_CLEAN = results regression.diffs regression.out $(EXTENSION)-$(EXTVERSION).tar.gz

# Like every PGXS extension: the pg_config in PATH, or the one given. (The test scripts pass
# the one of the major they test.)
PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.DEFAULT_GOAL := all

# These work on a machine with nothing set up: the scripts install what is missing.
.PHONY: test demo bench test-matrix dist
test:
	@bash test/run-tests.sh $(TESTS)
demo:
	@KEEP=$(KEEP) PORT=$(PORT) bash test/demo.sh
bench:
	@bash test/bench.sh $(BENCH)
test-matrix:
	@bash test/matrix.sh $(MATRIX)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) csmetrics.control
	cat $(SQL_PARTS) > $@

# The release tarball: the committed tree (never build outputs or test results), named after
# the version in csmetrics.control, which META.json and the update scripts must agree with.
DISTNAME = $(EXTENSION)-$(EXTVERSION)
dist:
	@test "$$(grep -c '"version": "$(EXTVERSION)"' META.json)" -eq 2 || \
		{ echo "META.json should give version $(EXTVERSION) (csmetrics.control) twice: release and provides"; exit 1; }
	@test -f sql/$(EXTENSION)--$(EXTVERSION).sql || ls sql/$(EXTENSION)--*--$(EXTVERSION).sql >/dev/null 2>&1 || \
		{ echo "no update script sql/$(EXTENSION)--*--$(EXTVERSION).sql"; exit 1; }
	@git diff --quiet HEAD -- || echo "note: uncommitted changes are not in the tarball (it is made from HEAD)"
	git archive --format=tar.gz --prefix=$(DISTNAME)/ -o $(DISTNAME).tar.gz HEAD
	@echo "$(DISTNAME).tar.gz: $$(tar -tzf $(DISTNAME).tar.gz | grep -vc '/$$') files"

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

# Objects compiled against one PostgreSQL are rebuilt when the build switches to another:
# they depend on a stamp naming the pg_config and version of the last build.
PG_STAMP = .pg-build
$(OBJS) $(OBJS:.o=.bc): $(PG_STAMP)
$(PG_STAMP): FORCE
	@echo '$(PG_CONFIG) $(VERSION)' | cmp -s - $@ || echo '$(PG_CONFIG) $(VERSION)' > $@
.PHONY: FORCE
EXTRA_CLEAN += $(PG_STAMP)
else
# Installed PostgreSQL servers (Debian layout), to name the headers package they need.
PG_INSTALLED = $(patsubst /usr/lib/postgresql/%/bin/postgres,%,$(wildcard /usr/lib/postgresql/*/bin/postgres))
all install installcheck:
	@echo "PostgreSQL's server headers and PGXS were not found (pg_config: $(PG_CONFIG))."
	@$(if $(PG_INSTALLED),$(foreach m,$(PG_INSTALLED),echo "For PostgreSQL $(m): apt-get install postgresql-server-dev-$(m), then make PG_CONFIG=/usr/lib/postgresql/$(m)/bin/pg_config";),echo "Install postgresql-server-dev-NN for your PostgreSQL major NN (13 to 18), or give PG_CONFIG=/path/to/pg_config.")
	@echo "(bash test/run-tests.sh and bash test/demo.sh install what they need when run as root.)"
	@exit 1
endif

# csmetrics — PGXS build.
#
#   make            build the extension (needs postgresql-server-dev-NN)
#   make install    install it into the PostgreSQL that pg_config names
#   make test       every regression suite on a throw-away server (installs Debian packages if needed)
#   make demo       the KPI demo on a throw-away server (KEEP=1 leaves it running)
#   make bench      the benchmarks of docs/performance.md, csmetrics against hand-written SQL

EXTENSION  = csmetrics
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(firstword $(MAKEFILE_LIST)))csmetrics.control)

MODULE_big = csmetrics
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is assembled from the SQL that sits next to each family's C file, in
# dependency order: the views layer uses every aggregate, so it comes last. Its files start
# with the registry (tables, renderer) and end with the driver (create_kpi_views).
VIEW_PARTS = registry sources survey flow revenue support health issues overview driver
SQL_PARTS  = src/preamble.sql src/survey.sql src/flow.sql src/revenue.sql src/mrr_paths.sql \
             src/survival.sql src/health.sql src/roc.sql $(patsubst %,src/views/%.sql,$(VIEW_PARTS))
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

EXTRA_CLEAN = results regression.diffs regression.out

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.DEFAULT_GOAL := all

# These three work on a machine with nothing set up: the scripts install what is missing.
.PHONY: test demo bench
test:
	@bash test/run-tests.sh $(TESTS)
demo:
	@KEEP=$(KEEP) bash test/demo.sh
bench:
	@bash test/bench.sh $(BENCH)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) csmetrics.control
	cat $(SQL_PARTS) > $@

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install:
	@echo "PostgreSQL server headers not found (pg_config: $(PG_CONFIG))."
	@echo "Install them with: apt-get install -y postgresql-server-dev-15"
	@echo "(make test / make demo install them for you when run as root)"
	@exit 1
endif

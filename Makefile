# Thin wrapper over scripts/install (which does the work; see its header).
#   make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: install
install:
	scripts/install --prefix "$(PREFIX)" --destdir "$(DESTDIR)"

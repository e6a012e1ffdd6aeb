# Installs os-refresh-config the usual way: `make install` (PREFIX=/usr/local,
# DESTDIR for staging), `make uninstall`. `make test` is the whole test suite.
PREFIX ?= /usr/local
DESTDIR ?=
STATEDIR ?= /var/lib/os-refresh-config
BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
BUILD = .build/install
BINARY = $(BUILD)/release/os-refresh-config

.PHONY: all build install uninstall test clean

all: build

build: $(BUILD)/os-refresh-config.1 $(BUILD)/completions

$(BINARY): Package.swift $(shell find Sources migrations -type f)
	swift build -c release --product os-refresh-config --scratch-path $(BUILD)

# The man page is generated from the command's own definitions, so it cannot
# drift from the code.
$(BUILD)/os-refresh-config.1: $(BINARY)
	$(BINARY) --generate-manual > $@.tmp && mv $@.tmp $@

$(BUILD)/completions: $(BINARY)
	mkdir -p $@
	$(BINARY) --generate-completion-script bash > $@/os-refresh-config
	$(BINARY) --generate-completion-script zsh > $@/_os-refresh-config
	$(BINARY) --generate-completion-script fish > $@/os-refresh-config.fish

install: build
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 0755 $(BINARY) $(BINDIR)/os-refresh-config
	install -m 0644 $(BUILD)/os-refresh-config.1 $(MANDIR)/os-refresh-config.1
	install -m 0644 $(BUILD)/completions/os-refresh-config $(BASHDIR)/os-refresh-config
	install -m 0644 $(BUILD)/completions/_os-refresh-config $(ZSHDIR)/_os-refresh-config
	install -m 0644 $(BUILD)/completions/os-refresh-config.fish $(FISHDIR)/os-refresh-config.fish
	install -d -m 0700 $(DESTDIR)$(STATEDIR)

uninstall:
	rm -f $(BINDIR)/os-refresh-config $(MANDIR)/os-refresh-config.1 $(BASHDIR)/os-refresh-config \
	  $(ZSHDIR)/_os-refresh-config $(FISHDIR)/os-refresh-config.fish
	-rmdir $(DESTDIR)$(STATEDIR) 2>/dev/null

test:
	bash .ci/run

clean:
	rm -rf $(BUILD)

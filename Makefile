# Installs os-refresh-config the usual way: `make install` (PREFIX=/usr/local,
# DESTDIR for staging), `make uninstall`. `make test` runs the whole suite.
PREFIX ?= /usr/local
DESTDIR ?=
STATEDIR ?= /var/lib/os-refresh-config
BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
BINARY = .build/release/os-refresh-config
GENERATED = .build/generated
MANUAL = .build/plugins/GenerateManual/outputs/os-refresh-config/os-refresh-config.1

.PHONY: all build install uninstall test clean

all: build

# The man page and the completions are generated from the command's own
# definitions (swift-argument-parser), so they cannot drift from the code.
build:
	swift build -c release --product os-refresh-config
	swift package --allow-writing-to-package-directory generate-manual --authors "os-refresh-config developers"
	mkdir -p $(GENERATED)
	sed 's/^$$/.Pp/' $(MANUAL) > $(GENERATED)/os-refresh-config.1
	$(BINARY) --generate-completion-script bash > $(GENERATED)/os-refresh-config.bash
	$(BINARY) --generate-completion-script zsh > $(GENERATED)/_os-refresh-config
	$(BINARY) --generate-completion-script fish > $(GENERATED)/os-refresh-config.fish

install: build
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 0755 $(BINARY) $(BINDIR)/os-refresh-config
	install -m 0644 $(GENERATED)/os-refresh-config.1 $(MANDIR)/os-refresh-config.1
	install -m 0644 $(GENERATED)/os-refresh-config.bash $(BASHDIR)/os-refresh-config
	install -m 0644 $(GENERATED)/_os-refresh-config $(ZSHDIR)/_os-refresh-config
	install -m 0644 $(GENERATED)/os-refresh-config.fish $(FISHDIR)/os-refresh-config.fish
	install -d -m 0700 $(DESTDIR)$(STATEDIR)

uninstall:
	rm -f $(BINDIR)/os-refresh-config $(MANDIR)/os-refresh-config.1 $(BASHDIR)/os-refresh-config \
	  $(ZSHDIR)/_os-refresh-config $(FISHDIR)/os-refresh-config.fish
	-rmdir $(DESTDIR)$(STATEDIR) 2>/dev/null

test:
	bash .ci/run

clean:
	rm -rf $(GENERATED)

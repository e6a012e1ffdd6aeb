# Installs os-refresh-config the usual way: `make install` (PREFIX=/usr/local,
# DESTDIR for staging), `make uninstall`; `make deb` builds the Debian package
# into dist/. `make test` runs the whole suite.
PREFIX ?= /usr/local
DESTDIR ?=
STATEDIR ?= /var/lib/os-refresh-config
BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
# The Swift runtime is linked in, so the binary needs no toolchain on a node
# (libc, libm, libstdc++, libgcc_s and libsqlite3 only), and carries no
# RUNPATH. It is linked against a Debian 11 sysroot (scripts/make-sysroot,
# cached in .cache/sysroot): glibc 2.31, GCC 10's libstdc++ and SQLite 3.34,
# so it asks for no symbol newer than those and runs on Debian 11 and later,
# Ubuntu 20.04 and later and the RHEL 9 family. pkg-config answers from the
# sysroot too, and one libstdc++ function GCC 10's lacks comes from CxxCompat.
# `make build SYSROOT=` links against the build machine's libraries instead
# (then its glibc decides the floor: 2.35 on Debian 12).
# (Made on first use only, and once: the variable memoizes itself.)
SYSROOT ?= $(eval SYSROOT := $$(shell scripts/make-sysroot))$(SYSROOT)
SYSROOT_FLAGS = $(if $(SYSROOT),-Xswiftc -sdk -Xswiftc $(SYSROOT) -Xcc --sysroot=$(SYSROOT) \
  -Xcxx --sysroot=$(SYSROOT) -Xcxx -DORC_LIBSTDCXX_COMPAT -Xlinker --sysroot=$(SYSROOT) \
  -Xswiftc -Xclang-linker -Xswiftc --sysroot=$(SYSROOT))
SYSROOT_ENV = $(if $(SYSROOT),PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
  PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/x86_64-linux-gnu/pkgconfig)
SCRATCH = .build/node
# The static Swift runtime's autolink entries name libutil, which nothing
# calls (forkpty and openpty are Foundation's Process, not linked in): the
# entry is removed after the link (an -Xlinker --as-needed lands after the
# libraries on swiftc's link line, where it changes nothing), and
# scripts/check-install checks the binary still needs no libutil symbol.
SWIFT_RELEASE = $(SYSROOT_ENV) swift build -c release --product os-refresh-config --static-swift-stdlib \
  --disable-local-rpath --scratch-path $(SCRATCH) $(SYSROOT_FLAGS) && \
  patchelf --remove-needed libutil.so.1 $(SCRATCH)/release/os-refresh-config
BUILT = $(SCRATCH)/release/os-refresh-config
GENERATED = .build/generated
BINARY = $(GENERATED)/os-refresh-config
# What `install` installs: the stripped binary (debian/rules installs the
# unstripped one, and dh_strip splits its debug symbols into a -dbgsym package).
INSTALL_BINARY ?= $(BINARY)
MANUAL = .build/plugins/GenerateManual/outputs/os-refresh-config/os-refresh-config.1

.PHONY: all build release-binary history-generator install install-files uninstall test clean deb rpm

all: build

# The man page and the completions are generated from the command's own
# definitions (swift-argument-parser), so they cannot drift from the code.
# The installed binary is stripped; its debug information is kept beside it
# in os-refresh-config.debug (linked by .gnu_debuglink) for crash analysis.
# The plugin builds the package itself, in debug mode (what it reads, the
# command's definitions, is the same in any mode): it reuses the debug build
# `swift build` and .ci/run made, where a release build would be a second
# full one of the whole package.
build:
	swift package --allow-writing-to-package-directory generate-manual --configuration debug \
	  --authors "os-refresh-config developers"
	$(SWIFT_RELEASE)
	mkdir -p $(GENERATED)
	objcopy --only-keep-debug $(BUILT) $(GENERATED)/os-refresh-config.debug
	objcopy --strip-all --add-gnu-debuglink=$(GENERATED)/os-refresh-config.debug $(BUILT) $(BINARY)
	# Its SYNOPSIS as the command is used: a bare os-refresh-config refreshes
	# (the generator would say a subcommand is required).
	sed -e 's/^$$/.Pp/' -e '/^\.Sh SYNOPSIS$$/,/^\.Sh DESCRIPTION$$/{/^\.Sh/!d;}' \
	  -e 's/^\.Sh SYNOPSIS$$/.Sh SYNOPSIS\n.Nm\n.Op Ar refresh-options\n.Nm\n.Ar subcommand\n.Op Ar options/' \
	  $(MANUAL) > $(GENERATED)/os-refresh-config.1
	$(BINARY) --generate-completion-script bash | sed '1{/^#!/d}' > $(GENERATED)/os-refresh-config.bash
	$(BINARY) --generate-completion-script zsh > $(GENERATED)/_os-refresh-config
	$(BINARY) --generate-completion-script fish > $(GENERATED)/os-refresh-config.fish

# The release binary alone, as shipped (bench/run measures it):
# $(BUILT). `make release-binary SYSROOT= SCRATCH=.build/host` links one
# against the build machine's libraries, to compare.
release-binary:
	$(SWIFT_RELEASE)

# The history generator bench/run fills histories with, built beside the
# release binary (the same scratch path and flags: the modules they share
# are compiled once, not a second time for a host build).
history-generator:
	$(SYSROOT_ENV) swift build -c release --product orc-history-generator --static-swift-stdlib \
	  --disable-local-rpath --scratch-path $(SCRATCH) $(SYSROOT_FLAGS)

install: build install-files

# What `install` copies, without building first (rpmbuild's %install).
install-files:
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 0755 $(INSTALL_BINARY) $(BINDIR)/os-refresh-config
	install -m 0644 $(GENERATED)/os-refresh-config.1 $(MANDIR)/os-refresh-config.1
	install -m 0644 $(GENERATED)/os-refresh-config.bash $(BASHDIR)/os-refresh-config
	install -m 0644 $(GENERATED)/_os-refresh-config $(ZSHDIR)/_os-refresh-config
	install -m 0644 $(GENERATED)/os-refresh-config.fish $(FISHDIR)/os-refresh-config.fish
	install -d -m 0700 $(DESTDIR)$(STATEDIR)

uninstall:
	rm -f $(BINDIR)/os-refresh-config $(MANDIR)/os-refresh-config.1 $(BASHDIR)/os-refresh-config \
	  $(ZSHDIR)/_os-refresh-config $(FISHDIR)/os-refresh-config.fish
	-rmdir $(DESTDIR)$(STATEDIR) 2>/dev/null

# The Debian package, built as Debian builds packages (debhelper), into dist/.
deb:
	dpkg-buildpackage -b -us -uc
	mkdir -p dist
	mv ../os-refresh-config-swift_*.deb ../os-refresh-config-swift-dbgsym_*.deb ../os-refresh-config-swift_*.buildinfo \
	  ../os-refresh-config-swift_*.changes dist/ 2>/dev/null || true

# The RPM, for RHEL-family nodes, built with rpmbuild (Debian's rpm package)
# from what `build` made, into dist/; rpmlint checks it.
VERSION = $(shell sed -n 's/.*current = "\(.*\)"/\1/p' Sources/RefreshVocabulary/ProductVersion.swift)
rpm: build
	rm -rf .build/rpm
	rpmbuild -bb --quiet --define "_topdir $(CURDIR)/.build/rpm" --define "tree $(CURDIR)" \
	  --define "version $(VERSION)" --define "_build_id_links none" rpm/os-refresh-config-swift.spec
	mkdir -p dist
	mv .build/rpm/RPMS/*/os-refresh-config-swift-$(VERSION)-1.*.rpm dist/
	rpmlint --rpmlintrc rpm/os-refresh-config-swift.rpmlintrc dist/os-refresh-config-swift-$(VERSION)-1.*.rpm

test:
	bash .ci/run

clean:
	rm -rf $(GENERATED) dist

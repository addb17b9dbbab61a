# Build and install mimicc: the release binary, its man page (generated from --help by
# swift-argument-parser's generate-manual plugin) and shell completions.
#   make                      # swift build -c release
#   sudo make install         # into /usr/local (PREFIX=..., DESTDIR=... for packaging)
#   sudo make uninstall
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
MANPAGE = .build/plugins/GenerateManual/outputs/mimicc/mimicc.1

.PHONY: all build man install uninstall

all: build

build:
	swift build -c release

man: build
	swift package generate-manual

install: build man
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 755 .build/release/mimicc $(BINDIR)/mimicc
	install -m 644 $(MANPAGE) $(MANDIR)/mimicc.1
	.build/release/mimicc --generate-completion-script bash > $(BASHDIR)/mimicc
	.build/release/mimicc --generate-completion-script zsh > $(ZSHDIR)/_mimicc
	.build/release/mimicc --generate-completion-script fish > $(FISHDIR)/mimicc.fish

uninstall:
	rm -f $(BINDIR)/mimicc $(MANDIR)/mimicc.1 $(BASHDIR)/mimicc $(ZSHDIR)/_mimicc $(FISHDIR)/mimicc.fish

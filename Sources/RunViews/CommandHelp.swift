/// The prose of `os-refresh-config --help` and of the man page generated
/// from it: what the command does, its environment, files, exit statuses
/// and examples.
public enum CommandHelp {
  /// The top-level discussion.
  public static let discussion = """
    Runs the executable scripts of the phase directories of the base directory in order: \
    pre-configure.d (quiesce), configure.d, post-configure.d (activate: restart services), \
    migration.d (online migrations). The files of environment.d are sourced by bash before each \
    phase; when a phase fails, error.d runs and the exit status is 1. A drop-in replacement for \
    os-refresh-config 14.1.0 with dib-run-parts 0.0.11, which also records every run in a local \
    SQLite history: see the history and diff subcommands.

    Scripts are the entries of a phase directory that are regular files (after symlinks), \
    executable, and whose names match RUN_PARTS_REGEX (default ^[0-9A-Za-z_-]+$), run in \
    LC_ALL=C sort -n order.

    ENVIRONMENT: OS_REFRESH_CONFIG_BASE_DIR, the base directory (default \
    /usr/libexec/os-refresh-config); OS_REFRESH_CONFIG_DB, the history database (default \
    /var/lib/os-refresh-config/history.sqlite); RUN_PARTS_REGEX, the names scripts must match; \
    OS_CONFIG_FILES, the colon-separated Heat metadata files os-collect-config passes, recorded \
    with each run; NO_COLOR, no colour in human output; JOURNAL_STREAM, set by systemd: log \
    lines then carry their priority for journalctl -p.

    FILES: /usr/libexec/os-refresh-config (base directory), /var/run/os-refresh-config.lock \
    (lock), /var/lib/os-refresh-config/history.sqlite (history, directory 0700, file 0600).

    EXIT STATUS: 0 every phase completed; 1 a phase failed or the timeout elapsed, or bad input; \
    2 usage error; 11 another refresh holds the lock; 128+N stopped by signal N (SIGTERM 143).

    EXAMPLES: os-refresh-config --timeout 3600 (a refresh); os-refresh-config --dry-run (what \
    would run); os-refresh-config history (runs, newest first); os-refresh-config history show \
    last-failure (what failed and what it printed); os-refresh-config diff (what changed since \
    the last successful run); os-refresh-config diff --output 41 42 (two runs, with output diffs).
    """
}

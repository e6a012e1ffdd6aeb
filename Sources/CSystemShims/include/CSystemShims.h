#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

#include <signal.h>
#include <stddef.h>

/// Makes the calling process a subreaper: orphaned descendants are re-parented
/// to it instead of to init (prctl(2), PR_SET_CHILD_SUBREAPER). Returns 0 or -1/errno.
int orc_set_child_subreaper(void);

/// Opens a signalfd(2) for the signals in mask, close-on-exec. Returns the fd or -1/errno.
int orc_signalfd(const sigset_t *mask);

/// Reads one signalfd_siginfo record from fd and stores its signal number.
/// Returns 1 when a record was read, 0 when none was ready, -1/errno on error.
int orc_signalfd_read(int fd, int *signo);

/// What a child starts with beyond our own state: the state the shell that
/// sourced environment.d left (umask, working directory, resource limits).
struct orc_child_state {
  /// The working directory, or NULL for ours.
  const char *directory;
  /// The umask, or -1 for ours.
  int umask;
  /// How many resource limits follow.
  int limit_count;
  /// RLIMIT_* numbers, and each one's soft and hard limit.
  const int *limit_resources;
  const unsigned long *limit_soft;
  const unsigned long *limit_hard;
  /// Signals (bit N-1 for signal N) the child starts with ignored, besides
  /// those ignored when we started: what environment.d's `trap ''` ignored.
  unsigned long long ignored_signals;
};

/// Records which signals were ignored when we started (before we changed any
/// disposition), as the parent that started us set them: children keep
/// them ignored, as children of the reference do, but for SIGPIPE and
/// SIGXFSZ (the reference's Python resets those in its children) and SIGCHLD.
void orc_record_inherited_ignores(void);

/// Starts `path` with vfork(2) and execve(2). In the child, every signal gets
/// its default disposition (but those orc_record_inherited_ignores found
/// ignored, and `state`'s ignored_signals, which stay ignored) and the mask is emptied (through the raw system
/// calls, so glibc's internal signals 32 and 33 are reset too, which glibc
/// 2.36's posix_spawn leaves ignored); `redirect_from[i]` is duplicated onto
/// `redirect_to[i]`, every descriptor from `close_from` on is closed, and the
/// soft RLIMIT_NOFILE is put back as we were started with it
/// (orc_raise_descriptor_limit). Then `state`, when not NULL, is applied:
/// its limits (after ours, so they win), its umask and its directory.
/// Returns the pid, or -1 with the errno of the failed step in *error_out
/// and, in *step_out, 0 when execve failed, 1 when chdir did, 2 for the rest.
int orc_spawn(const char *path, char *const argv[], char *const envp[],
              const int *redirect_from, const int *redirect_to, int redirect_count,
              int close_from, const struct orc_child_state *state, int *error_out, int *step_out);

/// Raises our soft RLIMIT_NOFILE to the hard limit, so that we never run out
/// of descriptors, and has orc_spawn give children the soft limit we were
/// started with. Returns that limit, or -1 when nothing was raised.
long orc_raise_descriptor_limit(void);

/// Sets FD_CLOEXEC on every descriptor from lowfd on (close_range(2) with
/// CLOSE_RANGE_CLOEXEC; before Linux 5.11, each descriptor /proc/self/fd
/// lists). Returns 0 or -1/errno.
int orc_cloexec_from(int lowfd);

/// For tests: with walk 1, orc_cloexec_from and orc_spawn do as on a kernel
/// without close_range (walking /proc/self/fd, closing one by one); 0 undoes it.
void orc_use_descriptor_walk(int walk);

/// pipe2(2) with O_CLOEXEC. Returns 0 or -1/errno.
int orc_pipe_cloexec(int descriptors[2]);

/// O_NOATIME, which glibc shows only to _GNU_SOURCE.
int orc_open_noatime_flag(void);

/// Whether the signal's disposition is SIG_IGN (inherited across exec).
int orc_signal_is_ignored(int signo);

/// The width of the terminal on `fd` in columns (TIOCGWINSZ), or 0 when it
/// is not a terminal.
int orc_terminal_columns(int fd);

/// The room left in the pipe `fd` writes to: its capacity (F_GETPIPE_SZ)
/// less what is unread in it (FIONREAD); -1 when `fd` is not a pipe.
long orc_pipe_free_space(int fd);

/// A descriptor that becomes readable when process `pid` (our child) ends
/// (pidfd_open(2), Linux 5.3), close-on-exec. Returns the fd or -1/errno.
int orc_pidfd_open(int pid);

/// Asks for a pipe of `size` bytes (F_SETPIPE_SZ, capped by
/// /proc/sys/fs/pipe-max-size). Returns the size given or -1/errno.
int orc_set_pipe_size(int fd, int size);

/// Opens a pseudo-terminal for a child's output: *controller is ours
/// (close-on-exec), *terminal the child's end, both O_NOCTTY so that it is
/// nobody's controlling terminal. The terminal is put in raw mode (bytes
/// pass unchanged: no CR before LF) and given the window size of
/// `size_from` when that is a terminal. Returns 0 or -1/errno.
int orc_open_terminal(int size_from, int *controller, int *terminal);

/// Gives the pseudo-terminal `controller` the window size of the terminal
/// `size_from` (TIOCGWINSZ, TIOCSWINSZ). Returns 0 or -1/errno.
int orc_copy_window_size(int size_from, int controller);

/// Whether descriptors `a` and `b` are the same file, pipe, socket or
/// terminal (the same device and inode).
int orc_same_file(int a, int b);

/// tee(2) with SPLICE_F_NONBLOCK: duplicates up to `length` bytes from the
/// pipe `from` into the pipe `to` without consuming them. Returns the count
/// (0 at end of input) or -1/errno (EAGAIN: nothing to take, or no room).
long orc_tee(int from, int to, size_t length);

/// The bytes waiting in pipe `fd` (FIONREAD), or -1.
int orc_pipe_unread(int fd);

/// SHA-256's compression of `blocks` 64-byte blocks into `state`: with the
/// CPU's SHA extensions when it has them (x86 SHA-NI), else in portable C.
void orc_sha256_blocks(unsigned int state[8], const unsigned char *data, size_t blocks);

/// The portable C compression alone, whatever the CPU (for tests that hold
/// the two paths to each other).
void orc_sha256_blocks_portable(unsigned int state[8], const unsigned char *data, size_t blocks);

/// memmem(3), a GNU extension Swift's Glibc module does not export: the
/// first occurrence of `needle` in `haystack`, found in linear time, or NULL.
const void *orc_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

/// A fanotify(7) group reporting directory entries by name (FAN_CLASS_NOTIF |
/// FAN_REPORT_DFID_NAME, close-on-exec, non-blocking): notification only, so
/// no other process's file access ever waits on it; its marks are not
/// limited by fs.fanotify.max_user_marks (FAN_UNLIMITED_MARKS, which needs
/// CAP_SYS_ADMIN). Returns the fd or -1/errno.
int orc_fanotify_init(void);

/// Marks the directory open as `directory` (not O_PATH) for `mask`, events
/// on its entries included (FAN_EVENT_ON_CHILD). Returns 0 or -1/errno.
int orc_fanotify_mark_directory(int fd, unsigned long long mask, int directory);

/// How many events the group's queue holds now, or -1/errno. (FIONREAD
/// counts each event's metadata alone, not its names: the count is exact,
/// the bytes it gives are not.)
long orc_fanotify_queued_events(int fd);

/// One fanotify event as parsed from a read buffer.
struct orc_fanotify_event {
  unsigned long long mask;
  int pid;
  /// The directory's file handle (struct file_handle) and the entry's name
  /// (NUL-terminated), or NULL; for FAN_RENAME the old ones here and the
  /// new ones in `to_*`.
  const void *handle;
  const char *name;
  const void *to_handle;
  const char *to_name;
  /// The filesystem id the handles belong to.
  unsigned long long fsid;
};

/// Parses the event at `*offset` of `buffer[0..<length]` into `event` and
/// advances `*offset`. Returns 1 when one was parsed, 0 at the end, -1 when
/// the buffer holds a malformed event.
int orc_fanotify_next(const unsigned char *buffer, size_t length, size_t *offset, struct orc_fanotify_event *event);

/// The size in bytes of a file handle as the kernel reported it.
size_t orc_file_handle_size(const void *handle);

/// Opens (O_PATH) the directory `handle` names on the filesystem of
/// `mount_fd` (open_by_handle_at(2)). Returns the fd or -1/errno.
int orc_open_directory_by_handle(int mount_fd, const void *handle);

/// The fsid of the filesystem holding `fd` (statfs(2)), as fanotify reports it.
int orc_filesystem_id(int fd, unsigned long long *fsid);

#endif

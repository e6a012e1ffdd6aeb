#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

#include <signal.h>
#include <spawn.h>

/// Makes the calling process a subreaper: orphaned descendants are re-parented
/// to it instead of to init (prctl(2), PR_SET_CHILD_SUBREAPER). Returns 0 or -1/errno.
int orc_set_child_subreaper(void);

/// Opens a signalfd(2) for the signals in mask, close-on-exec. Returns the fd or -1/errno.
int orc_signalfd(const sigset_t *mask);

/// Reads one signalfd_siginfo record from fd and stores its signal number.
/// Returns 1 when a record was read, 0 when none was ready, -1/errno on error.
int orc_signalfd_read(int fd, int *signo);

/// Adds "close every descriptor from lowfd on" to the spawn file actions
/// (glibc's posix_spawn_file_actions_addclosefrom_np). Returns 0 or an errno value.
int orc_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);

/// Sets FD_CLOEXEC on every descriptor from lowfd on (close_range(2) with
/// CLOSE_RANGE_CLOEXEC). Returns 0 or -1/errno.
int orc_cloexec_from(int lowfd);

/// pipe2(2) with O_CLOEXEC. Returns 0 or -1/errno.
int orc_pipe_cloexec(int descriptors[2]);

/// Whether the signal's disposition is SIG_IGN (inherited across exec).
int orc_signal_is_ignored(int signo);

#endif

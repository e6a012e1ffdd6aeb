#define _GNU_SOURCE
#include "CSystemShims.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <termios.h>
#include <string.h>
#include <unistd.h>

int orc_set_child_subreaper(void) {
  return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int orc_signalfd(const sigset_t *mask) {
  return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int orc_signalfd_read(int fd, int *signo) {
  struct signalfd_siginfo info;
  for (;;) {
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) {
      *signo = (int)info.ssi_signo;
      return 1;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 0;
    if (n >= 0) errno = EIO;
    return -1;
  }
}

/* The soft RLIMIT_NOFILE children get back, or -1 to leave theirs alone. */
static volatile long orc_child_nofile = -1;

long orc_raise_descriptor_limit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return -1;
  long original = (long)limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  orc_child_nofile = original;
  return original;
}

/* The kernel's struct sigaction for rt_sigaction(2): no restorer is needed for SIG_DFL. */
struct orc_kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned long mask;
};

int orc_spawn(const char *path, char *const argv[], char *const envp[],
              const int *redirect_from, const int *redirect_to, int redirect_count,
              int close_from, const struct orc_child_state *state, int *error_out, int *step_out) {
  unsigned long block_all = ~0UL, saved_mask = 0, empty_mask = 0;
  /* Block everything (internal signals too) so that no handler of ours runs
     in the child, which shares our memory until it calls execve. */
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &block_all, &saved_mask, sizeof block_all);
  volatile int child_error = 0;
  volatile int child_step = 2;
  pid_t pid = vfork();
  if (pid == 0) {
    struct orc_kernel_sigaction default_action = {SIG_DFL, 0, 0, 0};
    for (int signo = 1; signo <= 64; signo++) {
      if (signo == SIGKILL || signo == SIGSTOP) continue;
      syscall(SYS_rt_sigaction, signo, &default_action, NULL, sizeof(unsigned long));
    }
    for (int i = 0; i < redirect_count; i++) {
      if (redirect_from[i] == redirect_to[i]) {
        if (fcntl(redirect_to[i], F_SETFD, 0) < 0) goto failed;
      } else if (dup2(redirect_from[i], redirect_to[i]) < 0) {
        goto failed;
      }
    }
    if (close_from >= 0) syscall(SYS_close_range, (unsigned)close_from, ~0U, 0);
    if (orc_child_nofile >= 0) {
      struct rlimit limit;
      if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = (rlim_t)orc_child_nofile;
        setrlimit(RLIMIT_NOFILE, &limit);
      }
    }
    if (state != NULL) {
      for (int i = 0; i < state->limit_count; i++) {
        struct rlimit limit = {(rlim_t)state->limit_soft[i], (rlim_t)state->limit_hard[i]};
        /* The shell that sourced environment.d set it with our credentials;
           a limit it could set, we can. */
        setrlimit(state->limit_resources[i], &limit);
      }
      if (state->umask >= 0) umask((mode_t)state->umask);
      if (state->directory != NULL && chdir(state->directory) != 0) {
        child_step = 1;
        goto failed;
      }
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, NULL, sizeof empty_mask);
    child_step = 0;
    execve(path, argv, envp);
  failed:
    child_error = errno ? errno : EIO;
    _exit(127);
  }
  int fork_error = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved_mask, NULL, sizeof saved_mask);
  if (pid < 0) {
    *error_out = fork_error;
    *step_out = 2;
    return -1;
  }
  if (child_error != 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    *error_out = child_error;
    *step_out = child_step;
    return -1;
  }
  return pid;
}

int orc_cloexec_from(int lowfd) {
  return (int)syscall(SYS_close_range, (unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC);
}

int orc_pipe_cloexec(int descriptors[2]) {
  return pipe2(descriptors, O_CLOEXEC);
}

int orc_signal_is_ignored(int signo) {
  struct sigaction current;
  if (sigaction(signo, NULL, &current) != 0) return 0;
  return current.sa_handler == SIG_IGN;
}

int orc_terminal_columns(int fd) {
  struct winsize size;
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

long orc_pipe_free_space(int fd) {
  int capacity = fcntl(fd, F_GETPIPE_SZ);
  int unread = 0;
  if (capacity < 0 || ioctl(fd, FIONREAD, &unread) != 0) return -1;
  return capacity > unread ? (long)(capacity - unread) : 0;
}

int orc_pidfd_open(int pid) {
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

int orc_set_pipe_size(int fd, int size) {
  return fcntl(fd, F_SETPIPE_SZ, size);
}

const void *orc_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
  return memmem(haystack, haystack_length, needle, needle_length);
}

int orc_copy_window_size(int size_from, int controller) {
  struct winsize size;
  if (ioctl(size_from, TIOCGWINSZ, &size) != 0) return -1;
  return ioctl(controller, TIOCSWINSZ, &size);
}

int orc_open_terminal(int size_from, int *controller, int *terminal) {
  int ours = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (ours < 0) return -1;
  char name[128];
  int theirs = -1;
  if (grantpt(ours) != 0 || unlockpt(ours) != 0 || ptsname_r(ours, name, sizeof name) != 0) goto failed;
  theirs = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (theirs < 0) goto failed;
  struct termios settings;
  if (tcgetattr(theirs, &settings) != 0) goto failed;
  cfmakeraw(&settings);
  if (tcsetattr(theirs, TCSANOW, &settings) != 0) goto failed;
  orc_copy_window_size(size_from, ours);
  *controller = ours;
  *terminal = theirs;
  return 0;
failed:;
  int error = errno;
  if (theirs >= 0) close(theirs);
  close(ours);
  errno = error;
  return -1;
}

int orc_same_file(int a, int b) {
  struct stat first, second;
  if (fstat(a, &first) != 0 || fstat(b, &second) != 0) return 0;
  return first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

long orc_tee(int from, int to, size_t length) {
  return (long)tee(from, to, length, SPLICE_F_NONBLOCK);
}

int orc_pipe_unread(int fd) {
  int unread = 0;
  return ioctl(fd, FIONREAD, &unread) == 0 ? unread : -1;
}

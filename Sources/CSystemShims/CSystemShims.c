#define _GNU_SOURCE
#include "CSystemShims.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/close_range.h>
#include <spawn.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
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

/* Built against older kernel headers (the glibc 2.31 sysroot's, Linux 5.10):
   the numbers are the kernel's ABI, the same on every x86_64 and arm64 kernel. */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Whether close_range(2) with CLOSE_RANGE_CLOEXEC works here (Linux 5.11 and
   later): 1 yes, 0 no (an older kernel: /proc/self/fd is walked instead), -1
   not yet known. */
static volatile int orc_close_range_works = -1;

/* Set by tests: behave as on a kernel without close_range. */
static volatile int orc_force_walk = 0;

void orc_use_descriptor_walk(int walk) { orc_force_walk = walk; }

/* Walks /proc/self/fd: marks every descriptor from cloexec_from on
   close-on-exec (none when cloexec_from is negative), and returns the
   highest open; -1 when /proc cannot be read. */
static int orc_walk_descriptors(int cloexec_from) {
  DIR *directory = opendir("/proc/self/fd");
  if (directory == NULL) return -1;
  int highest = -1;
  struct dirent *entry;
  while ((entry = readdir(directory)) != NULL) {
    int fd = atoi(entry->d_name);
    if (fd == dirfd(directory)) continue;
    if (fd > highest) highest = fd;
    if (cloexec_from >= 0 && fd >= cloexec_from) {
      int flags = fcntl(fd, F_GETFD);
      if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
  closedir(directory);
  return highest;
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

/* Bit N-1: signal N was ignored when we started. */
static unsigned long long orc_inherited_ignored = 0;

void orc_record_inherited_ignores(void) {
  for (int signo = 1; signo <= 64; signo++) {
    if (signo == SIGKILL || signo == SIGSTOP || signo == SIGCHLD || signo == SIGPIPE || signo == SIGXFSZ) continue;
    struct orc_kernel_sigaction current;
    if (syscall(SYS_rt_sigaction, signo, NULL, &current, sizeof(unsigned long)) == 0 && current.handler == SIG_IGN)
      orc_inherited_ignored |= 1ULL << (signo - 1);
  }
}

int orc_spawn(const char *path, char *const argv[], char *const envp[],
              const int *redirect_from, const int *redirect_to, int redirect_count,
              int close_from, const struct orc_child_state *state, int *error_out, int *step_out) {
  unsigned long block_all = ~0UL, saved_mask = 0, empty_mask = 0;
  /* Block everything (internal signals too) so that no handler of ours runs
     in the child, which shares our memory until it calls execve. */
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &block_all, &saved_mask, sizeof block_all);
  volatile int child_error = 0;
  volatile int child_step = 2;
  /* Only where close_range cannot be trusted: found before the fork. */
  int trusted = orc_close_range_works == 1 && !orc_force_walk;
  int highest_open = trusted ? -1 : orc_walk_descriptors(-1);
  if (highest_open < 0 && !trusted) highest_open = 65535;
  pid_t pid = vfork();
  if (pid == 0) {
    struct orc_kernel_sigaction default_action = {SIG_DFL, 0, 0, 0};
    struct orc_kernel_sigaction ignore_action = {SIG_IGN, 0, 0, 0};
    unsigned long long ignored = orc_inherited_ignored | (state != NULL ? state->ignored_signals : 0);
    for (int signo = 1; signo <= 64; signo++) {
      if (signo == SIGKILL || signo == SIGSTOP) continue;
      int keep_ignored = (ignored >> (signo - 1)) & 1;
      syscall(SYS_rt_sigaction, signo, keep_ignored ? &ignore_action : &default_action, NULL, sizeof(unsigned long));
    }
    for (int i = 0; i < redirect_count; i++) {
      if (redirect_from[i] == redirect_to[i]) {
        if (fcntl(redirect_to[i], F_SETFD, 0) < 0) goto failed;
      } else if (dup2(redirect_from[i], redirect_to[i]) < 0) {
        goto failed;
      }
    }
    if (close_from >= 0 && (orc_force_walk || syscall(SYS_close_range, (unsigned)close_from, ~0U, 0) != 0)) {
      /* A kernel without close_range (before 5.9): every descriptor up to
         the highest open before the fork. */
      for (int fd = close_from; fd <= highest_open; fd++) close(fd);
    }
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
  if (!orc_force_walk && syscall(SYS_close_range, (unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    orc_close_range_works = 1;
    return 0;
  }
  /* Before Linux 5.11 (Debian 11's 5.10, Ubuntu 20.04's 5.4): one by one. */
  orc_close_range_works = 0;
  return orc_walk_descriptors(lowfd) < 0 ? -1 : 0;
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

/* SHA-256 (FIPS 180-4) block compression. */
static const unsigned int orc_sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ORC_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

void orc_sha256_blocks_portable(unsigned int state[8], const unsigned char *data, size_t blocks) {
  unsigned int w[64];
  for (; blocks > 0; blocks--, data += 64) {
    for (int t = 0; t < 16; t++) {
      w[t] = (unsigned int)data[t * 4] << 24 | (unsigned int)data[t * 4 + 1] << 16 |
             (unsigned int)data[t * 4 + 2] << 8 | (unsigned int)data[t * 4 + 3];
    }
    for (int t = 16; t < 64; t++) {
      unsigned int s0 = ORC_ROTR(w[t - 15], 7) ^ ORC_ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
      unsigned int s1 = ORC_ROTR(w[t - 2], 17) ^ ORC_ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    unsigned int a = state[0], b = state[1], c = state[2], d = state[3];
    unsigned int e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t++) {
      unsigned int s1 = ORC_ROTR(e, 6) ^ ORC_ROTR(e, 11) ^ ORC_ROTR(e, 25);
      unsigned int choice = (e & f) ^ (~e & g);
      unsigned int temp1 = h + s1 + choice + orc_sha256_k[t] + w[t];
      unsigned int s0 = ORC_ROTR(a, 2) ^ ORC_ROTR(a, 13) ^ ORC_ROTR(a, 22);
      unsigned int majority = (a & b) ^ (a & c) ^ (b & c);
      unsigned int temp2 = s0 + majority;
      h = g; g = f; f = e; e = d + temp1; d = c; c = b; b = a; a = temp1 + temp2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
  }
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

__attribute__((target("sha,sse4.1,ssse3")))
static void orc_sha256_ni(unsigned int state[8], const unsigned char *data, size_t blocks) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
  __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]);
  tmp = _mm_shuffle_epi32(tmp, 0xB1);           /* CDAB */
  state1 = _mm_shuffle_epi32(state1, 0x1B);     /* EFGH */
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  /* ABEF */
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);  /* CDGH */
  for (; blocks > 0; blocks--, data += 64) {
    __m128i saved0 = state0, saved1 = state1;
    __m128i w[4];
    for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), mask);
    for (int i = 0; i < 16; i++) {
      __m128i message = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&orc_sha256_k[4 * i]));
      state1 = _mm_sha256rnds2_epu32(state1, state0, message);
      message = _mm_shuffle_epi32(message, 0x0E);
      state0 = _mm_sha256rnds2_epu32(state0, state1, message);
      if (i < 12) {
        /* The next schedule words replace the group just used. */
        __m128i next = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
        next = _mm_add_epi32(next, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
        w[i & 3] = _mm_sha256msg2_epu32(next, w[(i + 3) & 3]);
      }
    }
    state0 = _mm_add_epi32(state0, saved0);
    state1 = _mm_add_epi32(state1, saved1);
  }
  tmp = _mm_shuffle_epi32(state0, 0x1B);        /* FEBA */
  state1 = _mm_shuffle_epi32(state1, 0xB1);     /* DCHG */
  state0 = _mm_blend_epi16(tmp, state1, 0xF0);  /* DCBA */
  state1 = _mm_alignr_epi8(state1, tmp, 8);     /* ABEF */
  _mm_storeu_si128((__m128i *)&state[0], state0);
  _mm_storeu_si128((__m128i *)&state[4], state1);
}

static int orc_has_sha_extensions(void) {
  static int known = -1;
  if (known >= 0) return known;
  unsigned int a, b, c, d;
  int sse = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3);
  int sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
  known = sse && sha;
  return known;
}
#endif

void orc_sha256_blocks(unsigned int state[8], const unsigned char *data, size_t blocks) {
#if defined(__x86_64__)
  if (orc_has_sha_extensions()) {
    orc_sha256_ni(state, data, blocks);
    return;
  }
#endif
  orc_sha256_blocks_portable(state, data, blocks);
}

// MARK: - fanotify

// Older kernel headers (Debian 11's 5.10) lack what Linux 5.17 added: the
// values are the kernel's ABI.
#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12
#endif

int orc_fanotify_init(void) {
  return fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME | FAN_UNLIMITED_MARKS,
                       O_RDONLY | O_LARGEFILE);
}

int orc_fanotify_mark_directory(int fd, unsigned long long mask, int directory) {
  return fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, mask | FAN_EVENT_ON_CHILD, directory, NULL);
}

long orc_fanotify_queued_events(int fd) {
  int bytes = 0;
  if (ioctl(fd, FIONREAD, &bytes) != 0) return -1;
  return bytes / FAN_EVENT_METADATA_LEN;
}

static unsigned long long orc_fsid_value(const __kernel_fsid_t *fsid) {
  return ((unsigned long long)(unsigned int)fsid->val[0] << 32) | (unsigned int)fsid->val[1];
}

int orc_fanotify_next(const unsigned char *buffer, size_t length, size_t *offset, struct orc_fanotify_event *event) {
  if (*offset + sizeof(struct fanotify_event_metadata) > length) return 0;
  const struct fanotify_event_metadata *metadata = (const void *)(buffer + *offset);
  if (metadata->event_len < sizeof(*metadata) || *offset + metadata->event_len > length ||
      metadata->metadata_len < sizeof(*metadata) || metadata->metadata_len > metadata->event_len) {
    return -1;
  }
  memset(event, 0, sizeof(*event));
  event->mask = metadata->mask;
  event->pid = metadata->pid;
  size_t info = *offset + metadata->metadata_len;
  size_t end = *offset + metadata->event_len;
  while (info + sizeof(struct fanotify_event_info_header) <= end) {
    const struct fanotify_event_info_header *header = (const void *)(buffer + info);
    if (header->len < sizeof(*header) || info + header->len > end) return -1;
    if (header->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME || header->info_type == FAN_EVENT_INFO_TYPE_DFID ||
        header->info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
        header->info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) {
      const struct fanotify_event_info_fid *fid = (const void *)header;
      size_t handle_offset = info + sizeof(*fid);
      if (handle_offset + sizeof(struct file_handle) > info + header->len) return -1;
      const struct file_handle *handle = (const void *)(buffer + handle_offset);
      size_t name_offset = handle_offset + sizeof(struct file_handle) + handle->handle_bytes;
      if (name_offset > info + header->len) return -1;
      const char *name = NULL;
      if (header->info_type != FAN_EVENT_INFO_TYPE_DFID) {
        // The name is NUL-terminated within the record.
        if (memchr(buffer + name_offset, 0, info + header->len - name_offset) == NULL) return -1;
        name = (const char *)(buffer + name_offset);
      }
      event->fsid = orc_fsid_value(&fid->fsid);
      if (header->info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) {
        event->to_handle = handle;
        event->to_name = name;
      } else {
        event->handle = handle;
        event->name = name;
      }
    }
    info += header->len;
  }
  *offset = end;
  return 1;
}

size_t orc_file_handle_size(const void *handle) {
  return sizeof(struct file_handle) + ((const struct file_handle *)handle)->handle_bytes;
}

int orc_open_directory_by_handle(int mount_fd, const void *handle) {
  return open_by_handle_at(mount_fd, (struct file_handle *)handle, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int orc_filesystem_id(int fd, unsigned long long *fsid) {
  struct statfs info;
  if (fstatfs(fd, &info) != 0) return -1;
  __kernel_fsid_t kernel;
  memcpy(&kernel, &info.f_fsid, sizeof(kernel));
  *fsid = orc_fsid_value(&kernel);
  return 0;
}

int orc_open_noatime_flag(void) { return O_NOATIME; }

// The one place the C library is imported: every module that makes system
// calls imports SystemInterface and gets Glibc through it.
#if os(Linux)
  @_exported import Glibc
#else
  #error("os-refresh-config runs on Linux only: it is built on signalfd, pidfd, prctl and /proc")
#endif

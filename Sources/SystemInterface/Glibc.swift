// The one place the C library is imported: every module that makes system
// calls imports SystemInterface and gets Glibc through it.
@_exported import Glibc

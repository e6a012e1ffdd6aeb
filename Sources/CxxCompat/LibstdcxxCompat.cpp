// What the Swift runtime needs from libstdc++ that an older one lacks, built
// only for the release linked against Debian 11's sysroot (make sysroot-build
// passes -DORC_LIBSTDCXX_COMPAT); elsewhere this file compiles to nothing.
#include "CxxCompat.h"

#if defined(ORC_LIBSTDCXX_COMPAT)
#include <new>

namespace std {
// GCC 11's libstdc++ added it (GLIBCXX_3.4.29); the toolchain's static Swift
// runtime is compiled against that, and Debian 11's libstdc++ (GCC 10) does
// not have it. It does what GCC 11's does.
[[noreturn]] void __throw_bad_array_new_length() { throw std::bad_array_new_length(); }
}  // namespace std
#endif

// CxxCompat declares nothing: its one file supplies a libstdc++ function an
// older libstdc++ lacks, for the Swift runtime, in the Debian 11 sysroot build.
#pragma once

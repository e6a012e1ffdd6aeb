import SystemInterface

/// A stream read from a child: each chunk read is copied to `passThrough`
/// and handed to `deliver`.
struct ChildStream {
  /// Our (non-blocking) read end, owned by the stream.
  let source: FileDescriptor
  /// Where the bytes go as they come (our stdout or stderr), and where the
  /// stream keeps being copied after the child exits while a process it left
  /// (a daemon) still holds the write end; nil for streams only observed.
  let passThrough: Int32?
  /// Receives every chunk as it is read.
  let deliver: (UnsafeRawBufferPointer) -> Void
  /// `source` is a pseudo-terminal's controller, whose window follows the
  /// size of the terminal `passThrough`.
  var isTerminal = false
}

/// How a supervised child ended, and what we did to it.
struct ChildExit {
  let termination: Termination
  /// We killed it because the run's deadline passed.
  let timedOut: Bool
  /// The termination signal we received and passed on while it ran.
  let interruptedBy: Int32?
}

import CSystemShims
import Synchronization

/// Whether this process has been asked to stop: a termination signal the
/// runner has already read, or one still pending.
///
/// The runner blocks SIGTERM, SIGINT and SIGHUP in its thread and reads them
/// from a signalfd between scripts, so while it is busy with other work (the
/// recorder redacting a large output, hashing a large script) a signal stays
/// pending. Long work on the runner's thread asks ``isRaised`` between
/// bounded slices and gives up when it is set, so a termination signal is
/// obeyed within the grace period whatever the work. Reading it costs one
/// `sigpending(2)`: "the set of signals that are pending for delivery to the
/// calling thread (i.e., the signals which have been raised while blocked)"
/// (https://man7.org/linux/man-pages/man2/sigpending.2.html).
public final class TerminationNotice: Sendable {
  private let raised = Atomic<Bool>(false)
  private let signals: [Int32]

  /// A notice of `signals` (by default the termination signals the runner passes on).
  public init(signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]) {
    self.signals = signals
  }

  /// The runner read a termination signal: from now on the notice is raised.
  public func raise() { raised.store(true, ordering: .relaxed) }

  /// Whether a termination signal was read, or is pending in this thread.
  public var isRaised: Bool {
    if raised.load(ordering: .relaxed) { return true }
    var pending = sigset_t()
    sigpending(&pending)
    return signals.contains { sigismember(&pending, $0) == 1 }
  }
}

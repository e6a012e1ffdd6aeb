import CSystemShims
import SystemInterface

/// Our termination signals and our children's exits, read from a signalfd.
///
/// The signals are blocked in the calling thread and read from the
/// descriptor, so nothing runs in a signal handler and a signal that arrives
/// between two scripts is seen before the next one starts. When we adopt
/// orphans (the subreaper), every SIGCHLD reaps all ended children and keeps
/// their statuses for ``takeStatus(of:)``.
final class SignalWatcher {
  private let descriptor: FileDescriptor
  private var previousMask = sigset_t()
  private let reapsEveryChild: Bool
  /// The first termination signal received (SIGTERM, SIGINT or SIGHUP).
  private(set) var terminationSignal: Int32?
  /// A termination signal arrived after the first one, not yet acted upon.
  var repeatedSignal = false
  /// Our terminal's window changed size (SIGWINCH) since this was last cleared.
  var windowChanged = false
  /// Children reaped by the sweep whose statuses were not asked for yet.
  private var reaped: [pid_t: Termination] = [:]
  /// Raised with the first termination signal, for work that is not ours to interrupt.
  let notice: TerminationNotice

  /// The signals we pass on to the running script: SIGTERM, SIGINT, SIGHUP,
  /// except those our parent told us to ignore (nohup leaves SIGHUP ignored).
  private static func watchedTerminationSignals() -> [Int32] {
    [SIGTERM, SIGINT, SIGHUP].filter { orc_signal_is_ignored($0) == 0 }
  }

  /// Blocks SIGCHLD and the termination signals in this thread and opens the signalfd.
  /// - Parameters:
  ///   - reapsEveryChild: reap every ended child on SIGCHLD (we are the only
  ///     one waiting for children in this process).
  ///   - notice: raised when the first termination signal is read.
  init(reapsEveryChild: Bool, notice: TerminationNotice) throws(SystemError) {
    self.reapsEveryChild = reapsEveryChild
    self.notice = notice
    // A SIGCHLD ignored by our parent would make the kernel reap our
    // children before we can read their statuses.
    signal(SIGCHLD, SIG_DFL)
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGCHLD)
    // Ignored by default, so blocking it changes nothing but that we see it:
    // scripts on pseudo-terminals get our new window size.
    sigaddset(&mask, SIGWINCH)
    for signal in Self.watchedTerminationSignals() { sigaddset(&mask, signal) }
    pthread_sigmask(SIG_BLOCK, &mask, &previousMask)
    descriptor = FileDescriptor(owning: try systemCall("signalfd") { orc_signalfd(&mask) })
  }

  deinit {
    // Read what is pending before unblocking, so no termination signal is
    // delivered with its default action once the run is over.
    drain()
    descriptor.close()
    pthread_sigmask(SIG_SETMASK, &previousMask, nil)
  }

  /// The descriptor to poll for readability.
  var pollDescriptor: Int32 { descriptor.rawValue }

  /// Reads every pending signal: notes termination signals and, when we
  /// reap every child, reaps them.
  ///
  /// Termination signals pending together are read lowest number first
  /// (SIGHUP before SIGTERM), whatever order they came in: of those, the
  /// first is taken in the order SIGTERM, SIGINT, SIGHUP, so a SIGTERM (the
  /// service manager's, os-collect-config's) followed at once by another
  /// decides how the run ends, as it would have alone.
  func drain() {
    var signal: Int32 = 0
    var sawChild = false
    var arrived: [Int32] = []
    while orc_signalfd_read(descriptor.rawValue, &signal) == 1 {
      if signal == SIGCHLD {
        sawChild = true
      } else if signal == SIGWINCH {
        windowChanged = true
      } else {
        arrived.append(signal)
      }
    }
    if terminationSignal == nil, let first = [SIGTERM, SIGINT, SIGHUP].first(where: arrived.contains) {
      terminationSignal = first
      notice.raise()
      if arrived.count > 1 { repeatedSignal = true }
    } else if !arrived.isEmpty {
      repeatedSignal = true
    }
    guard sawChild, reapsEveryChild else { return }
    var status: Int32 = 0
    while let pid = try? systemCall("waitpid", { waitpid(-1, &status, WNOHANG) }), pid > 0 {
      reaped[pid] = Termination(waitStatus: status)
    }
  }

  /// The status of `child` once it has ended: from the sweep, or reaped now.
  func takeStatus(of child: pid_t) -> Termination? {
    if let status = reaped.removeValue(forKey: child) { return status }
    var status: Int32 = 0
    guard let pid = try? systemCall("waitpid", { waitpid(child, &status, WNOHANG) }), pid == child else {
      return nil
    }
    return Termination(waitStatus: status)
  }

  /// Forgets statuses of children nobody waits for (daemons that ended).
  func forgetReaped() { reaped.removeAll() }
}

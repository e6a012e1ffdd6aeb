import CSystemShims
import SystemInterface

/// Waits for one child at a time while its output is pumped, enforcing the
/// run's deadline and passing on our termination signals to the child's
/// whole family, with a grace period before SIGKILL.
final class ChildSupervisor {
  private let clock: RunClock
  /// Our signals and the children's exits.
  let signals: SignalWatcher
  /// The children's output.
  let pump: OutputPump
  /// How long the processes of a script get after a passed-on signal before SIGKILL.
  let killAfterNanoseconds: Int64
  /// Whether orphans of scripts come back to us (the subreaper) and count in
  /// their script's family.
  let adoptsOrphans: Bool

  /// Sets up the signal watch (raising `notice` with the first termination
  /// signal) and, when `adoptsOrphans`, makes us the subreaper.
  init(
    killAfterNanoseconds: Int64, adoptsOrphans: Bool, notice: TerminationNotice, clock: RunClock
  ) throws(SystemError) {
    self.killAfterNanoseconds = killAfterNanoseconds
    self.adoptsOrphans = adoptsOrphans
    self.clock = clock
    signals = try SignalWatcher(reapsEveryChild: adoptsOrphans, notice: notice)
    pump = OutputPump(signals: signals, clock: clock)
    // Orphans of a script come back to us, so a timeout can find and kill them.
    if adoptsOrphans { _ = orc_set_child_subreaper() }
  }

  /// Reads pending signals without waiting and returns the termination
  /// signal, if any arrived so far.
  func checkForTermination() -> Int32? {
    signals.drain()
    signals.forgetReaped()
    return signals.terminationSignal
  }

  /// Where one wait stands.
  private struct WaitState {
    var timedOut = false
    var interruptedBy: Int32?
    var graceDeadline: MonotonicInstant?
  }

  /// Waits until `child` exits, pumping `streams` meanwhile.
  ///
  /// - Parameters:
  ///   - deadline: the monotonic instant at which the child and its family are
  ///     killed with SIGKILL; `onTimeout` runs first.
  ///   - streams: the child's output pipes; each is closed here, or kept
  ///     lingering when a process the child left still holds it.
  func wait(
    for child: pid_t, streams: [ChildStream], deadline: MonotonicInstant?, onTimeout: () -> Void
  ) -> ChildExit {
    // Embedded in a process with threads and children of its own, SIGCHLD
    // may be taken by another thread: a pidfd, readable once the child has
    // ended, wakes us instead. As the process's only waiter (we reap every
    // child), SIGCHLD on the signalfd does, a system call cheaper per script.
    let exitNotice =
      adoptsOrphans ? nil : (try? systemCall("pidfd_open") { orc_pidfd_open(child) }).map(FileDescriptor.init(owning:))
    var open = streams
    var state = WaitState()
    var family: ProcessFamily?
    let familyOfChild = { () -> ProcessFamily? in
      if family == nil { family = ProcessFamily(root: child, adoptsOrphans: self.adoptsOrphans) }
      return family
    }
    signals.repeatedSignal = false
    var status: Termination?
    while status == nil {
      let next = act(on: &state, deadline: deadline, family: familyOfChild, onTimeout: onTimeout)
      pump.writeDeadline = next
      let exited = pump.pollOnce(
        streams: &open, watching: exitNotice?.rawValue,
        until: next.map { max($0, clock.monotonicNanoseconds() + 1_000_000) })
      signals.drain()
      if exited || exitNotice == nil { status = signals.takeStatus(of: child) }
    }
    pump.writeDeadline = nil
    if state.interruptedBy != nil, let family { giveGrace(to: family, until: state.graceDeadline, streams: &open) }
    pump.finish(streams: open)
    return ChildExit(termination: status!, timedOut: state.timedOut, interruptedBy: state.interruptedBy)
  }

  /// Passes on a new termination signal, fires the timeout and ends the grace
  /// period when due. Returns the next instant something is due.
  private func act(
    on state: inout WaitState, deadline: MonotonicInstant?, family: () -> ProcessFamily?, onTimeout: () -> Void
  ) -> MonotonicInstant? {
    if state.interruptedBy == nil, let signal = signals.terminationSignal {
      state.interruptedBy = signal
      family()?.signal(signal)
      state.graceDeadline = clock.monotonicNanoseconds() + killAfterNanoseconds
    } else if signals.repeatedSignal, state.interruptedBy != nil {
      // A second termination signal skips the rest of the grace period.
      signals.repeatedSignal = false
      state.graceDeadline = clock.monotonicNanoseconds()
    }
    let now = clock.monotonicNanoseconds()
    if let deadline, !state.timedOut, now >= deadline {
      state.timedOut = true
      onTimeout()
      family()?.killAll()
    }
    if let grace = state.graceDeadline, now >= grace {
      family()?.killAll()
      state.graceDeadline = nil
    }
    return [state.timedOut ? nil : deadline, state.graceDeadline].compactMap { $0 }.min()
  }

  /// The script is gone after a passed-on signal: what it left gets the rest
  /// of the grace period, then SIGKILL.
  private func giveGrace(to family: ProcessFamily, until grace: MonotonicInstant?, streams: inout [ChildStream]) {
    let end = grace ?? clock.monotonicNanoseconds()
    while family.hasLivingMembers() && clock.monotonicNanoseconds() < end {
      _ = pump.pollOnce(
        streams: &streams, watching: nil, until: min(end, clock.monotonicNanoseconds() + 50_000_000))
      signals.drain()
    }
    family.killAll()
  }
}

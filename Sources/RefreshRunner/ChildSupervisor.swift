import CSystemShims

#if canImport(Glibc)
  import Glibc
#endif

/// A stream read from a child: each chunk read is copied to `passThrough`
/// and handed to `deliver`.
struct ChildStream {
  /// Our (non-blocking) read end.
  let descriptor: Int32
  /// Where the bytes go as they come (our stdout or stderr), and where the
  /// stream keeps being copied after the child exits while a process it left
  /// (a daemon) still holds the write end; nil for streams only observed.
  let passThrough: Int32?
  /// Receives every chunk as it is read.
  let deliver: (UnsafeRawBufferPointer) -> Void
}

/// How a supervised child ended, and what we did to it.
struct ChildExit {
  let termination: Termination
  /// We killed it because the run's deadline passed.
  let timedOut: Bool
  /// The termination signal we received and passed on while it ran.
  let interruptedBy: Int32?
}

/// Waits for one child at a time while copying its output, reaping every
/// child, watching our termination signals through a signalfd and enforcing
/// the run's deadline.
///
/// Signals are blocked and read from a signalfd, so nothing runs in a signal
/// handler and a signal that arrives between two scripts is seen before the
/// next one starts.
final class ChildSupervisor {
  private let signalDescriptor: Int32
  private let clock: RunClock
  private var previousMask = sigset_t()
  /// The first termination signal received (SIGTERM, SIGINT or SIGHUP).
  private(set) var terminationSignal: Int32?
  /// How long the processes of a script get after a passed-on signal before SIGKILL.
  let killAfterNanoseconds: Int64
  /// Streams of exited scripts still held open by processes they left behind.
  private var lingering: [(source: Int32, destination: Int32)] = []
  /// Children reaped while we were not waiting for them (during a write).
  private var reaped: [pid_t: Termination] = [:]
  /// When a write to a destination that takes nothing may stop waiting: the
  /// current deadline (timeout or grace period) of the child being waited for.
  private var writeDeadline: MonotonicInstant?
  /// Destinations that stopped taking output before a deadline or a
  /// termination signal: what is still written to them is dropped.
  private(set) var stalledDestinations: Set<Int32> = []
  /// Destinations that refused output (closed, EPIPE): dropped silently.
  private var brokenDestinations: Set<Int32> = []
  /// Whether writes to a destination may block (pipes, sockets, terminals).
  private var mayBlock: [Int32: Bool] = [:]
  private var buffer: UnsafeMutableRawBufferPointer

  /// The signals we pass on to the running script: SIGTERM, SIGINT, SIGHUP,
  /// except those our parent told us to ignore (nohup leaves SIGHUP ignored).
  private static func watchedTerminationSignals() -> [Int32] {
    [SIGTERM, SIGINT, SIGHUP].filter { orc_signal_is_ignored($0) == 0 }
  }

  init(killAfterNanoseconds: Int64, clock: RunClock) throws(SystemError) {
    self.killAfterNanoseconds = killAfterNanoseconds
    self.clock = clock
    // A SIGCHLD ignored by our parent would make the kernel reap our
    // children before we can read their statuses.
    signal(SIGCHLD, SIG_DFL)
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGCHLD)
    for signal in Self.watchedTerminationSignals() { sigaddset(&mask, signal) }
    pthread_sigmask(SIG_BLOCK, &mask, &previousMask)
    signalDescriptor = try systemCall("signalfd") { orc_signalfd(&mask) }
    // Orphans of a script come back to us, so a timeout can find and kill them.
    _ = orc_set_child_subreaper()
    buffer = .allocate(byteCount: Int(OutputPipe.capacity), alignment: 16)
  }

  deinit {
    closeLingering()
    close(signalDescriptor)
    pthread_sigmask(SIG_SETMASK, &previousMask, nil)
    buffer.deallocate()
  }

  /// Reads pending signals without waiting: reaps children and notes a
  /// termination signal. Returns the termination signal, if any arrived so far.
  func checkForTermination() -> Int32? {
    drainSignals()
    reaped.removeAll()
    return terminationSignal
  }

  /// Closes the streams still held by processes that earlier scripts left behind.
  func closeLingering() {
    for entry in lingering { close(entry.source) }
    lingering.removeAll()
  }

  // MARK: - Waiting for a child

  /// Waits until `child` exits, copying `streams` meanwhile.
  ///
  /// - Parameters:
  ///   - deadline: the monotonic instant at which the child and its family are
  ///     killed with SIGKILL; `onTimeout` runs first.
  ///   - streams: the child's output pipes; each is closed here, or kept
  ///     lingering when a process the child left still holds it.
  func wait(
    for child: pid_t,
    streams: [ChildStream],
    deadline: MonotonicInstant?,
    onTimeout: () -> Void
  ) -> ChildExit {
    var open = streams
    var status: Termination?
    var timedOut = false
    var interruptedBy: Int32?
    var graceDeadline: MonotonicInstant?
    var family: ProcessFamily?
    func familyOfChild() -> ProcessFamily? {
      if family == nil { family = ProcessFamily(root: child) }
      return family
    }
    repeatedSignal = false

    while status == nil {
      if interruptedBy == nil, let signal = terminationSignal {
        interruptedBy = signal
        familyOfChild()?.signal(signal)
        graceDeadline = clock.monotonicNanoseconds() + killAfterNanoseconds
      } else if repeatedSignal, interruptedBy != nil {
        // A second termination signal skips the rest of the grace period.
        repeatedSignal = false
        graceDeadline = clock.monotonicNanoseconds()
      }
      let now = clock.monotonicNanoseconds()
      if let deadline, !timedOut, now >= deadline {
        timedOut = true
        onTimeout()
        familyOfChild()?.killAll()
      }
      if let grace = graceDeadline, now >= grace {
        familyOfChild()?.killAll()
        graceDeadline = nil
      }
      let nextDeadline = [timedOut ? nil : deadline, graceDeadline].compactMap { $0 }.min()
      writeDeadline = nextDeadline
      pollOnce(streams: &open, until: nextDeadline.map { max($0, now + 1_000_000) })
      drainSignals()
      status = reaped.removeValue(forKey: child)
    }
    writeDeadline = nil

    if interruptedBy != nil, let family {
      // The script is gone; give what it left the rest of the grace period.
      let end = graceDeadline ?? clock.monotonicNanoseconds()
      while family.hasLivingMembers() && clock.monotonicNanoseconds() < end {
        pollOnce(streams: &open, until: min(end, clock.monotonicNanoseconds() + 50_000_000))
        drainSignals()
      }
      family.killAll()
    }
    finish(streams: open)
    return ChildExit(termination: status!, timedOut: timedOut, interruptedBy: interruptedBy)
  }

  /// A termination signal arrived after the first one.
  private var repeatedSignal = false

  /// Polls the signalfd, the child's streams and the lingering streams once.
  private func pollOnce(streams: inout [ChildStream], until deadline: MonotonicInstant?) {
    var descriptors = [pollfd(fd: signalDescriptor, events: Int16(POLLIN), revents: 0)]
    for stream in streams { descriptors.append(pollfd(fd: stream.descriptor, events: Int16(POLLIN), revents: 0)) }
    for entry in lingering { descriptors.append(pollfd(fd: entry.source, events: Int16(POLLIN), revents: 0)) }
    var timeout: Int32 = -1
    if let deadline {
      let remaining = max(0, deadline - clock.monotonicNanoseconds())
      timeout = Int32(min((remaining + 999_999) / 1_000_000, Int64(Int32.max)))
    }
    let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
    guard ready > 0 else { return }
    // Streams first, so output written just before an exit is read in order.
    var closed: [Int] = []
    for (index, stream) in streams.enumerated() where descriptors[index + 1].revents != 0 {
      if !copy(from: stream.descriptor, to: stream.passThrough, deliver: stream.deliver, untilEmpty: false) {
        close(stream.descriptor)
        closed.append(index)
      }
    }
    let lingeringOffset = streams.count + 1
    var closedLingering: [Int] = []
    for (index, entry) in lingering.enumerated() where descriptors[lingeringOffset + index].revents != 0 {
      if !copy(from: entry.source, to: entry.destination, deliver: { _ in }, untilEmpty: false) {
        close(entry.source)
        closedLingering.append(index)
      }
    }
    for index in closed.reversed() { streams.remove(at: index) }
    for index in closedLingering.reversed() { lingering.remove(at: index) }
  }

  /// Reads from `descriptor` and delivers what it got. Returns false at end of
  /// file or on an error (the stream is finished), true while it may have more.
  private func copy(
    from descriptor: Int32, to destination: Int32?, deliver: (UnsafeRawBufferPointer) -> Void, untilEmpty: Bool
  ) -> Bool {
    repeat {
      let count = read(descriptor, buffer.baseAddress, buffer.count)
      if count > 0 {
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        if let destination { passThrough(bytes, to: destination) }
        deliver(bytes)
        continue
      }
      if count == 0 { return false }
      switch errno {
      case EINTR: continue
      case EAGAIN: return true
      default: return false
      }
    } while untilEmpty
    return true
  }

  /// After the child's exit: takes what is already in the pipes, then closes
  /// each stream or, where a process it left still holds the write end, keeps
  /// copying it in the background so that process is not blocked or killed by
  /// SIGPIPE.
  private func finish(streams: [ChildStream]) {
    for stream in streams {
      if copy(from: stream.descriptor, to: stream.passThrough, deliver: stream.deliver, untilEmpty: true),
        let destination = stream.passThrough
      {
        lingering.append((stream.descriptor, destination))
      } else {
        close(stream.descriptor)
      }
    }
  }

  /// Reads every pending signal: reaps every child that ended (keeping its
  /// status in `reaped`) and records termination signals.
  private func drainSignals() {
    var signal: Int32 = 0
    var sawChild = false
    while orc_signalfd_read(signalDescriptor, &signal) == 1 {
      if signal == SIGCHLD {
        sawChild = true
      } else if terminationSignal == nil {
        terminationSignal = signal
      } else {
        repeatedSignal = true
      }
    }
    guard sawChild else { return }
    var status: Int32 = 0
    while true {
      let pid = waitpid(-1, &status, WNOHANG)
      if pid < 0 && errno == EINTR { continue }
      if pid <= 0 { break }
      reaped[pid] = Termination(waitStatus: status)
    }
  }

  // MARK: - Passing output through

  /// Writes `bytes` to our stdout or stderr without ever waiting past the
  /// current deadline or a termination signal.
  ///
  /// A write to a pipe, socket or terminal whose reader stopped would block
  /// for good, and with it the timeout and the signals. So where a write may
  /// block we wait for POLLOUT (and the signalfd) first and write at most
  /// PIPE_BUF bytes, which POLLOUT guarantees room for. If the deadline
  /// passes or a termination signal comes while nothing can be written, the
  /// destination is marked stalled and what is still written to it is dropped.
  private func passThrough(_ bytes: UnsafeRawBufferPointer, to destination: Int32) {
    guard !brokenDestinations.contains(destination), !stalledDestinations.contains(destination) else { return }
    guard destinationMayBlock(destination) else {
      if !writeFully(destination, bytes) { brokenDestinations.insert(destination) }
      return
    }
    var offset = 0
    while offset < bytes.count {
      var descriptors = [
        pollfd(fd: destination, events: Int16(POLLOUT), revents: 0),
        pollfd(fd: signalDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      var timeout: Int32 = -1
      if let writeDeadline {
        let remaining = max(0, writeDeadline - clock.monotonicNanoseconds())
        timeout = Int32(min((remaining + 999_999) / 1_000_000, Int64(Int32.max)))
      }
      let ready = poll(&descriptors, 2, timeout)
      if ready < 0 {
        if errno == EINTR { continue }
        brokenDestinations.insert(destination)
        return
      }
      if ready == 0 {
        stalledDestinations.insert(destination)
        return
      }
      if descriptors[0].revents != 0 {
        // POLLOUT promises room for PIPE_BUF bytes; a pipe says how much more.
        let room = max(Int(PIPE_BUF), orc_pipe_free_space(destination))
        let chunk = min(bytes.count - offset, room)
        let written = write(destination, bytes.baseAddress! + offset, chunk)
        if written > 0 {
          offset += written
        } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
          continue
        } else {
          brokenDestinations.insert(destination)
          return
        }
      } else if descriptors[1].revents != 0 {
        let before = terminationSignal
        drainSignals()
        if before == nil && terminationSignal != nil {
          stalledDestinations.insert(destination)
          return
        }
      }
    }
  }

  /// Pipes, sockets and terminals can make a write wait; regular files and
  /// other devices (/dev/null) cannot, and get plain writes.
  private func destinationMayBlock(_ descriptor: Int32) -> Bool {
    if let known = mayBlock[descriptor] { return known }
    var info = stat()
    let blocks =
      fstat(descriptor, &info) != 0 || [S_IFIFO, S_IFSOCK].contains(info.st_mode & S_IFMT) || isatty(descriptor) == 1
    mayBlock[descriptor] = blocks
    return blocks
  }
}

/// Writes all of `bytes` to `descriptor`, retrying short writes and EINTR.
/// Returns false when the descriptor no longer takes data (closed, EPIPE):
/// the caller goes on without it.
@discardableResult
public func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
    if written > 0 {
      offset += written
    } else if written < 0 && errno == EINTR {
      continue
    } else {
      return false
    }
  }
  return true
}

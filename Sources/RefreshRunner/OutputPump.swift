import CSystemShims
import SystemInterface

/// Copies children's output as it comes: to our stdout and stderr, and to
/// whoever observes it; and, after a script exits, from the pipes that
/// processes it left behind (daemons) still hold, so they are neither
/// blocked nor killed by SIGPIPE while we run.
final class OutputPump {
  /// The read size, and the pipe capacity asked for.
  static let chunkSize = 1 << 20
  private let signals: SignalWatcher
  private let clock: RunClock
  private let buffer: UnsafeMutableRawBufferPointer
  /// Streams of exited scripts still held open by processes they left behind.
  private var lingering: [ChildStream] = []
  /// When a write to a destination that takes nothing may stop waiting: the
  /// current deadline (timeout or grace period) of the child being waited for.
  var writeDeadline: MonotonicInstant?
  /// Destinations that stopped taking output before a deadline or a
  /// termination signal: what is still written to them is dropped.
  private(set) var stalledDestinations: Set<Int32> = []
  /// Destinations that refused output (closed, EPIPE): dropped silently.
  private var brokenDestinations: Set<Int32> = []
  /// The poll set, kept between calls so that it is allocated once.
  private var descriptors: [pollfd] = []
  /// Whether writes to a destination may block (pipes, sockets, terminals).
  private var mayBlock: [Int32: Bool] = [:]
  /// Observers' work while a child is waited for, done when its descriptor is readable.
  var waitingWork: [WaitingWork] = []

  init(signals: SignalWatcher, clock: RunClock) {
    self.signals = signals
    self.clock = clock
    buffer = .allocate(byteCount: Self.chunkSize, alignment: 16)
  }

  deinit {
    closeLingering()
    buffer.deallocate()
  }

  /// Closes the streams still held by processes that earlier scripts left behind.
  func closeLingering() {
    for stream in lingering { stream.source.close() }
    lingering.removeAll()
  }

  /// Waits once, until `deadline` at the latest, for the signalfd, `watched`
  /// (a child's pidfd), the streams or the lingering streams, and copies what
  /// came. Streams that ended are closed and removed. Returns whether
  /// `watched` became ready.
  func pollOnce(streams: inout [ChildStream], watching watched: Int32?, until deadline: MonotonicInstant?) -> Bool {
    if signals.windowChanged {
      signals.windowChanged = false
      for stream in streams + lingering where stream.isTerminal {
        if let terminal = stream.passThrough { _ = orc_copy_window_size(terminal, stream.source.rawValue) }
      }
    }
    descriptors.removeAll(keepingCapacity: true)
    descriptors.append(pollfd(fd: signals.pollDescriptor, events: Int16(POLLIN), revents: 0))
    descriptors.append(pollfd(fd: watched ?? -1, events: Int16(POLLIN), revents: 0))
    for stream in streams { descriptors.append(pollfd(fd: stream.source.rawValue, events: Int16(POLLIN), revents: 0)) }
    for stream in lingering {
      descriptors.append(pollfd(fd: stream.source.rawValue, events: Int16(POLLIN), revents: 0))
    }
    for work in waitingWork { descriptors.append(pollfd(fd: work.descriptor, events: Int16(POLLIN), revents: 0)) }
    let ready = (try? systemCall("poll") { poll(&descriptors, nfds_t(descriptors.count), timeout(until: deadline)) })
    guard let ready, ready > 0 else { return false }
    // Streams first, so output written just before an exit is read in order.
    let lingeringStart = 2 + streams.count
    let workStart = lingeringStart + lingering.count
    streams = Self.copyReady(streams, revents: descriptors[2..<lingeringStart], copy)
    lingering = Self.copyReady(lingering, revents: descriptors[lingeringStart..<workStart], copy)
    for (work, polled) in zip(waitingWork, descriptors[workStart...]) where polled.revents != 0 { work.perform() }
    return descriptors[1].revents != 0
  }

  /// Copies the streams poll found ready, in order; returns those still open.
  private static func copyReady(
    _ streams: [ChildStream], revents: ArraySlice<pollfd>, _ copy: (ChildStream, Bool) -> Bool
  ) -> [ChildStream] {
    var open = streams
    var removed = 0
    for (index, polled) in zip(streams.indices, revents) where polled.revents != 0 {
      if !copy(streams[index], false) {
        open.remove(at: index - removed)
        removed += 1
      }
    }
    return open
  }

  /// After the child's exit: takes what is already in the pipes, then closes
  /// each stream or, where a process it left still holds the write end (a
  /// daemon), hands it to a forwarder that outlives us.
  func finish(streams: [ChildStream]) {
    for stream in streams where copy(stream, untilEmpty: true) {
      guard let destination = stream.passThrough else {
        stream.source.close()
        continue
      }
      if !Self.forward(stream.source, to: destination) {
        lingering.append(
          ChildStream(source: stream.source, passThrough: destination, deliver: { _ in }, isTerminal: stream.isTerminal)
        )
      }
    }
  }

  /// The forwarder: `cat` copying a daemon's pipe to our stdout or stderr.
  static let forwarder = "/bin/cat"

  /// Hands a pipe a daemon still writes to over to a forwarder process that
  /// copies it to `destination` until the daemon closes it, and closes ours.
  /// (A pseudo-terminal's controller reads EIO once the daemon closes its
  /// end; cat's complaint about it goes to /dev/null.)
  ///
  /// Under the reference a daemon writes to os-refresh-config's own stdout
  /// and lives on after it; here its pipe would break when we exit and
  /// SIGPIPE would kill it at its next write. The forwarder is an ordinary
  /// process, not ours to wait for (it outlives us), and we keep no
  /// descriptor per daemon. What the daemon writes after its script exits
  /// reaches our stdout or stderr but is not captured in the history.
  /// Returns false when no forwarder could be started (the pipe then stays
  /// with us, copied while we run).
  static func forward(_ source: FileDescriptor, to destination: Int32) -> Bool {
    guard let null = try? FileDescriptor.open("/dev/null", O_WRONLY) else { return false }
    // The forwarder reads as any program does: waiting for data.
    source.setNonBlocking(false)
    do {
      _ = try ProcessSpawner.spawn(
        path: forwarder, arguments: CStringArray([forwarder]), environment: CStringArray([]),
        redirections: [
          .init(source: source.rawValue, target: STDIN_FILENO), .init(source: destination, target: STDOUT_FILENO),
          .init(source: null.rawValue, target: STDERR_FILENO),
        ])
    } catch {
      source.setNonBlocking()
      return false
    }
    source.close()
    return true
  }

  /// poll(2)'s timeout in milliseconds for `deadline` (-1: none).
  private func timeout(until deadline: MonotonicInstant?) -> Int32 {
    guard let deadline else { return -1 }
    let remaining = max(0, deadline - clock.monotonicNanoseconds())
    return Int32(min((remaining + 999_999) / 1_000_000, Int64(Int32.max)))
  }

  /// Reads from the stream and delivers what it got. Returns false at end of
  /// file or on an error (the stream is then closed), true while it may have more.
  private func copy(_ stream: ChildStream, untilEmpty: Bool) -> Bool {
    repeat {
      var limit = buffer.count
      var passedThrough = false
      if let destination = stream.passThrough, !stream.isTerminal {
        switch duplicate(from: stream.source, to: destination) {
        case .duplicated(let count):
          limit = count
          passedThrough = true
        case .nothingYet:
          return true
        case .copyInstead:
          break
        }
      }
      let count: Int
      do {
        count = try stream.source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<limit]))
      } catch  where error.code == EAGAIN {
        return true
      } catch {
        count = 0
      }
      guard count > 0 else {
        stream.source.close()
        return false
      }
      let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
      if !passedThrough, let destination = stream.passThrough { passThrough(bytes, to: destination) }
      stream.deliver(bytes)
    } while untilEmpty
    return true
  }

  private enum Duplication {
    /// This many bytes are in the destination already; read them for the rest.
    case duplicated(Int)
    /// The source has nothing yet.
    case nothingYet
    /// Pass them through by copying (not two pipes, stalled, broken, or at the end).
    case copyInstead
  }

  /// Destinations tee(2) cannot write to (not pipes).
  private var cannotTee: Set<Int32> = []

  /// From a pipe to a pipe (our stdout under the journal's or a reader's
  /// pipe), the kernel duplicates the bytes into the destination without a
  /// copy through us (tee(2)); we then read them once, for the history.
  /// Saves one copy of every byte when a script writes a lot.
  private func duplicate(from source: FileDescriptor, to destination: Int32) -> Duplication {
    guard !cannotTee.contains(destination), !brokenDestinations.contains(destination),
      !stalledDestinations.contains(destination)
    else { return .copyInstead }
    while true {
      let count: Int
      do {
        count = try systemCall("tee") { orc_tee(source.rawValue, destination, buffer.count) }
      } catch {
        switch error.code {
        case EAGAIN:
          // Nothing to take, or no room: only the second is ours to wait for.
          guard orc_pipe_unread(source.rawValue) > 0 else { return .nothingYet }
          switch waitForRoom(in: destination) {
          case .room: continue
          case .stalled: stalledDestinations.insert(destination)
          case .broken: brokenDestinations.insert(destination)
          }
        case EINVAL:
          cannotTee.insert(destination)
        default:
          brokenDestinations.insert(destination)
        }
        return .copyInstead
      }
      return count > 0 ? .duplicated(count) : .copyInstead
    }
  }

  // MARK: - Passing output through

  /// Writes `bytes` to our stdout or stderr without ever waiting past the
  /// current deadline or a termination signal.
  ///
  /// A write to a pipe, socket or terminal whose reader stopped would block
  /// for good, and with it the timeout and the signals. So where a write may
  /// block we wait for POLLOUT (and the signalfd) first and write at most
  /// what the pipe has room for (PIPE_BUF at least, which POLLOUT
  /// guarantees). If the deadline passes or a termination signal comes while
  /// nothing can be written, the destination is marked stalled and what is
  /// still written to it is dropped.
  private func passThrough(_ bytes: UnsafeRawBufferPointer, to destination: Int32) {
    guard !brokenDestinations.contains(destination), !stalledDestinations.contains(destination) else { return }
    guard destinationMayBlock(destination) else {
      if !writeFully(destination, bytes) { brokenDestinations.insert(destination) }
      return
    }
    var offset = 0
    while offset < bytes.count {
      switch waitForRoom(in: destination) {
      case .stalled:
        stalledDestinations.insert(destination)
        return
      case .broken:
        brokenDestinations.insert(destination)
        return
      case .room(let room):
        let chunk = min(bytes.count - offset, room)
        do {
          offset += try systemCall("write") { write(destination, bytes.baseAddress! + offset, chunk) }
        } catch  where error.code == EAGAIN {
          continue
        } catch {
          brokenDestinations.insert(destination)
          return
        }
      }
    }
  }

  private enum Room {
    case room(Int)
    case stalled
    case broken
  }

  /// Waits until `destination` takes bytes, the write deadline passes or a
  /// termination signal arrives.
  private func waitForRoom(in destination: Int32) -> Room {
    while true {
      var descriptors = [
        pollfd(fd: destination, events: Int16(POLLOUT), revents: 0),
        pollfd(fd: signals.pollDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      guard let ready = try? systemCall("poll", { poll(&descriptors, 2, timeout(until: writeDeadline)) }) else {
        return .broken
      }
      if ready == 0 { return .stalled }
      if descriptors[0].revents != 0 {
        // POLLOUT promises room for PIPE_BUF bytes; a pipe says how much more.
        return .room(max(Int(PIPE_BUF), orc_pipe_free_space(destination)))
      }
      let before = signals.terminationSignal
      signals.drain()
      if before == nil && signals.terminationSignal != nil { return .stalled }
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

import CSystemShims
import Synchronization
import SystemInterface

/// Which process made a change, as far as the watcher could tell when it
/// read the event.
public enum ChangeOrigin: Sendable, Equatable, Hashable {
  /// A descendant of ours (a script, or a daemon a script started, which
  /// comes back to us, the subreaper): the ancestor directly under us (a
  /// script, or a daemon re-parented to us), its pid and start (clock ticks
  /// since boot), which tell the script that started it.
  case refresh(pid: Int32, startTicks: UInt64)
  /// A process outside the refresh.
  case outside
  /// A process gone before its event was read.
  case unknown
}

/// A path an event named.
public struct FileTouch: Sendable, Equatable {
  /// The path (for a rename, the old one).
  public let path: String
  /// For a rename, the new path.
  public let renamedTo: String?
  public let origin: ChangeOrigin
  /// When its event was read (the monotonic clock, nanoseconds).
  public let seenAt: Int64

  public init(path: String, renamedTo: String?, origin: ChangeOrigin, seenAt: Int64 = 0) {
    self.path = path
    self.renamedTo = renamedTo
    self.origin = origin
    self.seenAt = seenAt
  }
}

/// The kernel's fanotify(7) watching the watched directories: one owner of
/// the group's descriptor, read on a thread of its own so the runner never
/// waits on it and the kernel's queue (16384 events by default) is emptied
/// as it fills.
///
/// The group is of the notification class (`FAN_CLASS_NOTIF`): no process's
/// access ever waits on it. Events name directory entries
/// (`FAN_REPORT_DFID_NAME`): the directory by a file handle, opened with
/// open_by_handle_at(2) and read back as a path once (cached), and the
/// entry's name. Each watched directory carries a mark of its own (an inode
/// mark, with its entries' events), given by ``mark(_:)`` as a scan enters
/// it: nothing outside the watched trees (the history's own writes, other
/// processes' files) makes an event to read. A directory made under a
/// marked one is marked, with what it holds, when its event is read; what
/// it holds then is touched (no event will name it), so a collector knows
/// every path under it without listing it again.
public final class FanotifyWatcher: @unchecked Sendable {
  /// The event bits of <linux/fanotify.h> (the kernel's ABI).
  enum Bits {
    static let modify: UInt64 = 0x2
    static let attrib: UInt64 = 0x4
    static let movedFrom: UInt64 = 0x40
    static let movedTo: UInt64 = 0x80
    static let create: UInt64 = 0x100
    static let delete: UInt64 = 0x200
    static let overflow: UInt64 = 0x4000
    /// Both names of a rename in one event (Linux 5.17).
    static let rename: UInt64 = 0x1000_0000
    static let onDirectory: UInt64 = 0x4000_0000
    /// What moves or removes a directory entry.
    static let entryGone = delete | movedFrom | movedTo | rename
    /// What makes or moves in a directory entry.
    static let entryCame = create | movedTo | rename
  }

  /// What the watcher asks the kernel for.
  static let mask =
    Bits.create | Bits.delete | Bits.modify | Bits.attrib | Bits.movedFrom | Bits.movedTo
    | Bits.rename | Bits.onDirectory

  private struct Shared {
    var touches: [FileTouch] = []
    /// Whether ``manyTouches`` was told since the last collection.
    var told = false
    /// Set by a collection while a script runs (``collect(whileRunning:)``):
    /// from then on until a boundary's collection, what comes is told
    /// every ``quietNanoseconds``, however little; `holding` when that
    /// collection left touches to come back to (``holds(_:)``).
    var streaming = false
    var holding = false
    var collectedAt: Int64 = 0
    var overflowed = false
    var dropped = 0
    /// A directory the kernel refused to mark, and why: changes under it
    /// make no event, so every boundary from then on must scan.
    var refusedMark: String?
  }

  /// What a collection found.
  public struct Collected: Sendable {
    /// The paths events named since the last collection.
    public var touches: [FileTouch]
    /// Whether events were lost: the kernel's queue overflowed, or ours.
    public var overflowed: Bool
    /// A directory left unmarked (and why), for good: from then on only a
    /// scan finds every change.
    public var refusedMark: String?
  }

  private let scope: WatchScope
  private let group: FileDescriptor
  /// An open directory on each marked filesystem, by fsid: what file handles are opened against.
  private let mounts: [UInt64: FileDescriptor]
  private let shared = Mutex(Shared())
  private let reading = Mutex(Reader())
  private let stopping = Atomic<Bool>(false)
  private let wake: PipeEnds
  /// Where the reading thread tells that touches wait to be collected
  /// while a script runs (``manyTouches``).
  private let told: PipeEnds
  private var thread: pthread_t?
  private let clock = RunClock()
  /// How long the thread lets events gather between two reads.
  static let batchingMilliseconds: Int32 = 20
  /// The most touches held between two collections; past it, an overflow.
  static let touchLimit = 1 << 20
  /// Touches held since the last collection past which ``manyTouches``
  /// becomes readable.
  public static let streamingThreshold = 1024
  /// How long a path must have had no event to be collected while a script
  /// runs, and how often ``manyTouches`` is told once that has begun.
  public static let quietNanoseconds: Int64 = 100_000_000

  /// What the reading side keeps: directory paths by handle, origins by
  /// pid, and the buffer events are read into (freed with the watcher).
  private struct Reader {
    var directories: [[UInt8]: String] = [:]
    var origins: [Int32: ChangeOrigin] = [:]
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
  }

  /// A group for `scope`'s paths, with no mark yet: ``mark(_:)`` each
  /// directory (a scan's `entering`). Events are read as they come, or with
  /// `readsContinuously` false only when collected (how a test fills the
  /// kernel's queue).
  /// - Throws: ``SystemError`` when the kernel refuses (no fanotify, not
  ///   privileged) or no watched path exists.
  public init(scope: WatchScope, readsContinuously: Bool = true) throws(SystemError) {
    self.scope = scope
    let group = FileDescriptor(owning: try systemCall("fanotify_init") { orc_fanotify_init() })
    self.group = group
    var mounts: [UInt64: FileDescriptor] = [:]
    for root in scope.paths {
      // Opened for reading: open_by_handle_at(2) refuses an O_PATH one (EBADF).
      // A root that is not there (yet) has nothing to mark: what is made
      // under it during the run is found by the next run's start, as drift.
      guard let directory = try? FileDescriptor.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { continue }
      var fsid: UInt64 = 0
      try systemCall("fstatfs", subject: root) { orc_filesystem_id(directory.rawValue, &fsid) }
      if mounts[fsid] == nil { mounts[fsid] = directory }
    }
    guard !mounts.isEmpty else {
      throw SystemError(call: "fanotify_mark", code: ENOENT, explanation: "no watched path exists")
    }
    self.mounts = mounts
    wake = try PipeEnds.signal()
    told = try PipeEnds.signal()
    guard readsContinuously else { return }
    // Not held by its thread: the watcher's deinit stops and joins it.
    thread = QuietThread.start(unretained: self) { $0.loop() }
  }

  /// Marks the open directory `directory`: its entries' changes are events
  /// from now on. Marking one already marked changes nothing. A mark the
  /// kernel refuses (out of memory, a filesystem without file handles) is
  /// remembered and said by every collection after.
  public func mark(_ directory: FileDescriptor) {
    guard orc_fanotify_mark_directory(group.rawValue, Self.mask, directory.rawValue) != 0 else { return }
    let reason = SystemError(call: "fanotify_mark", code: errno).reason
    shared.withLock { shared in
      if shared.refusedMark == nil { shared.refusedMark = reason }
    }
  }

  /// Ends the watch: the thread stopped, the group closed on a thread of
  /// its own. close(2) of a group returns once the kernel has freed its
  /// marks, after a grace period (6.4 ms for this machine's /etc, 163
  /// marks): the run's end (records, seal, syncs) goes on meanwhile.
  deinit {
    stop()
    reading.withLock { $0.buffer.deallocate() }
    guard let closer = QuietThread.start({ [group] in group.close() }) else { return group.close() }
    pthread_detach(closer)
  }

  /// Stops the thread; waits for it.
  public func stop() {
    guard let thread else { return }
    self.thread = nil
    stopping.store(true, ordering: .releasing)
    _ = writeFully(wake.writeEnd.rawValue, "x")
    pthread_join(thread, nil)
  }

  /// How many events the kernel holds unread now (0 when it cannot say).
  public func queuedEvents() -> Int { max(0, orc_fanotify_queued_events(group.rawValue)) }

  /// Readable once ``streamingThreshold`` touches were read since the last
  /// collection, and then (after a collection while a script runs, until a
  /// boundary's) every ``quietNanoseconds`` while touches come or are
  /// held; emptied by the next collection. Only while events are read as
  /// they come.
  public var manyTouches: Int32 { told.readEnd.rawValue }

  /// Everything read so far, and what the kernel holds now: the touches
  /// since the last collection, and whether events were lost meanwhile (a
  /// scan must find the rest). `whileRunning`: collected while a script
  /// runs (``holds(_:)`` tells what the collector kept), not at a boundary.
  public func collect(whileRunning: Bool = false) -> Collected {
    readPending()
    let now = clock.monotonicNanoseconds()
    let collected = shared.withLock { shared in
      let collected = Collected(
        touches: shared.touches, overflowed: shared.overflowed, refusedMark: shared.refusedMark)
      shared = Shared(refusedMark: shared.refusedMark)
      shared.streaming = whileRunning
      shared.collectedAt = now
      return collected
    }
    told.discardUnread()
    return collected
  }

  /// Whether the collector, after a collection while a script runs, kept
  /// touches to come back to: ``manyTouches`` is then told once they settle.
  public func holds(_ holding: Bool) {
    shared.withLock { $0.holding = holding }
    // Awake the thread to wait with its timeout.
    if holding { _ = writeFully(wake.writeEnd.rawValue, "h") }
  }

  private func loop() {
    var descriptors = [
      pollfd(fd: group.rawValue, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wake.readEnd.rawValue, events: Int16(POLLIN), revents: 0),
    ]
    var waking = [pollfd(fd: wake.readEnd.rawValue, events: Int16(POLLIN), revents: 0)]
    while !stopping.load(ordering: .acquiring) {
      // Streaming with touches held: awake to tell of them once they settle.
      let timeout = shared.withLock { $0.streaming && $0.holding } ? Int32(Self.quietNanoseconds / 1_000_000) : -1
      guard let ready = try? systemCall("poll", { poll(&descriptors, 2, timeout) }) else { return }
      if ready > 0, descriptors[1].revents != 0 {
        // A stop (the loop ends) or ``holds(_:)`` (the timeout changed).
        wake.discardUnread()
      }
      let events = ready > 0 && descriptors[0].revents != 0
      if events { readPending() }
      tellIfDue()
      guard events else { continue }
      // Events come in bursts (a script writing many files): read them
      // once per batching interval, not one wake-up per event, which would
      // take the CPU from the script writing them. The kernel's queue holds
      // 16384 events, far more than come in one interval; a stop still
      // ends the wait at once.
      _ = try? systemCall("poll", { poll(&waking, 1, Self.batchingMilliseconds) })
    }
  }

  /// Tells ``manyTouches`` when it is due: ``streamingThreshold`` touches
  /// wait, or (streaming) touches wait or are held and the last
  /// collection is ``quietNanoseconds`` old.
  private func tellIfDue() {
    let now = clock.monotonicNanoseconds()
    let tell = shared.withLock { shared in
      guard !shared.told else { return false }
      let settled =
        shared.streaming && (!shared.touches.isEmpty || shared.holding)
        && now - shared.collectedAt >= Self.quietNanoseconds
      guard shared.touches.count >= Self.streamingThreshold || settled else { return false }
      shared.told = true
      return true
    }
    if tell { _ = writeFully(told.writeEnd.rawValue, "x") }
  }

  /// Reads the events the kernel holds now, and no more (on whichever
  /// thread asks; one at a time): events that keep coming while they are
  /// read are left for the next read, so a busy node can never keep a
  /// script's boundary reading.
  private func readPending() {
    reading.withLock { reader in
      // Nothing queued (a script that wrote nothing watched): no read.
      var left = orc_fanotify_queued_events(group.rawValue)
      guard left != 0 else { return }
      // The queue's length unknown, one buffer's worth.
      if left < 0 { left = 1 }
      while left > 0, let count = try? group.read(into: reader.buffer), count > 0 {
        left -= parse(UnsafeRawBufferPointer(rebasing: reader.buffer[0..<count]), reader: &reader)
      }
    }
  }

  /// Parses the events in `bytes`; returns how many there were.
  private func parse(_ bytes: UnsafeRawBufferPointer, reader: inout Reader) -> Int {
    var events = 0
    var offset = 0
    var event = orc_fanotify_event()
    var found: [FileTouch] = []
    var overflowed = false
    let seenAt = clock.monotonicNanoseconds()
    let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
    while orc_fanotify_next(base, bytes.count, &offset, &event) == 1 {
      events += 1
      if event.mask & Bits.overflow != 0 {
        overflowed = true
        continue
      }
      guard let path = self.path(event.handle, event.name, fsid: event.fsid, reader: &reader) else { continue }
      let renamedTo = self.path(event.to_handle, event.to_name, fsid: event.fsid, reader: &reader)
      guard scope.contains(path) || renamedTo.map(scope.contains) == true else { continue }
      let origin = origin(of: event.pid, reader: &reader)
      found.append(FileTouch(path: path, renamedTo: renamedTo, origin: origin, seenAt: seenAt))
      guard event.mask & Bits.onDirectory != 0 else { continue }
      // A directory moved or went: the cached paths under it may be stale.
      if event.mask & Bits.entryGone != 0 { reader.directories = [:] }
      // A directory came (made, or moved in): it and what it holds are
      // marked (each before it is listed, so nothing made meanwhile is
      // missed), and what it holds is touched by the same process: what
      // was there before its mark makes no event, what comes after does.
      let arrived = renamedTo ?? path
      if event.mask & Bits.entryCame != 0, scope.contains(arrived) {
        let listed = TreeScan.scan(scope.narrowed(to: arrived)) { self.mark($0) }
        for held in listed.states.keys where held != arrived {
          found.append(FileTouch(path: held, renamedTo: nil, origin: origin, seenAt: seenAt))
        }
      }
    }
    shared.withLock { shared in
      if shared.touches.count + found.count > Self.touchLimit {
        shared.overflowed = true
        shared.dropped += found.count
      } else {
        shared.touches += found
      }
      if overflowed { shared.overflowed = true }
    }
    return events
  }

  /// The path of the entry `name` in the directory `handle` names.
  private func path(_ handle: UnsafeRawPointer?, _ name: UnsafePointer<CChar>?, fsid: UInt64, reader: inout Reader)
    -> String?
  {
    guard let handle, let mount = mounts[fsid] else { return nil }
    let key = Array(UnsafeRawBufferPointer(start: handle, count: orc_file_handle_size(handle)))
    var directory = reader.directories[key]
    if directory == nil {
      let opened = orc_open_directory_by_handle(mount.rawValue, handle)
      guard opened >= 0 else { return nil }
      let file = FileDescriptor(owning: opened)
      var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink("/proc/self/fd/\(file.rawValue)", &target, target.count)
      guard count > 0, target[0] == UInt8(ascii: "/") else { return nil }
      let resolved = String(decoding: target.prefix(count), as: UTF8.self)
      // A directory since deleted reads "… (deleted)": nothing to look at there.
      guard !resolved.hasSuffix(" (deleted)") else { return nil }
      directory = resolved
      if reader.directories.count < 65536 { reader.directories[key] = resolved }
    }
    guard let directory else { return nil }
    guard let name, name.pointee != 0 else { return directory }
    let entry = String(cString: name)
    guard entry != "." else { return directory }
    return directory == "/" ? "/" + entry : directory + "/" + entry
  }

  /// Whether `pid` is ours (a descendant: scripts and what they started),
  /// read from /proc while it lives.
  private func origin(of pid: Int32, reader: inout Reader) -> ChangeOrigin {
    if let known = reader.origins[pid] { return known }
    let us = getpid()
    var current = pid
    var below: ProcessEntry?
    var found = ChangeOrigin.unknown
    for _ in 0..<256 {
      guard let entry = ProcessTable.entry(current) else { break }
      if entry.pid == us {
        found = below.map { .refresh(pid: $0.pid, startTicks: $0.startTicks) } ?? .refresh(pid: us, startTicks: 0)
        break
      }
      if entry.parent <= 1 || entry.pid <= 1 {
        found = .outside
        break
      }
      below = entry
      current = entry.parent
    }
    if found != .unknown, reader.origins.count < 65536 { reader.origins[pid] = found }
    return found
  }
}

import FileWatch
import RefreshStore
import RefreshVocabulary
import SystemInterface

extension FileChangeWatch {
  /// A script is about to be spawned: the clock (ticks since boot) then
  /// stands for its start. A daemon it forks starts at or after it (in the
  /// same tick, with a higher pid), and before the next script's clock
  /// (or in its tick, with a lower pid than the next script's): exact,
  /// with no read of /proc for each script.
  mutating func scriptWillStart() {
    guard watcher != nil else { return }
    nextStartTicks = ProcessTable.bootTicks()
  }

  /// A script started as `pid`: what its processes are told by. Its
  /// daemons are re-parented to us once it exits; they started after it
  /// and before the next script, in clock ticks and, within a tick, in pid
  /// order (pids are handed out in increasing order).
  mutating func scriptStarted(_ script: String, in phase: Phase, pid: Int32) {
    guard watcher != nil else { return }
    scriptStarts.append((nextStartTicks ?? ProcessTable.bootTicks(), pid, phase, script))
    nextStartTicks = nil
    running = (phase, script)
  }

  /// The changes fanotify saw since the last boundary: only the paths its
  /// events named are looked at (and under a directory created, replaced
  /// or gone, what it holds). When the kernel's queue overflowed, events
  /// were lost: a full scan finds the changes, attributed as a scan does,
  /// and the record says it is not complete.
  mutating func fanotifyBoundary() -> [FileChangeRecord] {
    guard let watcher else { return [] }
    let collected = watcher.collect()
    let touches = streamed.held + collected.touches
    streamed.held = []
    running = nil
    let lost = streamed.lost ?? EventLoss(collected)
    streamed.lost = nil
    if let lost {
      if watch.complete {
        watch.complete = false
        watch.incompleteReason =
          lost.reason + ": changes were found by a scan instead, attributed to the scripts "
          + "since the last one, and a file changed and changed back meanwhile is not seen"
      }
      return scanBoundary()
    }
    defer { group = [] }
    return changes(touched: touches)
  }

  /// While a script runs and has changed many files (the watcher's
  /// ``FanotifyWatcher/manyTouches``): the changes to the paths it has left
  /// alone for ``FanotifyWatcher/quietNanoseconds``, recorded now rather than after it, so
  /// that the history takes them while the script goes on. A directory
  /// waits until what it holds is quiet too; a rename (both names, and what
  /// lies below them) and the paths touched since wait for the next
  /// boundary. A path touched again later is looked at again then (a file
  /// rewritten after it was recorded gets a further version). A script that
  /// changes fewer files is recorded at its end only.
  mutating func streamQuietChanges() -> [FileChangeRecord] {
    // Collected even when events were lost: collecting is what empties
    // the descriptor that asked for this.
    guard let watcher else { return [] }
    let collected = watcher.collect(whileRunning: true)
    if streamed.lost == nil { streamed.lost = EventLoss(collected) }
    guard streamed.lost == nil else {
      // Events were lost: the boundary scans, and nothing is held for it.
      streamed.held = []
      watcher.holds(false)
      return []
    }
    let touches = streamed.held + collected.touches
    let cutoff = clock.monotonicNanoseconds() - FanotifyWatcher.quietNanoseconds
    // The last event at each path or below it (a directory is quiet only
    // when what it holds is), and the paths a rename involves.
    var latest = [String: Int64](minimumCapacity: touches.count)
    var renamed = Set<String>()
    // The last event below each directory that holds a touched path: the
    // directories above are walked once each, not once for every path.
    var below: [Substring: Int64] = [:]
    for touch in touches {
      latest[touch.path] = max(latest[touch.path] ?? 0, touch.seenAt)
      if let to = touch.renamedTo {
        renamed.insert(to)
        renamed.insert(touch.path)
      }
      if let parent = Self.parent(of: touch.path) { below[parent] = max(below[parent] ?? 0, touch.seenAt) }
    }
    for (parent, seenAt) in below {
      for above in Self.directories(from: String(parent)) where latest[above] != nil {
        latest[above] = max(latest[above]!, seenAt)
      }
    }
    streamed.held = []
    var quiet: [FileTouch] = []
    for touch in touches {
      let settled =
        touch.renamedTo == nil && latest[touch.path, default: 0] <= cutoff
        && (renamed.isEmpty
          || (!renamed.contains(touch.path) && !Self.ancestors(of: touch.path).contains(where: renamed.contains)))
      if settled { quiet.append(touch) } else { streamed.held.append(touch) }
    }
    watcher.holds(!streamed.held.isEmpty)
    return changes(touched: quiet)
  }

  /// The directory holding `path` (the first of ``ancestors(of:)``); nil
  /// for a path at the top.
  static func parent(of path: String) -> Substring? {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")), slash != path.startIndex else { return nil }
    return path[..<slash]
  }

  /// The directories above `path`, nearest first.
  static func ancestors(of path: String) -> some Sequence<String> { directories(from: path).dropFirst() }

  /// `directory` and the directories above it, nearest first.
  private static func directories(from directory: String) -> some Sequence<String> {
    sequence(first: directory) { parent(of: $0).map(String.init) }
  }

  /// The changes to the paths `touches` name, attributed by their origins.
  private mutating func changes(touched touches: [FileTouch]) -> [FileChangeRecord] {
    guard !touches.isEmpty else { return [] }
    var origins: [String: [ChangeOrigin]] = [:]
    for touch in touches {
      origins[touch.path, default: []].append(touch.origin)
      if let to = touch.renamedTo { origins[to, default: []].append(touch.origin) }
    }
    let (before, after) = states(of: Set(origins.keys))
    let now = clock.wallMicroseconds()
    let attributed = TreeComparison.changes(from: before, to: after).map { change in
      (change, attribution(Self.origin(of: change, in: origins)))
    }
    let records = deliver(attributed, at: now)
    for path in before.keys { known[path] = nil }
    known.merge(after.states) { $1 }
    return records
  }

  /// What `paths` (and what lies under a directory among them that went
  /// or was replaced) were, and are now. A directory that came where none
  /// was is not listed: the watcher touched what it held when it marked it,
  /// and what came after is an event, so each of its paths is among `paths`
  /// (or was, at an earlier collection).
  private func states(of paths: Set<String>) -> (before: [String: FileState], after: TreeSnapshot) {
    var before: [String: FileState] = [:]
    var after = TreeSnapshot()
    var replaced: [String] = []
    for path in paths where settings.scope.contains(path) {
      let old = known[path]
      if let old { before[path] = old }
      var info = stat()
      let now = lstat(path, &info) == 0 ? FileState(info) : nil
      if let now { after.states[path] = now }
      guard let old else { continue }
      let sameDirectory = now?.isSameFile(as: old) == true && now?.kind == .directory
      if !sameDirectory, old.kind == .directory || now?.kind == .directory { replaced.append(path) }
    }
    for directory in replaced {
      for (path, state) in known where path.hasPrefix(directory + "/") { before[path] = state }
      guard after.states[directory]?.kind == .directory else { continue }
      let below = TreeScan.scan(settings.scope.narrowed(to: directory), entering: marking)
      after.states.merge(below.states) { $1 }
      after.unreadable.merge(below.unreadable) { $1 }
    }
    return (before, after)
  }

  /// The origin a change is attributed to: its own path's events, else
  /// those of the nearest directory above it that had events; a
  /// refresh's process before an outside one.
  private static func origin(of change: PathChange, in origins: [String: [ChangeOrigin]]) -> ChangeOrigin {
    var path = change.path
    while true {
      let found = (origins[path] ?? []) + (path == change.path ? origins[change.renamedFrom ?? ""] ?? [] : [])
      if let refresh = found.last(where: { if case .refresh = $0 { true } else { false } }) { return refresh }
      if let other = found.last { return other }
      guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return .unknown }
      path = String(path[..<slash])
    }
  }

  /// The phase and script a change's origin tells; nil for a process outside the refresh.
  private func attribution(_ origin: ChangeOrigin) -> (Phase?, String?)? {
    switch origin {
    case .outside:
      return nil
    case .unknown:
      // Gone before its event was read: a process of the script that runs, or ran.
      return running ?? group.last.map { ($0.phase, $0.script) }
    case .refresh(let pid, let startTicks):
      let started =
        scriptStarts.last { $0.pid == pid }
        ?? scriptStarts.last { ($0.ticks, $0.pid) <= (startTicks, pid) }
      guard let script = started else {
        return running ?? group.last.map { ($0.phase, $0.script) }
      }
      return (script.phase, script.script)
    }
  }
}

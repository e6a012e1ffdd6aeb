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
  }

  /// The changes fanotify saw since the last boundary: only the paths its
  /// events named are looked at (and under a directory created, replaced
  /// or gone, what it holds). When the kernel's queue overflowed, events
  /// were lost: a full scan finds the changes, attributed as a scan does,
  /// and the record says it is not complete.
  mutating func fanotifyBoundary() -> [FileChangeRecord] {
    guard let watcher else { return [] }
    let collected = watcher.collect()
    let touches = collected.touches
    if collected.overflowed || collected.refusedMark != nil {
      if watch.complete {
        watch.complete = false
        let lost =
          collected.refusedMark.map { "a watched directory could not be marked (\($0))" }
          ?? "the kernel's fanotify queue overflowed"
        watch.incompleteReason =
          lost + ": changes were found by a scan instead, attributed to the scripts "
          + "since the last one, and a file changed and changed back meanwhile is not seen"
      }
      return scanBoundary()
    }
    defer { group = [] }
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

  /// What `paths` (and what lies under a directory among them that came,
  /// went or was replaced) were, and are now.
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
      let sameDirectory = old.map { now?.isSameFile(as: $0) == true && now?.kind == .directory } ?? false
      if !sameDirectory, old?.kind == .directory || now?.kind == .directory { replaced.append(path) }
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
      // Gone before its event was read: a process of the script that ran.
      return group.last.map { ($0.phase, $0.script) }
    case .refresh(let pid, let startTicks):
      let started =
        scriptStarts.last { $0.pid == pid }
        ?? scriptStarts.last { ($0.ticks, $0.pid) <= (startTicks, pid) }
      guard let script = started else {
        return group.last.map { ($0.phase, $0.script) }
      }
      return (script.phase, script.script)
    }
  }
}

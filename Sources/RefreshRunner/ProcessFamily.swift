import SystemInterface

/// The processes a script started: its own descendants, and those that left
/// them (double fork, `setsid`) and were re-parented to us, the subreaper.
///
/// Orphans re-parented to us that started before the script are daemons of
/// earlier scripts and are not part of this family. When we do not adopt
/// orphans, the family is the script and its descendants only.
struct ProcessFamily {
  let root: pid_t
  let rootStartTicks: UInt64
  /// Our pid when orphans come back to us, nil when they do not.
  let reaper: pid_t?

  init(root: pid_t, rootStartTicks: UInt64, reaper: pid_t?) {
    (self.root, self.rootStartTicks, self.reaper) = (root, rootStartTicks, reaper)
  }

  init?(root: pid_t, adoptsOrphans: Bool) {
    guard let entry = ProcessTable.entry(root) else { return nil }
    self.root = root
    rootStartTicks = entry.startTicks
    reaper = adoptsOrphans ? getpid() : nil
  }

  /// The living members (zombies excluded), root included while it runs.
  func members(in table: [ProcessEntry]) -> Set<pid_t> { Set(orderedMembers(in: table)) }

  /// The living members, parents before their children: the script first.
  func orderedMembers(in table: [ProcessEntry]) -> [pid_t] {
    var children: [pid_t: [pid_t]] = [:]
    let table = table.filter { !$0.isZombie }
    for entry in table { children[entry.parent, default: []].append(entry.pid) }
    var queue: [pid_t] = []
    if table.contains(where: { $0.pid == root && $0.startTicks == rootStartTicks }) {
      queue.append(root)
    }
    for entry in table where reaper != nil && entry.parent == reaper && entry.pid != root {
      let later =
        entry.startTicks > rootStartTicks
        || (entry.startTicks == rootStartTicks && entry.pid > root)
      if later { queue.append(entry.pid) }
    }
    var found = Set<pid_t>()
    var order: [pid_t] = []
    var next = 0
    while next < queue.count {
      let pid = queue[next]
      next += 1
      guard found.insert(pid).inserted else { continue }
      order.append(pid)
      queue.append(contentsOf: children[pid] ?? [])
    }
    return order
  }

  /// Sends `signal` to every member, parents before their children: a
  /// shell waiting for a child must have the signal before the child dies
  /// of it, or its `wait` returns, it exits, and its trap never runs.
  @discardableResult
  func signal(_ signal: Int32) -> Int {
    let members = orderedMembers(in: ProcessTable.snapshot())
    for pid in members { kill(pid, signal) }
    return members.count
  }

  /// Kills every member with SIGKILL. Members are stopped first, round after
  /// round until no new one appears, so none can fork its way out of the sweep.
  func killAll() {
    var stopped = Set<pid_t>()
    for _ in 0..<32 {
      let fresh = members(in: ProcessTable.snapshot()).subtracting(stopped)
      if fresh.isEmpty { break }
      for pid in fresh { kill(pid, SIGSTOP) }
      stopped.formUnion(fresh)
    }
    for pid in stopped { kill(pid, SIGKILL) }
  }

  /// Whether any member is still alive (zombies count as gone).
  func hasLivingMembers() -> Bool {
    !members(in: ProcessTable.snapshot()).isEmpty
  }
}

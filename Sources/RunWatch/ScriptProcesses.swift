import SecretHiding
import SystemInterface

/// What a process waits on, when /proc can tell.
public enum WaitTarget: Sendable, Equatable {
  /// A file lock another process holds (`flock`, `fcntl`): the file when
  /// one of its descriptors names it, and the holder when /proc/locks lists it.
  case lock(path: String?, kind: String, holder: Int64?)
  /// TCP connections it holds, none listening (connecting, or waiting for data).
  case network([SocketTable.Socket])
}

/// One process of the running script's tree.
public struct ProcessView: Sendable, Equatable {
  public var pid: Int64
  public var parent: Int64
  /// Its state letter: `R` running, `S` sleeping, `D` in uninterruptible
  /// wait (disk, NFS), `T` stopped, `Z` exited and unreaped.
  public var state: String
  /// Its command line, secrets masked, control characters escaped.
  public var command: String
  /// The kernel function it sleeps in (/proc/PID/wchan); nil when running or unknown.
  public var wchan: String?
  /// How long it has run, microseconds.
  public var elapsedMicroseconds: Int64?
  public var waitsOn: WaitTarget?
}

/// The processes of the script a refresh runs now, read from /proc: the
/// script and its descendants, and those that left the tree (double fork,
/// `setsid`) and came back to the refresh, its subreaper, after the script
/// started, as the runner itself counts them when it signals a script.
public enum ScriptProcesses {
  /// The tree under refresh `refreshPid` of the script at `scriptPath`, its
  /// root first, parents before children; with no script known, every
  /// descendant of the refresh.
  public static func tree(refreshPid: Int64, scriptPath: String?) -> [ProcessView] {
    guard refreshPid > 0, refreshPid <= Int64(Int32.max) else { return [] }
    let table = ProcessTable.snapshot().filter { !$0.isZombie }
    let reaper = pid_t(refreshPid)
    var children: [pid_t: [ProcessEntry]] = [:]
    for entry in table { children[entry.parent, default: []].append(entry) }
    let direct = (children[reaper] ?? []).sorted { $0.startTicks < $1.startTicks }
    var queue: [ProcessEntry]
    if let scriptPath, let root = direct.last(where: { arguments(of: $0.pid).contains(scriptPath) }) {
      queue = [root] + direct.filter { $0.pid != root.pid && $0.startTicks >= root.startTicks }
    } else {
      queue = direct
    }
    var order: [ProcessEntry] = []
    var seen = Set<pid_t>()
    var next = 0
    while next < queue.count {
      let entry = queue[next]
      next += 1
      guard seen.insert(entry.pid).inserted else { continue }
      order.append(entry)
      queue += (children[entry.pid] ?? []).sorted { $0.startTicks < $1.startTicks }
    }
    let locks = FileLocks.current()
    let uptime = ProcessTable.uptimeTicks()
    let ticks = ProcessTable.ticksPerSecond
    return order.map { entry in
      var view = ProcessView(
        pid: Int64(entry.pid), parent: Int64(entry.parent), state: String(entry.state),
        command: command(of: Int64(entry.pid)),
        wchan: wchan(of: entry.pid), elapsedMicroseconds: nil, waitsOn: nil)
      if let uptime, uptime >= entry.startTicks {
        view.elapsedMicroseconds = Int64(clamping: (uptime - entry.startTicks) * 1_000_000 / ticks)
      }
      if entry.state != "R" { view.waitsOn = waitTarget(of: entry.pid, wchan: view.wchan, locks: locks) }
      return view
    }
  }

  /// The command line of process `pid` as status shows it: secrets masked,
  /// control characters escaped; "" when it is gone.
  public static func command(of pid: Int64) -> String {
    guard pid > 0, pid <= Int64(Int32.max) else { return "" }
    return DisplayText.escaped(CommandLineMask.display(arguments(of: pid_t(pid))), singleLine: true)
  }

  /// Whether process `pid` is a refresh: ours, or the reference (a Python
  /// script), by the name of its executable or of the script it runs.
  /// Anything else holding the lock file (`flock FILE sleep`, a script's
  /// own lock) is not.
  public static func isRefresh(_ pid: Int64) -> Bool {
    guard pid > 0, pid <= Int64(Int32.max) else { return false }
    let arguments = arguments(of: pid_t(pid))
    func name(_ path: String) -> Substring { path.split(separator: "/").last ?? "" }
    guard let program = arguments.first.map(name) else { return false }
    if program == "os-refresh-config" { return true }
    let interpreter = program.hasPrefix("python") || program == "sh" || program == "bash"
    return interpreter && arguments.dropFirst().first { !$0.hasPrefix("-") }.map(name) == "os-refresh-config"
  }

  /// Its arguments (/proc/PID/cmdline, at most 64 KiB); none for a kernel thread or a gone process.
  static func arguments(of pid: pid_t) -> [String] {
    guard let (bytes, _) = try? SmallFile.read("/proc/\(pid)/cmdline", limit: 64 << 10) else { return [] }
    var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
    if parts.last?.isEmpty == true { parts.removeLast() }
    return parts.map { String(decoding: $0, as: UTF8.self) }
  }

  /// /proc/PID/wchan: a kernel function's name, or nil ("0": running, or hidden).
  static func wchan(of pid: pid_t) -> String? {
    guard let (bytes, _) = try? SmallFile.read("/proc/\(pid)/wchan", limit: 256) else { return nil }
    let name = String(decoding: bytes, as: UTF8.self)
    guard !name.isEmpty, name != "0",
      name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" })
    else { return nil }
    return name
  }

  /// What `pid` waits on: a lock /proc/locks says it waits for, else the
  /// TCP connections among its descriptors (not when it waits for a child,
  /// whose sockets they may be).
  static func waitTarget(of pid: pid_t, wchan: String?, locks: FileLocks) -> WaitTarget? {
    let descriptors = descriptors(of: pid)
    if let (lock, holder) = locks.waited(by: Int64(pid)) {
      let path = descriptors.first { $0.info.map { FileLocks.isFile($0, lock) } ?? false }?.target
      return .lock(path: path.map { DisplayText.escaped($0, singleLine: true) }, kind: lock.kind, holder: holder)
    }
    guard wchan != "do_wait" else { return nil }
    let inodes = descriptors.compactMap { descriptor -> UInt64? in
      guard descriptor.target.hasPrefix("socket:["), descriptor.target.hasSuffix("]") else { return nil }
      return UInt64(descriptor.target.dropFirst(8).dropLast())
    }
    guard !inodes.isEmpty else { return nil }
    let table = SocketTable.of(pid: Int64(pid))
    let connections = inodes.compactMap { table.sockets[$0] }.filter { $0.state != "LISTEN" }
    return connections.isEmpty ? nil : .network(connections)
  }

  /// Its open descriptors: where each points (readlink), and the file's
  /// stat when it is one (at most 1024 looked at).
  static func descriptors(of pid: pid_t) -> [(target: String, info: stat?)] {
    let directory = "/proc/\(pid)/fd"
    guard let listing = opendir(directory) else { return [] }
    defer { closedir(listing) }
    var result: [(String, stat?)] = []
    while result.count < 1024, let item = readdir(listing) {
      let name = withUnsafePointer(to: item.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      guard name.first?.isNumber == true else { continue }
      let link = directory + "/" + name
      var buffer = [CChar](repeating: 0, count: 4096)
      let count = readlink(link, &buffer, buffer.count - 1)
      guard count > 0 else { continue }
      let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      var info = stat()
      result.append((target, target.hasPrefix("/") && stat(link, &info) == 0 ? info : nil))
    }
    return result
  }
}

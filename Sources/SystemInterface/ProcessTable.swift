/// A process found in /proc.
public struct ProcessEntry: Equatable, Sendable {
  public let pid: pid_t
  public let parent: pid_t
  /// Its state letter (field 3 of /proc/PID/stat): `R`, `S`, `D`, `Z`, `T`…
  public let state: Character
  /// Start time in clock ticks after boot (field 22 of /proc/PID/stat).
  public let startTicks: UInt64

  /// An entry as /proc gives it.
  public init(pid: pid_t, parent: pid_t, state: Character, startTicks: UInt64) {
    (self.pid, self.parent, self.state, self.startTicks) = (pid, parent, state, startTicks)
  }

  /// Whether it has exited and waits to be reaped (state `Z`).
  public var isZombie: Bool { state == "Z" }
}

/// Reads the process table from /proc.
public enum ProcessTable {
  /// Every process visible now.
  public static func snapshot() -> [ProcessEntry] {
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var entries: [ProcessEntry] = []
    while let item = readdir(directory) {
      let pid = withUnsafePointer(to: item.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 16) { atoi($0) }
      }
      if pid > 0, let entry = entry(pid) { entries.append(entry) }
    }
    return entries
  }

  /// The entry for one pid, or nil when it is gone.
  public static func entry(_ pid: pid_t) -> ProcessEntry? {
    guard let (buffer, _) = try? SmallFile.read("/proc/\(pid)/stat", limit: 1024) else { return nil }
    return parse(stat: buffer, pid: pid)
  }

  /// `/proc/PID/stat`'s fields: "pid (comm) state ppid …", where comm may
  /// hold spaces and ')', so the fields are split after the last ')'.
  public static func parse(stat buffer: [UInt8], pid: pid_t) -> ProcessEntry? {
    guard let close = buffer.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = buffer[(close + 1)...].split(separator: UInt8(ascii: " "))
    // fields[0] is the state (field 3), so field N is fields[N - 3].
    guard fields.count > 19, let state = fields[0].first,
      let parent = Int32(String(decoding: fields[1], as: UTF8.self)),
      let start = UInt64(String(decoding: fields[19], as: UTF8.self))
    else { return nil }
    return ProcessEntry(pid: pid, parent: parent, state: Character(Unicode.Scalar(state)), startTicks: start)
  }

  /// Clock ticks per second, as /proc/PID/stat counts them.
  public static var ticksPerSecond: UInt64 {
    let ticks = sysconf(Int32(_SC_CLK_TCK))
    return ticks > 0 ? UInt64(ticks) : 100
  }

  /// Seconds since boot (/proc/uptime), as ticks; nil when /proc does not say.
  public static func uptimeTicks() -> UInt64? {
    guard let (bytes, _) = try? SmallFile.read("/proc/uptime", limit: 128) else { return nil }
    let first = bytes.prefix { $0 != UInt8(ascii: " ") }
    let parts = first.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard let whole = UInt64(String(decoding: parts[0], as: UTF8.self)) else { return nil }
    let hundredths = parts.count > 1 ? UInt64(String(decoding: parts[1].prefix(2), as: UTF8.self)) ?? 0 : 0
    let (scaled, overflow) = whole.multipliedReportingOverflow(by: ticksPerSecond)
    guard !overflow else { return nil }
    return scaled + hundredths * ticksPerSecond / 100
  }

  /// The time since boot in clock ticks, as /proc/PID/stat counts a
  /// process's start (CLOCK_BOOTTIME).
  public static func bootTicks() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_BOOTTIME, &now)
    return UInt64(now.tv_sec) * ticksPerSecond + UInt64(now.tv_nsec) * ticksPerSecond / 1_000_000_000
  }
}

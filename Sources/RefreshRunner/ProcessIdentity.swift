import SystemInterface

/// Names a process beyond its pid, which the kernel reuses: the boot it runs
/// in and its start time.
public struct ProcessIdentity: Sendable, Equatable {
  /// The process id.
  public let pid: Int64
  /// `/proc/sys/kernel/random/boot_id`: changes at every boot.
  public let bootID: String
  /// Start time in clock ticks after boot (`/proc/PID/stat` field 22).
  public let startTicks: Int64
  /// The PID namespace the pid belongs to, as `/proc/self/ns/pid` reads
  /// (`pid:[4026531836]`); "" when /proc does not say.
  public let pidNamespace: String

  /// Ours.
  public static func current() -> ProcessIdentity {
    let pid = getpid()
    return ProcessIdentity(
      pid: Int64(pid), bootID: currentBootID(), startTicks: Int64(ProcessTable.entry(pid)?.startTicks ?? 0),
      pidNamespace: currentPIDNamespace())
  }

  /// Whether the process named by these facts still runs (a zombie counts
  /// as gone). A process of another PID namespace cannot be judged from
  /// here, where its pid names another process or none: it counts as alive.
  public static func isAlive(pid: Int64, bootID: String, startTicks: Int64, pidNamespace: String) -> Bool {
    if !pidNamespace.isEmpty && pidNamespace != currentPIDNamespace() { return true }
    guard bootID == currentBootID(), pid > 0, pid <= Int64(Int32.max),
      let entry = ProcessTable.entry(pid_t(pid))
    else { return false }
    return Int64(entry.startTicks) == startTicks && !entry.isZombie
  }

  /// Our PID namespace, `pid:[N]`, or "" when /proc does not say.
  public static func currentPIDNamespace() -> String {
    var buffer = [CChar](repeating: 0, count: 128)
    let count = readlink("/proc/self/ns/pid", &buffer, buffer.count - 1)
    guard count > 0 else { return "" }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The current boot's id, or "" when /proc does not say.
  public static func currentBootID() -> String {
    guard let (bytes, _) = try? SmallFile.read("/proc/sys/kernel/random/boot_id", limit: 64) else { return "" }
    return String(decoding: bytes, as: UTF8.self).trimmingTrailingNewlines()
  }
}

extension String {
  func trimmingTrailingNewlines() -> String {
    var text = self
    while text.last == "\n" { text.removeLast() }
    return text
  }
}

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

  /// Ours.
  public static func current() -> ProcessIdentity {
    let pid = getpid()
    return ProcessIdentity(
      pid: Int64(pid), bootID: currentBootID(), startTicks: Int64(ProcessTable.entry(pid)?.startTicks ?? 0))
  }

  /// Whether the process named by these three facts still runs (a zombie
  /// counts as gone).
  public static func isAlive(pid: Int64, bootID: String, startTicks: Int64) -> Bool {
    guard bootID == currentBootID(), pid > 0, pid <= Int64(Int32.max),
      let entry = ProcessTable.entry(pid_t(pid))
    else { return false }
    return Int64(entry.startTicks) == startTicks && !entry.isZombie
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

import SystemInterface

/// The file locks the kernel lists in /proc/locks: who holds which, and who
/// waits for one. Read only: looking never takes or disturbs a lock.
public struct FileLocks: Sendable {
  /// One line of /proc/locks.
  public struct Lock: Sendable, Equatable {
    /// The number that groups a held lock with those blocked on it.
    public var number: Int
    /// Whether the process waits for it (`->`) rather than holds it.
    public var blocked: Bool
    /// `FLOCK`, `POSIX`, `OFDLCK`, `LEASE`…
    public var kind: String
    /// `READ` or `WRITE`.
    public var access: String
    public var pid: Int64
    public var device: (major: UInt32, minor: UInt32)
    public var inode: UInt64

    public static func == (lhs: Lock, rhs: Lock) -> Bool {
      (lhs.number, lhs.blocked, lhs.kind, lhs.access, lhs.pid, lhs.inode)
        == (rhs.number, rhs.blocked, rhs.kind, rhs.access, rhs.pid, rhs.inode)
        && lhs.device == rhs.device
    }
  }

  public var locks: [Lock]

  /// The locks listed now; none when /proc does not say.
  public static func current() -> FileLocks {
    guard let (bytes, _) = try? SmallFile.read("/proc/locks", limit: 4 << 20) else { return FileLocks(locks: []) }
    return FileLocks(text: String(decoding: bytes, as: UTF8.self))
  }

  /// The locks of /proc/locks' `text`: `1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF`,
  /// and for a waiter `1: -> FLOCK  ADVISORY  WRITE 4321 fe:00:5678 0 EOF`.
  public init(text: String) {
    locks = text.split(separator: "\n").compactMap { line in
      var fields = line.split(separator: " ")
      guard fields.count >= 6, fields[0].last == ":", let number = Int(fields[0].dropLast()) else { return nil }
      fields.removeFirst()
      let blocked = fields.first == "->"
      if blocked { fields.removeFirst() }
      guard fields.count >= 5, let pid = Int64(fields[3]) else { return nil }
      let place = fields[4].split(separator: ":")
      guard place.count == 3, let major = UInt32(place[0], radix: 16), let minor = UInt32(place[1], radix: 16),
        let inode = UInt64(place[2])
      else { return nil }
      return Lock(
        number: number, blocked: blocked, kind: String(fields[0]), access: String(fields[2]), pid: pid,
        device: (major, minor), inode: inode)
    }
  }

  init(locks: [Lock]) { self.locks = locks }

  /// The process holding a lock on the file `path` names (never followed
  /// through a symbolic link); nil when none does or it does not exist.
  public func holder(of path: String) -> Int64? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return locks.first { !$0.blocked && Self.isFile(info, $0) }?.pid
  }

  /// The lock `pid` waits for, and who holds it (nil when the holder is not listed).
  public func waited(by pid: Int64) -> (lock: Lock, holder: Int64?)? {
    guard let lock = locks.first(where: { $0.blocked && $0.pid == pid }) else { return nil }
    let holder = locks.first { !$0.blocked && $0.number == lock.number }?.pid
    return (lock, holder)
  }

  /// Whether `info` (a stat) is the file `lock` is on.
  public static func isFile(_ info: stat, _ lock: Lock) -> Bool {
    UInt64(info.st_ino) == lock.inode && major(UInt64(info.st_dev)) == lock.device.major
      && minor(UInt64(info.st_dev)) == lock.device.minor
  }

  /// A device number's major and minor halves, as glibc's `major(3)` splits them.
  static func major(_ device: UInt64) -> UInt32 {
    UInt32(truncatingIfNeeded: ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff)))
  }

  static func minor(_ device: UInt64) -> UInt32 {
    UInt32(truncatingIfNeeded: (device & 0xff) | ((device >> 12) & ~UInt64(0xff)))
  }
}

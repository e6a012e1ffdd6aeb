import SystemInterface

/// What a stat(2) of a watched path says, without following a link: enough
/// to tell a file created, rewritten, replaced, renamed or re-moded.
public struct FileState: Sendable, Equatable {
  /// What kind of file it is.
  public enum Kind: String, Sendable {
    case regular, directory, symlink
    /// A FIFO, a socket or a device: watched for presence, never opened.
    case special
  }

  public var kind: Kind
  public var device: Int64
  public var inode: Int64
  public var size: Int64
  /// Modification and change times, nanoseconds since the epoch.
  public var modified: Int64
  public var changed: Int64
  /// The permission bits (07777).
  public var mode: Int64
  public var owner: Int64
  public var group: Int64

  /// Creates a state.
  public init(
    kind: Kind, device: Int64, inode: Int64, size: Int64, modified: Int64, changed: Int64, mode: Int64,
    owner: Int64, group: Int64
  ) {
    (self.kind, self.device, self.inode, self.size) = (kind, device, inode, size)
    (self.modified, self.changed, self.mode, self.owner, self.group) = (modified, changed, mode, owner, group)
  }

  /// The state `info` describes.
  public init(_ info: stat) {
    switch info.st_mode & S_IFMT {
    case S_IFREG: kind = .regular
    case S_IFDIR: kind = .directory
    case S_IFLNK: kind = .symlink
    default: kind = .special
    }
    device = Int64(bitPattern: UInt64(info.st_dev))
    inode = Int64(bitPattern: UInt64(info.st_ino))
    size = Int64(info.st_size)
    modified = Self.nanoseconds(info.st_mtim)
    changed = Self.nanoseconds(info.st_ctim)
    mode = Int64(info.st_mode & 0o7777)
    owner = Int64(info.st_uid)
    group = Int64(info.st_gid)
  }

  /// A timestamp in nanoseconds, saturated far outside any real clock.
  static func nanoseconds(_ time: timespec) -> Int64 {
    let (seconds, overflow) = Int64(time.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow else { return time.tv_sec < 0 ? .min : .max }
    return seconds.addingReportingOverflow(Int64(time.tv_nsec)).overflow ? .max : seconds + Int64(time.tv_nsec)
  }

  /// Whether the same file (device and inode).
  public func isSameFile(as other: FileState) -> Bool { device == other.device && inode == other.inode }

  /// Whether its content may differ from `other`'s: another file, another
  /// size or another modification time.
  public func contentMayDiffer(from other: FileState) -> Bool {
    !isSameFile(as: other) || size != other.size || modified != other.modified || kind != other.kind
  }

  /// Whether its mode or owner differ from `other`'s.
  public func metadataDiffers(from other: FileState) -> Bool {
    mode != other.mode || owner != other.owner || group != other.group
  }
}

import SystemInterface

/// What tells a file's content has not changed without reading it: the
/// device, inode, size, and modification and change times in nanoseconds
/// (every write changes the change time, which only the kernel sets).
public struct FileIdentity: Sendable, Equatable {
  public let device: Int64
  public let inode: Int64
  public let size: Int64
  public let modifiedNanoseconds: Int64
  public let changedNanoseconds: Int64

  /// Creates an identity.
  public init(device: Int64, inode: Int64, size: Int64, modifiedNanoseconds: Int64, changedNanoseconds: Int64) {
    (self.device, self.inode, self.size) = (device, inode, size)
    (self.modifiedNanoseconds, self.changedNanoseconds) = (modifiedNanoseconds, changedNanoseconds)
  }

  /// The identity of the regular file at `path` (symlinks followed, as
  /// execve does); nil when it is not one.
  public static func of(_ path: String) -> FileIdentity? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    let (modified, changed) = (info.st_mtim, info.st_ctim)
    let (mtime, mtimeOverflow) = Int64(modified.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
    let (ctime, ctimeOverflow) = Int64(changed.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
    guard !mtimeOverflow, !ctimeOverflow else { return nil }
    return FileIdentity(
      device: Int64(bitPattern: UInt64(info.st_dev)), inode: Int64(bitPattern: UInt64(info.st_ino)),
      size: Int64(info.st_size), modifiedNanoseconds: mtime &+ Int64(modified.tv_nsec),
      changedNanoseconds: ctime &+ Int64(changed.tv_nsec))
  }
}

import ContentEncoding
import SystemInterface

/// A forward-secure sealing key: the key of one position in the chain of
/// sealed runs. After a run is sealed under the key of position p, the key
/// of p + 1 is derived from it (HMAC-SHA-256 of a fixed label under it) and
/// the old one overwritten, so whoever takes the node later cannot make the
/// seal of a run before: they hold only keys of later positions.
public struct SealKey: Equatable, Sendable {
  /// The position in the chain this key seals.
  public let position: Int64
  /// The 32 key bytes.
  public let bytes: [UInt8]

  public init(position: Int64, bytes: [UInt8]) {
    self.position = position
    self.bytes = bytes
  }

  /// The key of the next position.
  public func next() -> SealKey {
    SealKey(position: position + 1, bytes: HMACSHA256.digest(key: bytes, Array("orc-seal-evolve/1".utf8)))
  }

  /// The furthest position `verify` derives a key for: a million sealed
  /// runs (years of refreshes), about a second of derivation. A position
  /// past it in a history is named, never derived (a tampered position must
  /// not make `verify` run for ever).
  public static let furthestPosition: Int64 = 1_000_000

  /// The key of `target` (not before this one's position), derived step by step.
  public func advanced(to target: Int64) -> SealKey {
    var key = self
    while key.position < target { key = key.next() }
    return key
  }

  /// The MAC of a chain value under this key, in lowercase hex.
  public func mac(_ chain: [UInt8]) -> String {
    ContentDigest.hex(HMACSHA256.digest(key: bytes, chain))
  }

  /// A new random key for position 0.
  static func random() -> SealKey {
    var generator = SystemRandomNumberGenerator()
    return SealKey(position: 0, bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
  }

  // MARK: - The key file

  /// The file's first bytes, then the position (8 bytes, big-endian) and the key.
  private static let magic = Array("ORCSEAL1".utf8)
  /// The file's exact size.
  static let fileSize = 48

  var fileBytes: [UInt8] {
    var bytes = Self.magic
    for shift in stride(from: 56, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: position >> Int64(shift)))
    }
    return bytes + self.bytes
  }

  /// The key in a key file: a regular file of ours, not a link, exactly
  /// ``fileSize`` bytes beginning with the magic. Anything else is one
  /// clear reason, and the file is left as it is: never re-keyed.
  static func read(_ path: String) throws(StoreError) -> SealKey {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      let reason = errno == ENOENT ? "it is missing" : String(cString: strerror(errno))
      throw .sealKey(path: path, reason: reason)
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw .sealKey(
        path: path, reason: info.st_mode & S_IFMT == S_IFLNK ? "it is a symbolic link" : "not a regular file")
    }
    guard info.st_uid == geteuid() else {
      throw .sealKey(path: path, reason: "it belongs to uid \(info.st_uid), not to us (uid \(geteuid()))")
    }
    guard let (bytes, complete) = try? SmallFile.read(path, limit: fileSize, followingLinks: false), complete,
      bytes.count == fileSize, Array(bytes.prefix(8)) == magic
    else {
      throw .sealKey(path: path, reason: "it is not a seal key of \(fileSize) bytes (truncated or damaged)")
    }
    let position = bytes[8..<16].reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    guard position >= 0 else { throw .sealKey(path: path, reason: "its position is negative") }
    return SealKey(position: position, bytes: Array(bytes[16...]))
  }

  /// Writes the key to `path` durably: a new file beside it (0600, made
  /// here, never one that was there), synced, renamed over it, and the
  /// directory synced, so a crash leaves the old key or this one.
  func write(to path: String) throws(StoreError) {
    let temporary = path + ".new"
    unlink(temporary)
    let file: FileDescriptor
    do {
      file = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
    } catch {
      throw .sealKey(path: path, reason: "cannot write it (\(error))")
    }
    let written = fileBytes.withUnsafeBytes { file.writeAll($0) } && fsync(file.rawValue) == 0
    file.close()
    let placed = written && rename(temporary, path) == 0
    let reason = String(cString: strerror(errno))
    unlink(temporary)
    guard placed else { throw .sealKey(path: path, reason: "cannot write it (\(reason))") }
    Self.syncDirectory(of: path)
  }

  /// Moves the key file at `path` on to this key, in place: its 48 bytes
  /// rewritten over the old key's (which are gone from the disk, not left in
  /// a freed block as a rename would) and synced; a write this small within
  /// one sector lands whole or not at all. The file must be ours, regular
  /// and of the key's size, as ``read(_:)`` demands.
  ///
  /// Only ever forward: under an exclusive lock on the file, a key already
  /// at or past this one's position (another sealer's, moved first) is left
  /// as it is, so no older key comes back.
  func overwrite(_ path: String) throws(StoreError) {
    unlink(path + ".new")
    let file: FileDescriptor
    do {
      file = try FileDescriptor.open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
    } catch {
      throw .sealKey(path: path, reason: "cannot write it (\(error))")
    }
    defer { file.close() }
    let descriptor = file.rawValue
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(),
      info.st_size == Self.fileSize
    else { throw .sealKey(path: path, reason: "it is no longer a seal key of ours") }
    // Held until the file is closed; only sealers of this history take it.
    do {
      try systemCall("flock", subject: path) { flock(descriptor, LOCK_EX) }
    } catch {
      throw .sealKey(path: path, reason: "cannot lock it (\(error))")
    }
    var stored = [UInt8](repeating: 0, count: Self.fileSize)
    let read = stored.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    if read == Self.fileSize, Array(stored.prefix(8)) == Self.magic,
      stored[8..<16].reduce(Int64(0), { ($0 << 8) | Int64($1) }) >= position
    {
      return
    }
    let bytes = fileBytes
    let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    guard written == bytes.count, fdatasync(descriptor) == 0 else {
      throw .sealKey(path: path, reason: "cannot write it (\(String(cString: strerror(errno))))")
    }
  }

  private static func syncDirectory(of path: String) {
    let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    guard let descriptor = try? FileDescriptor.open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY)
    else { return }
    fsync(descriptor.rawValue)
    descriptor.close()
  }
}

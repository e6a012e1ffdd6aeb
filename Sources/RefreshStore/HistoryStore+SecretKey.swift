import ContentEncoding
import SystemInterface

// MARK: - The secret key

extension HistoryStore {
  /// The random key secrets are digested under (HMAC-SHA-256), made once per
  /// database and kept beside it in `PATH.key` (0600), never inside it: a
  /// copied or exported database alone confirms no guess.
  ///
  /// A key file that is there but is not a regular file of 32 bytes of ours
  /// is refused, never replaced (it may be a mistake to look at, not to
  /// destroy). A missing one is made anew; when the history already holds
  /// digests made under a key, `replacedLost` says the old one was lost:
  /// each secret then shows as changed once.
  /// The key when there is one and it is sound, without making one (what
  /// a reader uses: it writes nothing).
  public func existingSecretKey() -> [UInt8]? {
    guard (try? DatabaseLocation.checkKeyFile(files.secretKey)) != nil,
      let (bytes, complete) = try? SmallFile.read(files.secretKey, limit: 32, followingLinks: false), complete,
      bytes.count == 32
    else { return nil }
    return bytes
  }

  public func secretKey() throws -> (key: [UInt8], replacedLost: Bool) {
    let keyPath = files.secretKey
    var info = stat()
    if lstat(keyPath, &info) == 0 {
      try DatabaseLocation.checkKeyFile(keyPath)
      guard info.st_size == 32, let (bytes, complete) = try? SmallFile.read(keyPath, limit: 32), complete,
        bytes.count == 32
      else {
        throw StoreError.unsafePath(path: keyPath, reason: "the secret key is not 32 bytes; it is left as it is")
      }
      return (bytes, false)
    }
    let hadKey =
      try database.firstRow(
        "SELECT EXISTS (SELECT 1 FROM run_inputs WHERE sha256 LIKE ?)", [.text(ContentDigest.keyedPrefix + "%")],
        { $0.int64(0) }) == 1
    var generator = SystemRandomNumberGenerator()
    let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    unlink(keyPath + ".new")
    let file = try FileDescriptor.open(keyPath + ".new", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
    guard key.withUnsafeBytes({ file.writeAll($0) }), fsync(file.rawValue) == 0 else {
      throw StoreError.unusableDirectory(path: keyPath, reason: "cannot write the secret key")
    }
    file.close()
    // link(2), not rename: a key file that appeared meanwhile is never replaced.
    guard link(keyPath + ".new", keyPath) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(keyPath + ".new")
      throw StoreError.unusableDirectory(path: keyPath, reason: reason)
    }
    unlink(keyPath + ".new")
    return (key, hadKey)
  }
}

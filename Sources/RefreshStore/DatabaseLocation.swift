import SystemInterface

/// Where a history may live, checked before SQLite opens anything there.
///
/// We run as root: a path another user could have planted (a symlink, a
/// file or a directory of theirs) must never receive root's history or make
/// root write elsewhere. A history's directory and files are ours, not
/// symlinks and not writable by anyone else; what is looser is refused, and
/// an existing database that others could read is tightened to 0600.
enum DatabaseLocation {
  /// Refuses what is not a file name: an empty path and `:memory:` keep
  /// nothing, and `file:` would be taken by SQLite as a URI.
  static func checkName(_ path: String) throws(StoreError) {
    if path.isEmpty || path == ":memory:" {
      throw .unsafePath(path: path, reason: "an empty or in-memory database keeps nothing")
    }
    if path.hasPrefix("file:") {
      throw .unsafePath(path: path, reason: "a URI; the history takes a file name (write ./\(path) for that name)")
    }
  }

  /// Checks the directory `path` is in (made beforehand when missing).
  static func checkDirectory(of path: String) throws(StoreError) {
    let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
    var info = stat()
    guard lstat(directory, &info) == 0 else {
      throw .unusableDirectory(path: directory, reason: String(cString: strerror(errno)))
    }
    if info.st_mode & S_IFMT == S_IFLNK {
      throw .unsafePath(path: directory, reason: "the directory is a symbolic link")
    }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw .unusableDirectory(path: directory, reason: "not a directory")
    }
    try checkOwnership(info, of: directory, what: "directory")
    if info.st_mode & 0o022 != 0 {
      throw .unsafePath(
        path: directory, reason: "the directory is writable by others (mode \(octal(info.st_mode & 0o7777)))")
    }
  }

  /// Checks each existing file of the database: a regular file of ours, not
  /// a symlink; tightens one others could read or write to 0600.
  static func checkFiles(_ path: String) throws(StoreError) {
    for file in HistoryFiles(database: path).sqliteFiles {
      var info = stat()
      guard lstat(file, &info) == 0 else { continue }
      guard info.st_mode & S_IFMT != S_IFLNK else {
        throw .unsafePath(path: file, reason: "a symbolic link")
      }
      guard info.st_mode & S_IFMT == S_IFREG else {
        throw .unsafePath(path: file, reason: "not a regular file")
      }
      try checkOwnership(info, of: file, what: "file")
      if info.st_mode & 0o077 != 0 { chmod(file, 0o600) }
    }
  }

  /// Checks the secret key file: a regular file of ours, not a symlink, 0600.
  static func checkKeyFile(_ path: String) throws(StoreError) {
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      throw .unsafePath(path: path, reason: "the secret key is not a regular file")
    }
    try checkOwnership(info, of: path, what: "file")
    if info.st_mode & 0o077 != 0 { chmod(path, 0o600) }
  }

  /// Checks a database to read: it exists and is a regular file (a FIFO
  /// would hang the open).
  static func checkReadable(_ path: String) throws(StoreError) {
    try checkName(path)
    var info = stat()
    guard stat(path, &info) == 0 else {
      let code = errno
      if code == ENOENT { throw .noDatabase(path: path) }
      throw .unreadable(path: path, reason: String(cString: strerror(code)))
    }
    guard info.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
  }

  private static func checkOwnership(_ info: stat, of path: String, what: String) throws(StoreError) {
    guard info.st_uid == geteuid() else {
      throw .unsafePath(path: path, reason: "the \(what) belongs to uid \(info.st_uid), not to us (uid \(geteuid()))")
    }
  }

  private static func octal(_ mode: mode_t) -> String { "0" + String(mode, radix: 8) }

  /// Whether `path` lies on a filesystem mounted read-only (statvfs(3) ST_RDONLY).
  static func isOnReadOnlyFilesystem(_ path: String) -> Bool {
    var info = statvfs()
    return statvfs(path, &info) == 0 && info.f_flag & UInt(ST_RDONLY) != 0
  }

  /// Whether the WAL's shared-memory index (`PATH-shm`) exists.
  static func hasSharedMemoryFile(_ path: String) -> Bool {
    access(HistoryFiles(database: path).sharedMemory, F_OK) == 0
  }

  /// Whether a write-ahead log with records (`PATH-wal`, not empty) exists.
  static func hasWriteAheadRecords(_ path: String) -> Bool {
    var info = stat()
    return lstat(HistoryFiles(database: path).writeAheadLog, &info) == 0 && info.st_size > 0
  }
}

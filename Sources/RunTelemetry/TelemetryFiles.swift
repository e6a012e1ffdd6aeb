import SystemInterface

/// Writing the files other programs read: the metrics file node_exporter
/// scrapes and the OTLP file the Collector tails.
///
/// We run as root and these paths are in directories others may own (the
/// textfile directory belongs to the exporter's packaging): nothing here
/// follows a symbolic link at the directory or the file, and a file is
/// replaced or appended to only when it is a regular file.
public enum TelemetryFiles {
  /// Replaces `path` with `text` at once: written to a hidden temporary file
  /// in the same directory under a random name (not ending in `.prom`, so a
  /// scrape never reads it half-written), given `mode`, then renamed over `path`.
  public static func replace(_ path: String, with text: String, mode: mode_t) throws(SystemError) {
    let (directory, name) = split(path)
    let parent = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    // A name no one can guess, made anew when one is taken: a user who may
    // write in the directory cannot plant a file at it beforehand.
    var temporary = ""
    var file: Int32 = -1
    for attempt in 1...8 {
      temporary = ".\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
      do {
        file = try systemCall("open", subject: joinPath(directory, temporary)) {
          openat(parent.rawValue, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        break
      } catch  where error.code == EEXIST && attempt < 8 {
        continue
      }
    }
    let descriptor = FileDescriptor(owning: file)
    var written = fchmod(file, mode) == 0
    if written { written = writeFully(file, text) }
    descriptor.close()
    guard written else {
      let error = SystemError(call: "write", code: errno, subject: joinPath(directory, temporary))
      unlinkat(parent.rawValue, temporary, 0)
      throw error
    }
    do {
      try systemCall("rename", subject: path) { renameat(parent.rawValue, temporary, parent.rawValue, name) }
    } catch {
      unlinkat(parent.rawValue, temporary, 0)
      throw error
    }
  }

  /// Appends `line` and a newline to `path` in one write (created with
  /// `mode` when missing); refuses anything but a regular file of ours. Lines are
  /// never spliced: a write that fails part way (a full disk) is cut back
  /// off, and a torn last line left by a crash is ended before ours.
  public static func append(line: String, to path: String, mode: mode_t) throws(SystemError) {
    let (directory, name) = split(path)
    let parent = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    // O_NONBLOCK: a FIFO planted under the name does not hang the open;
    // read and write, to see whether the last line is whole.
    let file = FileDescriptor(
      owning: try systemCall("open", subject: path) {
        openat(parent.rawValue, name, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode)
      })
    let info = try file.status()
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw SystemError(call: "open", code: EINVAL, subject: path, explanation: "not a regular file")
    }
    // Another user's file (made by whoever may write in the directory) is
    // never written to as root: what it is linked to or read by is theirs.
    guard info.st_uid == geteuid() else {
      throw SystemError(call: "open", code: EPERM, subject: path, explanation: "owned by uid \(info.st_uid), not by us")
    }
    file.setNonBlocking(false)
    var last: UInt8 = UInt8(ascii: "\n")
    if info.st_size > 0 { _ = pread(file.rawValue, &last, 1, info.st_size - 1) }
    let text = (last == UInt8(ascii: "\n") ? "" : "\n") + line + "\n"
    guard writeFully(file.rawValue, text) else {
      let error = SystemError(call: "write", code: errno, subject: path)
      _ = ftruncate(file.rawValue, info.st_size)
      throw error
    }
  }

  /// The directory and the name of `path`.
  static func split(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
  }
}

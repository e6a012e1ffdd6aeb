import RefreshStore
import RefreshVocabulary
import SystemInterface

/// `history output`: the kept bytes exactly as captured, and a note on
/// stderr when bytes between head and tail were not kept.
public enum RawOutput {
  /// Writes `captured` to stdout raw, and the note to stderr when it was cut.
  public static func write(_ captured: CapturedStream) {
    captured.head.withUnsafeBytes { _ = writeFully(STDOUT_FILENO, $0) }
    captured.tail.withUnsafeBytes { _ = writeFully(STDOUT_FILENO, $0) }
    guard captured.truncated else { return }
    let omitted = captured.totalBytes - Int64(captured.head.count + captured.tail.count)
    writeFully(
      STDERR_FILENO,
      "os-refresh-config: note: \(omitted) of \(captured.totalBytes) bytes were not kept, between the first \(captured.head.count) and the last \(captured.tail.count)\n"
    )
  }

  /// Writes the note `history output --stderr` gives for a script whose
  /// stdout and stderr were one channel: they cannot be told apart, so both
  /// follow, in the order written.
  public static func noteCombined(_ script: String) {
    writeFully(
      STDERR_FILENO,
      "os-refresh-config: note: \(DisplayText.escaped(script, singleLine: true)) wrote stdout and stderr to one channel (ours were one file, socket or terminal); both follow, in the order written\n"
    )
  }

  /// Writes the note `history output` gives for a script that wrote
  /// nothing to stdout but `bytes` to stderr: an empty answer with exit 0
  /// would read as "it said nothing".
  public static func noteOnlyStderr(_ script: String, bytes: Int64) {
    writeFully(
      STDERR_FILENO,
      "os-refresh-config: note: \(DisplayText.escaped(script, singleLine: true)) wrote nothing to stdout and \(bytes) bytes to stderr: add --stderr to see them\n"
    )
  }

  /// Writes `text` to the file `path` (created 0644 or truncated; a
  /// symbolic link, a FIFO, a device or anything but a regular file there
  /// is refused, never waited on), or to stdout when `path` is nil.
  public static func write(_ text: String, to path: String?) throws(SystemError) {
    guard let path else {
      guard writeFully(STDOUT_FILENO, text) else {
        throw SystemError(call: "write", code: errno, subject: ScriptStream.stdout.rawValue)
      }
      return
    }
    let notRegular = SystemError(call: "open", code: EINVAL, subject: path, explanation: "not a regular file")
    // O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead of
    // blocking; truncated only once known to be a regular file.
    let file: FileDescriptor
    do {
      file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK, mode: 0o644)
    } catch  where error.code == ENXIO {
      throw notRegular
    }
    guard (try file.status().st_mode & S_IFMT) == S_IFREG else { throw notRegular }
    try systemCall("ftruncate", subject: path) { ftruncate(file.rawValue, 0) }
    guard writeFully(file.rawValue, text) else { throw SystemError(call: "write", code: errno, subject: path) }
  }
}

/// `history file --at`: a file's kept content, raw to a pipe or a file; to
/// a terminal, its control characters escaped (stored text never drives one).
public enum RawFileContent {
  /// Writes `bytes` to stdout.
  public static func write(_ bytes: [UInt8]) {
    guard isatty(STDOUT_FILENO) == 1 else {
      bytes.withUnsafeBytes { _ = writeFully(STDOUT_FILENO, $0) }
      return
    }
    writeFully(STDOUT_FILENO, DisplayText.escaped(String(decoding: bytes, as: UTF8.self)))
  }
}

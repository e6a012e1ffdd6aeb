import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SecretHiding
import SystemInterface

/// What the running script and the environment.d shell write, kept for the
/// record with `--redact` matches and the run's known secrets hidden.
///
/// The captures are allocated once and reused from script to script.
struct OutputCaptures {
  /// Bytes kept at each end of an environment.d shell's output.
  static let environmentLimit = 8 * 1024

  private let stdout: OutputCapture
  private let stderr: OutputCapture
  /// What the shell sourcing environment.d writes, while it runs.
  private var environment: (stdout: OutputCapture, stderr: OutputCapture)?
  private let redactor: OutputRedactor?
  /// The run's known secret values, hidden like `--redact` matches.
  var knownSecrets = KnownSecrets()
  /// Raised when the run must stop: redaction then hides the rest of the
  /// output whole rather than search it, so the signal is obeyed at once.
  var termination: TerminationNotice?
  /// The most output bytes one run keeps, all scripts together (nil: no
  /// limit): past it, output is counted but not kept, so a run never grows
  /// the history past its byte budget however much its scripts print.
  var runBudget: Int64?
  /// The output bytes this run kept so far.
  private(set) var keptBytes: Int64 = 0

  /// Captures keeping `limit` bytes at each end of each script stream.
  init(limit: Int, redactor: OutputRedactor?) {
    stdout = OutputCapture(limit: limit)
    stderr = OutputCapture(limit: limit)
    self.redactor = redactor
  }

  // MARK: - Scripts

  /// Forgets the last script's output: a new script starts.
  func startScript() {
    stdout.reset()
    stderr.reset()
  }

  /// Keeps `bytes` the running script wrote to `stream`.
  func script(wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    switch stream {
    case .stdout: stdout.append(bytes)
    case .stderr: stderr.append(bytes)
    }
  }

  /// The running script's output as recorded, and whether it was not kept
  /// because the run's budget is spent (then only its byte counts are).
  mutating func scriptOutput() -> (stdout: CapturedStream, stderr: CapturedStream, overBudget: Bool) {
    let (out, err) = (stdout.captured(hiding: hiddenRanges), stderr.captured(hiding: hiddenRanges))
    let size = Int64(out.head.count + out.tail.count + err.head.count + err.tail.count)
    if let runBudget, keptBytes + size > runBudget {
      func counted(_ stream: CapturedStream) -> CapturedStream {
        CapturedStream(totalBytes: stream.totalBytes, truncated: stream.totalBytes > 0)
      }
      return (counted(out), counted(err), true)
    }
    keptBytes += size
    return (out, err, false)
  }

  // MARK: - environment.d

  /// A shell starts sourcing environment.d.
  mutating func startEnvironment() {
    environment = (OutputCapture(limit: Self.environmentLimit), OutputCapture(limit: Self.environmentLimit))
  }

  /// Keeps `bytes` the environment.d shell wrote to `stream`.
  func environment(wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    switch stream {
    case .stdout: environment?.stdout.append(bytes)
    case .stderr: environment?.stderr.append(bytes)
    }
  }

  /// What the failed environment.d shell wrote, as recorded (its one
  /// channel when `combined`, else its stderr); the capture then ends.
  mutating func endEnvironment(combined: Bool) -> [UInt8] {
    defer { environment = nil }
    let capture = combined ? environment?.stdout : environment?.stderr
    return capture?.captured(hiding: hiddenRanges).kept ?? []
  }

  /// `bytes` with what stored output hides replaced by `<redacted>`.
  func masked(_ bytes: [UInt8]) -> [UInt8] {
    OutputRedactor.replacing(hiddenRanges(bytes), of: bytes, in: 0..<bytes.count)
  }

  /// What stored output hides: matches of `--redact` and the run's known secrets.
  private func hiddenRanges(_ bytes: [UInt8]) -> [Range<Int>] {
    let termination = self.termination
    let stop = termination.map { notice in { notice.isRaised } }
    let found = (redactor?.ranges(in: bytes, stoppingWhen: stop) ?? []) + knownSecrets.ranges(in: bytes)
    return found.isEmpty ? [] : OutputRedactor.merged(found)
  }
}

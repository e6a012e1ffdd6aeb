import ContentEncoding
import RefreshVocabulary
import SystemInterface

/// One record of the pending log.
public enum LogRecord: Sendable {
  /// A script starts; `sequence` numbers the run's script records.
  case scriptStart(sequence: Int64, ScriptStart)
  /// The script whose start was record `start` of run `runID` ended.
  case scriptEnd(sequence: Int64, start: Int64, runID: Int64, ScriptEnd)
  /// A phase started or ended (as ``RunWriter/recordPhase``).
  case phase(sequence: Int64, runID: Int64, PhaseRecord)
  /// environment.d failed for a phase.
  case environmentFailure(sequence: Int64, runID: Int64, Phase, EnvironmentFailureRecord)
  /// The run ended (kept here until the database has it).
  case runEnd(sequence: Int64, runID: Int64, RunEnd)
  /// A script ran a Heat deployment.
  case deployment(sequence: Int64, runID: Int64, DeploymentRecord)
  /// An input known only once the run started (the templates scripts see
  /// after environment.d).
  case input(sequence: Int64, runID: Int64, InputRecord)
  /// A watched file changed (or, at the start, was found changed or as
  /// the baseline).
  case fileChange(sequence: Int64, runID: Int64, FileChangeRecord)
  /// How the run watched its files (written again when that changes).
  case fileWatch(sequence: Int64, runID: Int64, FileWatchRecord)

  /// The run the record belongs to.
  public var runID: Int64 {
    switch self {
    case .scriptStart(_, let start): start.runID
    case .scriptEnd(_, _, let runID, _), .phase(_, let runID, _), .environmentFailure(_, let runID, _, _),
      .runEnd(_, let runID, _), .deployment(_, let runID, _), .input(_, let runID, _),
      .fileChange(_, let runID, _), .fileWatch(_, let runID, _):
      runID
    }
  }

  /// Its sequence number within the run.
  public var sequence: Int64 {
    switch self {
    case .scriptStart(let sequence, _), .scriptEnd(let sequence, _, _, _), .phase(let sequence, _, _),
      .environmentFailure(let sequence, _, _, _), .runEnd(let sequence, _, _), .deployment(let sequence, _, _),
      .input(let sequence, _, _), .fileChange(let sequence, _, _), .fileWatch(let sequence, _, _):
      sequence
    }
  }

  func encoded() -> [UInt8] {
    var out = RecordEncoder()
    switch self {
    case .scriptStart(let sequence, let start):
      Self.encode(start, sequence: sequence, into: &out)
    case .scriptEnd(let sequence, let start, let runID, let end):
      Self.encode(end, of: start, sequence: sequence, runID: runID, into: &out)
    case .phase(let sequence, let runID, let record):
      out.header(3, sequence, runID)
      out.text(record.phase.rawValue)
      out.text(record.status.rawValue)
      out.optionalInt(record.startedAt)
      out.optionalInt(record.finishedAt)
      out.optionalInt(record.durationMicroseconds)
      out.optionalText(record.spanID?.hex)
    case .environmentFailure(let sequence, let runID, let phase, let failure):
      out.header(4, sequence, runID)
      out.text(phase.rawValue)
      out.optionalText(failure.file)
      out.optionalInt(failure.exitCode)
      out.optionalInt(failure.signal)
      out.data(failure.output)
      out.byte(failure.combinedOutput ? 1 : 0)
    case .runEnd(let sequence, let runID, let end):
      out.header(5, sequence, runID)
      out.int(end.finishedAt)
      out.int(end.durationMicroseconds)
      out.text(end.status.rawValue)
      out.int(end.exitCode)
    case .deployment(let sequence, let runID, let deployment):
      out.header(6, sequence, runID)
      out.text(deployment.phase.rawValue)
      out.text(deployment.script)
      out.text(deployment.name)
      out.text(deployment.deploymentID)
      out.optionalText(deployment.group)
      out.optionalText(deployment.action)
      out.int(deployment.statusCode)
      out.int(deployment.signalledAt)
      out.data(deployment.stdout)
      out.data(deployment.stderr)
    case .input(let sequence, let runID, let input):
      out.header(7, sequence, runID)
      out.text(input.kind.rawValue)
      out.text(input.path)
      out.optionalText(input.sha256)
      out.optionalBytes(input.content)
      out.optionalText(input.error)
      out.optionalText(input.source)
    case .fileChange(let sequence, let runID, let change):
      out.header(8, sequence, runID)
      Self.encode(change, into: &out)
    case .fileWatch(let sequence, let runID, let watch):
      out.header(9, sequence, runID)
      Self.encode(watch, into: &out)
    }
    return out.output
  }

  private static func encode(_ start: ScriptStart, sequence: Int64, into out: inout RecordEncoder) {
    out.header(1, sequence, start.runID)
    out.text(start.phase.rawValue)
    out.text(start.name)
    out.text(start.path)
    out.int(Int64(start.position))
    out.optionalText(start.sha256)
    out.optionalBytes(start.content)
    out.int(start.startedAt)
    out.byte(start.contentByDigest ? 1 : 0)
    out.byte(start.identity == nil ? 0 : 1)
    if let identity = start.identity {
      for value in [
        identity.device, identity.inode, identity.size, identity.modifiedNanoseconds, identity.changedNanoseconds,
      ] { out.int(value) }
    }
    out.optionalText(start.spanID?.hex)
  }

  private static func encode(
    _ end: ScriptEnd, of start: Int64, sequence: Int64, runID: Int64, into out: inout RecordEncoder
  ) {
    out.header(2, sequence, runID)
    out.int(start)
    out.int(end.finishedAt)
    out.int(end.durationMicroseconds)
    out.optionalInt(end.exitCode)
    out.optionalInt(end.signal)
    out.text(end.status.rawValue)
    out.optionalText(end.error)
    out.stream(end.stdout)
    out.stream(end.stderr)
    out.byte(end.combinedOutput ? 1 : 0)
    out.byte(end.terminal ? 1 : 0)
  }

  private static func scriptStart(runID: Int64, from input: inout RecordDecoder) -> ScriptStart? {
    guard let phase = input.text().flatMap(Phase.init), let name = input.text(), let path = input.text(),
      let position = input.int(),
      let sha256 = input.optionalText(), let content = input.optionalBytes(), let startedAt = input.int(),
      let byDigest = input.byte(), let hasIdentity = input.byte()
    else { return nil }
    var start = ScriptStart(
      runID: runID, phase: phase, name: name, path: path, position: Int(position), sha256: sha256,
      content: content, startedAt: startedAt)
    start.contentByDigest = byDigest == 1
    if hasIdentity == 1 {
      let values = (0..<5).compactMap { _ in input.int() }
      guard values.count == 5 else { return nil }
      start.identity = FileIdentity(
        device: values[0], inode: values[1], size: values[2], modifiedNanoseconds: values[3],
        changedNanoseconds: values[4])
    }
    start.spanID = input.trailingSpanID()
    return start
  }

  private static func deployment(from input: inout RecordDecoder) -> DeploymentRecord? {
    guard let phase = input.text().flatMap(Phase.init), let script = input.text(), let name = input.text(),
      let id = input.text(), let group = input.optionalText(), let action = input.optionalText(),
      let statusCode = input.int(), let signalledAt = input.int(), let stdout = input.data(),
      let stderr = input.data()
    else { return nil }
    return DeploymentRecord(
      phase: phase, script: script, name: name, deploymentID: id, group: group, action: action,
      statusCode: statusCode, signalledAt: signalledAt, stdout: stdout, stderr: stderr)
  }

  private static func input(from input: inout RecordDecoder) -> InputRecord? {
    guard let kind = input.text().flatMap(InputKind.init), let path = input.text(), let sha256 = input.optionalText(),
      let content = input.optionalBytes(), let error = input.optionalText(), let source = input.optionalText()
    else { return nil }
    var record = InputRecord(kind: kind, path: path, sha256: sha256, content: content, error: error)
    record.source = source
    return record
  }

  init?(decoding payload: ArraySlice<UInt8>) {
    var input = RecordDecoder(remaining: payload)
    guard let kind = input.byte(), let sequence = input.int(), let runID = input.int() else { return nil }
    switch kind {
    case 1:
      guard let start = Self.scriptStart(runID: runID, from: &input) else { return nil }
      self = .scriptStart(sequence: sequence, start)
    case 2:
      guard let start = input.int(), let finishedAt = input.int(),
        let duration = input.int(), let exitCode = input.optionalInt(), let signal = input.optionalInt(),
        let status = input.text().flatMap(ScriptStatus.init), let error = input.optionalText(),
        let stdout = input.stream(), let stderr = input.stream(), let combined = input.byte(),
        let terminal = input.byte()
      else { return nil }
      self = .scriptEnd(
        sequence: sequence, start: start, runID: runID,
        ScriptEnd(
          finishedAt: finishedAt, durationMicroseconds: duration, exitCode: exitCode, signal: signal, status: status,
          error: error, stdout: stdout, stderr: stderr, combinedOutput: combined != 0, terminal: terminal != 0))
    case 3:
      guard let phase = input.text().flatMap(Phase.init), let status = input.text().flatMap(PhaseStatus.init),
        let startedAt = input.optionalInt(),
        let finishedAt = input.optionalInt(), let duration = input.optionalInt()
      else { return nil }
      var record = PhaseRecord(
        phase: phase, status: status, startedAt: startedAt, finishedAt: finishedAt, durationMicroseconds: duration)
      record.spanID = input.trailingSpanID()
      self = .phase(sequence: sequence, runID: runID, record)
    case 4:
      guard let phase = input.text().flatMap(Phase.init), let file = input.optionalText(),
        let exitCode = input.optionalInt(), let signal = input.optionalInt(),
        let output = input.data(), let combined = input.byte()
      else { return nil }
      self = .environmentFailure(
        sequence: sequence, runID: runID, phase,
        EnvironmentFailureRecord(
          file: file, exitCode: exitCode, signal: signal, output: output, combinedOutput: combined != 0))
    case 5:
      guard let finishedAt = input.int(), let duration = input.int(), let status = input.text().flatMap(RunStatus.init),
        let exitCode = input.int()
      else { return nil }
      self = .runEnd(
        sequence: sequence, runID: runID,
        RunEnd(finishedAt: finishedAt, durationMicroseconds: duration, status: status, exitCode: exitCode))
    case 6:
      guard let deployment = Self.deployment(from: &input) else { return nil }
      self = .deployment(sequence: sequence, runID: runID, deployment)
    case 7:
      guard let record = Self.input(from: &input) else { return nil }
      self = .input(sequence: sequence, runID: runID, record)
    case 8:
      guard let change = Self.fileChange(from: &input) else { return nil }
      self = .fileChange(sequence: sequence, runID: runID, change)
    case 9:
      guard let watch = Self.fileWatch(from: &input) else { return nil }
      self = .fileWatch(sequence: sequence, runID: runID, watch)
    default:
      return nil
    }
  }
}

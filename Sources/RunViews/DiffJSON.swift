import ContentEncoding
import MetadataDocuments
import RefreshStore
import RefreshVocabulary
import RunForensics

/// The `diff --json` contract.
public enum DiffJSON {
  /// `diff --json` of `comparison`, with `outputs` and each script's output read by `output`.
  public static func render(
    _ comparison: RunComparison, outputs: [OutputDiff], output: RunJSON.OutputReader, files: [FileDifference] = []
  ) rethrows -> JSONText {
    .object([
      ("from", run(comparison.from)),
      ("to", run(comparison.to)),
      ("different_base_dirs", .bool(comparison.differentBaseDirectories)),
      ("inputs", .array(comparison.inputs.map(input))),
      ("scripts", .array(try comparison.scripts.map { try script($0, output: output) })),
      (
        "environment_failures",
        .array(
          comparison.environment.map { change in
            .object([
              ("phase", .string(change.phase.rawValue)), ("change", .string(change.change.rawValue)),
              ("from", change.from.map(RunJSON.environmentFailure) ?? .null),
              ("to", change.to.map(RunJSON.environmentFailure) ?? .null),
            ])
          })
      ),
      (
        "packages",
        .array(
          comparison.packages.map { change in
            .object([
              ("name", .string(change.name)), ("action", .string(change.action.rawValue)),
              ("from", RunJSON.string(change.from)), ("to", RunJSON.string(change.to)),
              ("at", RunJSON.time(change.at)),
            ])
          })
      ),
      ("package_logs", .array(comparison.packageLogs.map { .string($0) })),
      ("files", .array(files.map(file))),
      (
        "outputs",
        .array(
          outputs.map { output in
            .object([
              ("phase", .string(output.phase.rawValue)), ("name", .string(output.name)),
              ("stream", .string(output.stream.rawValue)), ("diff", .string(output.diff)),
            ])
          })
      ),
    ])
  }

  private static func run(_ detail: RunDetail) -> JSONText {
    .object([
      ("id", .integer(detail.summary.id)), ("status", .string(detail.summary.status.rawValue)),
      ("base_dir", .string(detail.summary.baseDirectory)),
      ("failed_phase", RunJSON.string(detail.summary.failedPhase?.rawValue)),
      ("failed_script", RunJSON.string(detail.summary.failedScript)),
    ])
  }

  private static func input(_ input: RunComparison.InputChange) -> JSONText {
    .object([
      ("kind", .string(input.kind.rawValue)), ("path", .string(input.path)), ("change", .string(input.change.rawValue)),
      ("note", RunJSON.string(input.note)), ("secrets_uncompared", .bool(input.secretsUncompared)),
      (
        "keys",
        .array(
          input.keys.map { key in
            // A secret's value is never given: its key, its change and "secret": true.
            .object(
              [("key", .string(key.key)), ("change", .string(key.change.rawValue)), ("secret", .bool(key.secret))]
                + (key.secret && key.from == nil && key.to == nil
                  ? [] : [("from", json(key.from)), ("to", json(key.to))]))
          })
      ),
    ])
  }

  /// A metadata value as the JSON it is (objects as objects), or null.
  private static func json(_ value: JSONValue?) -> JSONText { value.map { .raw($0.text) } ?? .null }

  private static func script(_ change: RunComparison.ScriptChange, output: RunJSON.OutputReader) rethrows -> JSONText {
    func side(_ detail: ScriptDetail?) throws -> JSONText {
      guard let detail else { return .null }
      return try RunJSON.script(detail, output: output)
    }
    return .object([
      ("phase", .string(change.phase.rawValue)), ("name", .string(change.name)),
      ("change", .string(change.change.rawValue)), ("content_changed", .bool(change.contentChanged)),
      ("outcome_changed", .bool(change.outcomeChanged)), ("duration_changed", .bool(change.durationChanged)),
      ("not_reached", .bool(change.notReached)),
      ("from", try side(change.from)), ("to", try side(change.to)),
    ])
  }

  private static func file(_ file: FileDifference) -> JSONText {
    let record = (file.to ?? file.from)?.record
    var members: [(String, JSONText)] = [
      ("path", .string(file.path)), ("change", .string(file.change.rawValue)),
      ("from_run", RunJSON.integer(file.from?.runID)), ("to_run", RunJSON.integer(file.to?.runID)),
      ("from_sha256", RunJSON.string(file.from?.record.sha256)), ("to_sha256", RunJSON.string(file.to?.record.sha256)),
      ("secret", .bool(record?.secret ?? false)),
      ("lines_added", RunJSON.integer(file.linesAdded.map(Int64.init))),
      ("lines_removed", RunJSON.integer(file.linesRemoved.map(Int64.init))),
    ]
    if let diff = file.diff { members.append(("diff", .string(diff))) }
    return .object(members)
  }
}

import RefreshStore
import RunForensics

/// The `diff --json` contract.
enum DiffJSON {
  static func render(
    _ comparison: RunComparison, outputs: [Diff.OutputDiff], output: (ScriptDetail, String) throws -> CapturedStream
  ) rethrows -> JSONText {
    func run(_ detail: RunDetail) -> JSONText {
      .object([
        ("id", .integer(detail.summary.id)), ("status", .string(detail.summary.status)),
        ("base_dir", .string(detail.summary.baseDirectory)),
        ("failed_phase", RunJSON.string(detail.summary.failedPhase)),
        (
          "failed_script",
          RunJSON.string(detail.summary.failedScript.map { String($0.split(separator: "/", maxSplits: 1).last ?? "") })
        ),
      ])
    }
    func script(_ detail: ScriptDetail?) throws -> JSONText {
      guard let detail else { return .null }
      return try RunJSON.script(detail, output: output)
    }
    return .object([
      ("from", run(comparison.from)),
      ("to", run(comparison.to)),
      ("different_base_dirs", .bool(comparison.differentBaseDirectories)),
      (
        "inputs",
        .array(
          comparison.inputs.map { input in
            .object([
              ("kind", .string(input.kind)), ("path", .string(input.path)), ("change", .string(input.change.rawValue)),
              ("note", RunJSON.string(input.note)),
              (
                "keys",
                .array(
                  input.keys.map { key in
                    .object([
                      ("key", .string(key.key)), ("change", .string(key.change.rawValue)),
                      ("from", RunJSON.string(key.from)), ("to", RunJSON.string(key.to)),
                    ])
                  })
              ),
            ])
          })
      ),
      (
        "scripts",
        .array(
          try comparison.scripts.map { change in
            .object([
              ("phase", .string(change.phase)), ("name", .string(change.name)),
              ("change", .string(change.change.rawValue)), ("content_changed", .bool(change.contentChanged)),
              ("outcome_changed", .bool(change.outcomeChanged)), ("duration_changed", .bool(change.durationChanged)),
              ("not_reached", .bool(change.notReached)),
              ("from", try script(change.from)), ("to", try script(change.to)),
            ])
          })
      ),
      (
        "outputs",
        .array(
          outputs.map { output in
            .object([
              ("phase", .string(output.phase)), ("name", .string(output.name)), ("stream", .string(output.stream)),
              ("diff", .string(output.diff)),
            ])
          })
      ),
    ])
  }
}

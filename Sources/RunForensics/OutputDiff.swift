import RefreshStore
import RefreshVocabulary

/// A unified diff of one captured stream of one script between two runs.
public struct OutputDiff: Sendable {
  public let phase: Phase
  public let name: String
  public let stream: ScriptStream
  public let diff: String

  /// The output diffs of the scripts both runs of `comparison` ran, for each
  /// stream whose kept bytes differ. Output that merely appears or vanishes
  /// with a script says nothing the script list does not.
  public static func between(
    _ comparison: RunComparison, output: (ScriptDetail, ScriptStream) throws -> CapturedStream
  ) rethrows -> [OutputDiff] {
    var diffs: [OutputDiff] = []
    for change in comparison.scripts {
      guard let fromScript = change.from, let toScript = change.to else { continue }
      for stream in ScriptStream.allCases {
        let old = try output(fromScript, stream)
        let new = try output(toScript, stream)
        guard old.kept != new.kept else { continue }
        let label = "\(change.phase.rawValue)/\(change.name) \(stream.rawValue)"
        let diff = UnifiedDiff.text(
          old: String(decoding: old.kept, as: UTF8.self), new: String(decoding: new.kept, as: UTF8.self),
          oldLabel: "run \(comparison.from.summary.id) \(label)", newLabel: "run \(comparison.to.summary.id) \(label)")
        if !diff.isEmpty {
          diffs.append(OutputDiff(phase: change.phase, name: change.name, stream: stream, diff: diff))
        }
      }
    }
    return diffs
  }
}

import ContentEncoding
import RefreshStore

/// `history verify`: whether the sealed history is intact, and each problem.
public struct VerifyReport {
  let verification: SealVerification

  /// A view of `verification`.
  public init(_ verification: SealVerification) { self.verification = verification }

  /// The JSON object (docs/history.md#verify).
  public var json: String {
    let report = verification
    return JSONText.object([
      ("ok", .bool(report.ok)), ("runs_checked", .integer(Int64(report.runsChecked))),
      ("first_broken_run", RunJSON.integer(report.firstBrokenRun)),
      ("recorded_before_sealing", .integer(Int64(report.recordedBeforeSealing))),
      ("key_checked", .bool(report.keyChecked)),
      ("witness_seals", RunJSON.integer(report.witnessSeals.map(Int64.init))),
      ("initial_key_on_node", .bool(report.initialKeyOnNode)),
      ("unsealed_prunes", .integer(Int64(report.unsealedPrunes))),
      (
        "problems",
        .array(
          report.problems.map {
            .object([
              ("run", RunJSON.integer($0.run)), ("kind", .string($0.kind.rawValue)), ("detail", .string($0.detail)),
            ])
          })
      ),
    ]).rendered
  }

  /// The report's lines.
  public var lines: [String] {
    let report = verification
    let runs = "\(report.runsChecked) sealed \(report.runsChecked == 1 ? "run" : "runs")"
    var how = report.keyChecked ? " and their seals under the verification key" : ""
    if let witnessed = report.witnessSeals { how += ", against \(witnessed) seals a witness saw" }
    var lines: [String] = []
    if report.ok {
      lines.append("History intact: \(runs) checked\(how), and every stored content.")
    } else {
      let count = report.problems.count
      let first = report.firstBrokenRun.map { " at run \($0)" } ?? ""
      lines.append("History broken\(first): \(count) \(count == 1 ? "problem" : "problems") in \(runs) checked\(how).")
      for problem in report.problems {
        let run = problem.run.map { "run \($0)" } ?? "-"
        lines.append("  \(run)  \(problem.kind.rawValue)  \(HumanFormat.safe(problem.detail))")
      }
    }
    if report.recordedBeforeSealing > 0 {
      lines.append("\(report.recordedBeforeSealing) older runs were recorded before sealing: not checked.")
    }
    if report.unsealedPrunes > 0 {
      lines.append("A prune since the newest run is sealed by the next run.")
    }
    if !report.keyChecked {
      lines.append("The seals' keys were not checked: give the initial verification key with --key FILE.")
    }
    if report.initialKeyOnNode {
      lines.append("The initial verification key is still on this node: take it off with `history seal-key`.")
    }
    return lines
  }
}

import ContentEncoding
import RefreshStore
import RefreshVocabulary
import RunForensics
import SystemInterface

/// `why` for people, on one screen: the failure, when it began, its last
/// lines, then the causes, direct ones first.
public enum WhyReport {
  /// Circumstantial causes shown before "… and N more".
  static let circumstantialShown = 5
  /// Lines of a changed script's diff shown.
  static let diffLinesShown = 20

  /// The view; `hint` carries the selectors the commands it suggests repeat.
  public static func text(_ outcome: WhyAnalysis.Outcome, hint: CommandHint = CommandHint()) -> String {
    guard case .explained(let explanation) = outcome else {
      if case .nothingFailed(let run) = outcome {
        return "Nothing failed in run \(run.id) (\(HumanFormat.status(run.status))): nothing to explain.\n"
      }
      return ""
    }
    var lines = heading(explanation)
    if !explanation.errorLines.isEmpty {
      lines.append("Last lines it wrote:")
      lines += explanation.errorLines.map { "  | " + HumanFormat.safe($0) }
    }
    lines.append(
      explanation.causes.isEmpty ? "No change found between the two runs." : "Likely causes, most likely first:")
    lines += causes(explanation, hint: hint)
    return lines.joined(separator: "\n") + "\n"
  }

  private static func heading(_ explanation: FailureExplanation) -> [String] {
    let failure = explanation.failure
    let run = explanation.run
    let when = HumanFormat.localTime(microseconds: run.startedAt)
    var lines: [String]
    if let deployment = explanation.deployment {
      // heat-config exits 0 whatever its hooks do: the deployment failed inside a successful run.
      lines = [
        "Run \(run.id) \(run.status == .success ? "succeeded" : HumanFormat.status(run.status)), but Heat deployment "
          + "\(HumanFormat.safe(deployment.name)) failed (deploy_status_code \(deployment.statusCode)) in "
          + "\(failure.phase.rawValue)/\(HumanFormat.safe(failure.name)), \(when)",
        "  id \(HumanFormat.safe(deployment.deploymentID))"
          + (deployment.group.map { ", group \(HumanFormat.safe($0))" } ?? "")
          + (deployment.action.map { ", action \(HumanFormat.safe($0))" } ?? ""),
      ]
    } else {
      var place = failure.phase.rawValue + "/" + HumanFormat.safe(failure.name)
      if let code = failure.exitCode {
        place += " (exit \(code))"
      } else if let signal = failure.signal {
        place += " (\(signalName(Int32(signal))))"
      } else if failure.status != ScriptStatus.failed.rawValue {
        place += " (\(failure.status))"
      }
      lines = ["Run \(run.id) \(HumanFormat.status(run.status)) in \(place), \(when)"]
    }
    let since = explanation.failingRuns == 1 ? "1 run" : "\(explanation.failingRuns) runs"
    if let good = explanation.lastGoodRun {
      lines.append(
        "It last succeeded in run \(good), and has not succeeded since run \(explanation.firstBadRun) (\(since)).")
    } else {
      lines.append("It has not succeeded since it first ran, in run \(explanation.firstBadRun) (\(since)).")
    }
    if let duration = failure.duration, let typical = failure.typicalDuration,
      failure.status == ScriptStatus.timeout.rawValue || (duration > 3 * typical && duration > 1_000_000)
    {
      let stopped = failure.timeoutSeconds.map { " and was stopped by --timeout \($0), the whole run's limit" } ?? ""
      lines.append(
        "It ran \(HumanFormat.duration(microseconds: duration)) (\(failure.status))\(stopped); it usually takes "
          + "\(HumanFormat.duration(microseconds: typical)).")
    }
    return lines
  }

  private static func causes(_ explanation: FailureExplanation, hint: CommandHint) -> [String] {
    var lines: [String] = []
    var hidden = 0
    var circumstantial = 0
    for (index, cause) in explanation.causes.enumerated() {
      if !cause.isDirect && cause.kind != .intermittent && cause.kind != .firstFailure {
        circumstantial += 1
        if circumstantial > circumstantialShown {
          hidden += 1
          continue
        }
      }
      let subject = cause.subject.isEmpty ? "" : " " + HumanFormat.safe(cause.subject)
      lines.append("  \(index + 1). \(label(cause.kind))\(subject): \(HumanFormat.safe(cause.evidence))")
      if let diff = cause.diff {
        let diffLines = diff.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        lines += diffLines.prefix(diffLinesShown).map { "       " + HumanFormat.safe(String($0)) }
        if diffLines.count > diffLinesShown { lines.append("       … \(diffLines.count - diffLinesShown) more lines") }
      }
    }
    if hidden > 0 {
      let why = hint.command("why \(explanation.run.id) --json")
      let compare = explanation.lastGoodRun.map { " or " + hint.command("diff \($0) \(explanation.firstBadRun)") } ?? ""
      lines.append("  … and \(hidden) more changes beside it (\(why)\(compare))")
    }
    return lines
  }

  static func label(_ kind: FailureExplanation.CauseKind) -> String {
    switch kind {
    case .scriptChanged: "script"
    case .scriptAdded: "new script"
    case .scriptRemoved: "removed script"
    case .environmentChanged: "environment.d file"
    case .inputKeyChanged: "key"
    case .inputFileChanged: "metadata file"
    case .templateChanged: "template"
    case .packageChanged: "package"
    case .systemChanged: "system"
    case .intermittent: "intermittent"
    case .firstFailure: "first failure"
    case .fileChanged: "file"
    }
  }
}

/// The `why --json` contract.
public enum WhyJSON {
  public static func render(_ outcome: WhyAnalysis.Outcome) -> JSONText {
    switch outcome {
    case .nothingFailed(let run):
      return .object([
        ("run", .integer(run.id)), ("status", .string(run.status.rawValue)), ("script", .null),
        ("last_good_run", .null), ("first_bad_run", .null), ("failing_runs", .integer(0)),
        ("never_succeeded", .bool(false)), ("causes", .array([])), ("error_lines", .array([])),
        ("package_logs", .array([])),
      ])
    case .explained(let explanation):
      return explained(explanation)
    }
  }

  private static func explained(_ explanation: FailureExplanation) -> JSONText {
    let failure = explanation.failure
    let seconds = RunJSON.seconds
    return .object([
      ("run", .integer(explanation.run.id)), ("status", .string(explanation.run.status.rawValue)),
      (
        "script",
        .object([
          ("phase", .string(failure.phase.rawValue)), ("name", .string(failure.name)),
          ("status", .string(failure.status)), ("exit_code", failure.exitCode.map { .integer($0) } ?? .null),
          ("signal", failure.signal.map { .integer($0) } ?? .null), ("duration_s", seconds(failure.duration)),
          ("typical_s", seconds(failure.typicalDuration)),
          ("timeout_s", failure.timeoutSeconds.map { .integer($0) } ?? .null),
        ])
      ),
      ("last_good_run", explanation.lastGoodRun.map { .integer($0) } ?? .null),
      ("first_bad_run", .integer(explanation.firstBadRun)), ("failing_runs", .integer(Int64(explanation.failingRuns))),
      ("never_succeeded", .bool(explanation.neverSucceeded)),
      (
        "causes",
        .array(
          explanation.causes.enumerated().map { index, cause in
            .object([
              ("rank", .integer(Int64(index + 1))), ("kind", .string(cause.kind.rawValue)),
              ("subject", .string(cause.subject)), ("evidence", .string(cause.evidence)),
              ("direct", .bool(cause.isDirect)), ("diff", RunJSON.string(cause.diff)),
            ])
          })
      ),
      ("error_lines", .array(explanation.errorLines.map { .string($0) })),
      ("package_logs", .array(explanation.packageLogs.map { .string($0) })),
      ("deployment", deployment(explanation.deployment)),
    ])
  }

  /// The failed Heat deployment explained, or null.
  static func deployment(_ deployment: DeploymentRecord?) -> JSONText {
    guard let deployment else { return .null }
    return .object([
      ("name", .string(deployment.name)), ("id", .string(deployment.deploymentID)),
      ("group", RunJSON.string(deployment.group)), ("status_code", .integer(deployment.statusCode)),
    ])
  }
}

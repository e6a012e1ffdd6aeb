import ContentEncoding
import RefreshStore
import RefreshVocabulary
import RunForensics
import SystemInterface

/// `history show RUN` for people.
public struct RunReport {
  let detail: RunDetail
  let output: RunJSON.OutputReader

  /// The report of `detail`, reading failed scripts' output with `output`.
  public init(detail: RunDetail, output: @escaping RunJSON.OutputReader) {
    self.detail = detail
    self.output = output
  }

  /// The report's lines.
  public var text: String {
    get throws {
      let lines = heading() + inputs() + phases() + deployments() + (try failedOutputs())
      return lines.joined(separator: "\n") + "\n"
    }
  }

  private func heading() -> [String] {
    let run = detail.summary
    var heading = "Run \(run.id)  \(HumanFormat.runStatus(run))"
    if let code = run.exitCode { heading += " (exit \(code))" }
    var lines = [heading]
    lines += HumanFormat.table(
      [
        ["  Started", HumanFormat.localTime(microseconds: run.startedAt)],
        ["  Duration", HumanFormat.duration(microseconds: run.durationMicroseconds)],
        ["  Base", HumanFormat.safe(run.baseDirectory)],
        ["  Host", HumanFormat.safe("\(detail.hostname), pid \(detail.pid), os-refresh-config \(detail.version)")],
        ["  Scripts", "\(run.scriptsRun) run of \(run.plannedScripts)"],
      ] + (detail.trace.map { [["  Trace", $0.traceID.hex]] } ?? []) + (detail.seal.map { [["  Seal", $0]] } ?? []))
    let failure = HumanFormat.failure(run)
    if !failure.isEmpty { lines.append("  Failed    \(failure)") }
    return lines
  }

  private func inputs() -> [String] {
    var lines = ["Inputs"]
    if detail.inputs.isEmpty { lines.append("  (none)") }
    let rows = detail.inputs.map { input in
      [
        "  " + input.kind.rawValue, HumanFormat.safe(input.path),
        Self.digest(input.sha256) ?? "unreadable: \(HumanFormat.safe(input.error ?? ""))",
      ]
    }
    lines += HumanFormat.table(rows)
    return lines
  }

  /// A stored input digest as shown: the SHA-256's first 12 digits, or
  /// `hmac:` and a keyed digest's first 12.
  static func digest(_ stored: String?) -> String? {
    let kind = ContentDigest.kind(of: stored)
    if let sha256 = kind.sha256 { return String(sha256.prefix(12)) }
    return kind.hmacSHA256.map { "hmac:" + $0.prefix(12) }
  }

  /// The Heat deployments the run's scripts ran, and the end of what a
  /// failed one's hook wrote.
  private func deployments() -> [String] {
    guard !detail.deployments.isEmpty else { return [] }
    var lines = ["Deployments (heat-config)"]
    lines += HumanFormat.table(
      detail.deployments.map { deployment in
        [
          "  " + HumanFormat.safe(deployment.name),
          deployment.succeeded ? ScriptStatus.success.rawValue : "FAILED (deploy_status_code \(deployment.statusCode))",
          HumanFormat.safe([deployment.group, deployment.action].compactMap { $0 }.joined(separator: " ")),
          "by \(deployment.phase.rawValue)/\(HumanFormat.safe(deployment.script))",
          "id " + HumanFormat.safe(deployment.deploymentID),
        ]
      })
    for deployment in detail.deployments where !deployment.succeeded {
      let output = deployment.stderr.isEmpty ? deployment.stdout : deployment.stderr
      let name = deployment.stderr.isEmpty ? "deploy_stdout" : "deploy_stderr"
      lines.append("  \(HumanFormat.safe(deployment.name)) \(name), last lines:")
      lines += WhyAnalysis.lastLines(output).map { "    | " + HumanFormat.safe($0) }
    }
    return lines
  }

  private func phases() -> [String] {
    var rows: [[String]] = []
    for phase in detail.phases {
      rows.append([
        "  " + phase.name.rawValue, HumanFormat.status(phase.status), "",
        HumanFormat.duration(microseconds: phase.durationMicroseconds), "", "",
      ])
      if let failure = phase.environmentFailure {
        rows.append([
          "    " + HumanFormat.environmentFailure(failure), HumanFormat.status(PhaseStatus.failed), "", "", "", "",
        ])
      }
      for script in phase.scripts {
        rows.append([
          "    " + HumanFormat.safe(script.name), HumanFormat.status(script.status), HumanFormat.ending(script),
          HumanFormat.duration(microseconds: script.durationMicroseconds),
          "out " + HumanFormat.bytes(script.stdout.bytes),
          script.combinedOutput ? "err combined" : "err " + HumanFormat.bytes(script.stderr.bytes),
        ])
      }
    }
    return ["Phases"] + HumanFormat.table(rows)
  }

  /// The captured output of every script that ended other than in success.
  private func failedOutputs() throws -> [String] {
    var lines: [String] = []
    for phase in detail.phases {
      if let failure = phase.environmentFailure, !failure.output.isEmpty {
        let stream = failure.combinedOutput ? "stdout and stderr" : ScriptStream.stderr.rawValue
        lines.append("Output of environment.d for \(phase.name.rawValue) (\(stream), last bytes kept)")
        lines += Self.quoted(
          CapturedStream(head: failure.output, tail: [], totalBytes: Int64(failure.output.count), truncated: false))
      }
      for script in phase.scripts where script.status.isFailure {
        for stream in ScriptStream.allCases {
          let captured = try output(script, stream)
          guard captured.totalBytes > 0 else { continue }
          let name = script.combinedOutput ? "stdout and stderr" : stream.rawValue
          lines.append(
            "Output of \(phase.name.rawValue)/\(HumanFormat.safe(script.name)) (\(name), \(HumanFormat.bytes(captured.totalBytes)))"
          )
          lines += Self.quoted(captured)
        }
      }
    }
    return lines
  }

  /// The kept bytes as `  | ` lines, with a marker where bytes were dropped.
  static func quoted(_ captured: CapturedStream) -> [String] {
    var text = String(decoding: captured.head, as: UTF8.self)
    if captured.truncated {
      let omitted = captured.totalBytes - Int64(captured.head.count + captured.tail.count)
      if !text.hasSuffix("\n") { text += "\n" }
      text += "[… \(omitted) bytes not kept …]\n"
    }
    text += String(decoding: captured.tail, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      "  | " + DisplayText.escaped(String($0))
    }
    if lines.last == "  | " { lines.removeLast() }
    return lines
  }
}

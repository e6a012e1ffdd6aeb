import RefreshRunner
import RefreshStore

/// `history show RUN` for people.
struct RunReport {
  let detail: RunDetail
  let output: (ScriptDetail, String) throws -> CapturedStream

  var text: String {
    get throws {
      let run = detail.summary
      var lines: [String] = []
      var heading = "Run \(run.id)  \(HumanFormat.status(run.status))"
      if let code = run.exitCode { heading += " (exit \(code))" }
      lines.append(heading)
      lines += HumanFormat.table([
        ["  Started", HumanFormat.localTime(microseconds: run.startedAt)],
        ["  Duration", HumanFormat.duration(microseconds: run.durationMicroseconds)],
        ["  Base", run.baseDirectory],
        ["  Host", "\(detail.hostname), pid \(detail.pid), os-refresh-config \(detail.version)"],
        ["  Scripts", "\(run.scriptsRun) run of \(run.plannedScripts)"],
      ])
      if let failure = Optional(HistoryList.failure(run)), !failure.isEmpty {
        lines.append("  Failed    \(failure)")
      }
      lines.append("Inputs")
      if detail.inputs.isEmpty { lines.append("  (none)") }
      lines += HumanFormat.table(
        detail.inputs.map { input in
          [
            "  " + input.kind, input.path,
            input.sha256.map { String($0.prefix(12)) } ?? "unreadable: \(input.error ?? "")",
          ]
        })
      lines.append("Phases")
      var rows: [[String]] = []
      for phase in detail.phases {
        rows.append([
          "  " + phase.name, HumanFormat.status(phase.status), "",
          HumanFormat.duration(microseconds: phase.durationMicroseconds), "", "",
        ])
        for script in phase.scripts {
          rows.append([
            "    " + script.name, HumanFormat.status(script.status), Self.ending(script),
            HumanFormat.duration(microseconds: script.durationMicroseconds),
            "out " + HumanFormat.bytes(script.stdout.bytes), "err " + HumanFormat.bytes(script.stderr.bytes),
          ])
        }
      }
      lines += HumanFormat.table(rows)
      for phase in detail.phases {
        for script in phase.scripts where !["success", "running"].contains(script.status) {
          for stream in ["stdout", "stderr"] {
            let captured = try output(script, stream)
            guard captured.totalBytes > 0 else { continue }
            lines.append(
              "Output of \(phase.name)/\(script.name) (\(stream), \(HumanFormat.bytes(captured.totalBytes)))")
            var text = String(decoding: captured.head, as: UTF8.self)
            if captured.truncated {
              let omitted = captured.totalBytes - Int64(captured.head.count + captured.tail.count)
              if !text.hasSuffix("\n") { text += "\n" }
              text += "[… \(omitted) bytes not kept …]\n"
            }
            text += String(decoding: captured.tail, as: UTF8.self)
            lines += text.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }
            if lines.last == "  | " { lines.removeLast() }
          }
        }
      }
      return lines.joined(separator: "\n") + "\n"
    }
  }

  /// `exit 3`, `SIGKILL`, or empty.
  static func ending(_ script: ScriptDetail) -> String {
    if let code = script.exitCode { return "exit \(code)" }
    if let signal = script.signal { return signalName(Int32(signal)) }
    return ""
  }
}

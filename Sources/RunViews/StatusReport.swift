import RefreshStore
import RunWatch
import SystemInterface

/// `status` for people: what runs now and whether that is normal, or how
/// the last run ended.
public enum StatusReport {
  /// The view of `status`; `history` names the database, for the line said
  /// when it records no run; `hint` carries the selectors to repeat.
  public static func text(_ status: RefreshStatus, history: String, hint: CommandHint = CommandHint()) -> String {
    var lines: [String] = []
    let unreadable = status.historyError.map {
      "The history \(HumanFormat.safe(history)) cannot be read: \(HumanFormat.safe($0))"
    }
    if status.running {
      lines += running(status)
      if let last = status.lastRun { lines.append("Last finished run " + summary(last, now: status.now)) }
    } else if let unreadable {
      lines.append("Not running (as the lock tells). " + unreadable + ".")
    } else if let last = status.lastRun {
      lines.append("Not running. Last run " + summary(last, now: status.now))
      if !last.succeededWholly { lines.append("Why it failed: " + hint.command("why \(last.id)")) }
    } else {
      lines.append("Not running. No run recorded in \(HumanFormat.safe(history)).")
    }
    if status.running, let unreadable { lines.append(unreadable + "; how the last run ended is not known.") }
    if let holder = status.foreignLockHolder {
      let command = holder.command.isEmpty ? "" : " (\(HumanFormat.safe(holder.command)))"
      lines.append("The lock is held by pid \(holder.pid)\(command), not a refresh.")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func running(_ status: RefreshStatus) -> [String] {
    var heading = "Running:"
    if let run = status.runID { heading += " run \(run)" }
    if let pid = status.pid {
      let process = "pid \(pid)" + (status.command.isEmpty ? "" : ": " + HumanFormat.safe(status.command))
      heading += status.runID == nil ? " " + process : " (" + process + ")"
    }
    if let started = status.runStartedAt {
      heading +=
        ", started \(HumanFormat.localTime(microseconds: started)), "
        + "\(HumanFormat.duration(microseconds: max(0, status.now - started))) ago"
    } else if status.runID == nil {
      heading += " (not recorded in this history)"
    }
    var lines = [heading]
    if let script = status.script {
      var line =
        "Script: \(script.phase.rawValue)/\(HumanFormat.safe(script.name)), running for "
        + HumanFormat.duration(microseconds: script.elapsedMicroseconds)
      if let typical = script.typical {
        let usual =
          "usually \(HumanFormat.duration(microseconds: typical.medianMicroseconds)), "
          + "p95 \(HumanFormat.duration(microseconds: typical.p95Microseconds))"
        line += script.longerThanUsual ? ": LONGER THAN USUAL (\(usual))" : " (\(usual))"
      } else {
        line += " (never succeeded before: no usual time)"
      }
      lines.append(line)
    } else if let phase = status.phase {
      lines.append("Phase: \(phase.rawValue) (between scripts, or sourcing environment.d)")
    }
    if let planned = status.scriptsPlanned {
      var line = "Progress: \(status.scriptsDone) of \(planned) scripts done"
      if let estimate = status.estimate {
        line += "; about \(HumanFormat.duration(microseconds: estimate.microseconds)) left"
        if estimate.unknownScripts > 0 {
          line +=
            ", more for \(estimate.unknownScripts) script\(estimate.unknownScripts == 1 ? "" : "s") never seen "
            + "to succeed"
        }
      }
      lines.append(line)
    }
    if let files = status.files { lines.append(Self.files(files)) }
    guard !status.processes.isEmpty else { return lines }
    lines.append("Processes:")
    let rows =
      [["  PID", "STATE", "TIME", "WAITING ON", "COMMAND"]]
      + status.processes.map { process in
        [
          "  \(process.pid)", process.state, HumanFormat.duration(microseconds: process.elapsedMicroseconds),
          waiting(process), process.command,
        ]
      }
    return lines + HumanFormat.table(rows)
  }

  /// What a process waits on, in a few words: the lock or the connection
  /// when /proc tells, else the kernel function it sleeps in.
  static func waiting(_ process: ProcessView) -> String {
    switch process.waitsOn {
    case .lock(let path, let kind, let holder):
      let file = path.map { " on \($0)" } ?? ""
      return "lock\(file) held by " + (holder.map { "pid \($0)" } ?? "another process") + " (\(kind.lowercased()))"
    case .network(let connections):
      return connections.map { connection in
        connection.state == "SYN_SENT"
          ? "connecting to \(connection.remote)" : "\(connection.remote) (\(connection.state.lowercased()))"
      }.joined(separator: ", ")
    case nil:
      guard let wchan = process.wchan else { return process.state == "R" ? "(running)" : "-" }
      return wchan == "do_wait" ? "a child (do_wait)" : wchan
    }
  }

  /// `12: success, finished …, 5m03.2s ago` / `13: failed in configure/20-x (exit 1), …`.
  static func summary(_ run: RunSummary, now: Int64) -> String {
    var text = "\(run.id): \(HumanFormat.status(run.status))"
    let place = HumanFormat.failure(run)
    if run.status != .success && !place.isEmpty { text += " in \(place)" }
    if let name = run.failedDeployment {
      let others = run.deploymentsFailed > 1 ? " (and \(run.deploymentsFailed - 1) more)" : ""
      text += ", but Heat deployment \(HumanFormat.safe(name)) failed\(others)"
    }
    if let finished = run.finishedAt {
      text +=
        ", finished \(HumanFormat.localTime(microseconds: finished)), "
        + "\(HumanFormat.duration(microseconds: max(0, now - finished))) ago"
    }
    return text
  }

  /// What the running refresh changed in the watched files so far.
  static func files(_ files: FileWatchSummary) -> String {
    let count = files.changedByRefresh + files.changedOutside
    var line = "Files: \(count) changed so far" + (files.watch.complete ? "" : " (record incomplete)")
    guard !files.latest.isEmpty else { return line }
    line +=
      "; last: "
      + files.latest.prefix(3).map { change in
        let by =
          change.script.map { " by \(change.phase?.rawValue ?? "")/\(HumanFormat.safe($0))" }
          ?? (change.byRefresh ? "" : " by another process")
        return "\(change.change.rawValue) \(HumanFormat.safe(change.path))\(by)"
      }.joined(separator: ", ")
    return line
  }
}

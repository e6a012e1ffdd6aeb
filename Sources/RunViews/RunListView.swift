import ContentEncoding
import RefreshStore

/// `history [list]`: one line per run, newest first; or the JSON array.
public enum RunListView {
  /// The JSON array of runs.
  public static func json(_ runs: [RunSummary]) -> String {
    JSONText.array(runs.map { .object(RunJSON.summaryFields($0)) }).rendered
  }

  /// The table of runs.
  public static func table(_ runs: [RunSummary]) -> [String] {
    var rows = [["ID", "STARTED", "DURATION", "STATUS", "SCRIPTS", "FAILED"]]
    for run in runs {
      rows.append([
        String(run.id), HumanFormat.localTime(microseconds: run.startedAt),
        HumanFormat.duration(microseconds: run.durationMicroseconds),
        HumanFormat.runStatus(run),
        "\(run.scriptsRun)/\(run.plannedScripts)", HumanFormat.failure(run),
      ])
    }
    return HumanFormat.table(rows)
  }
}

import RefreshStore

/// What shell completion offers for a run or a script, from the history at
/// a path; nothing when it cannot be read.
public enum CompletionCandidates {
  /// `latest`, `last-success`, `last-failure` and the newest run ids.
  public static func runs(databasePath: String, prefix: String) -> [String] {
    var candidates = ["latest", "last-success", "last-failure"]
    if let store = try? HistoryStore.openForReading(at: databasePath),
      let recent = try? store.queries.runs(limit: 50)
    {
      candidates += recent.map { String($0.id) }
    }
    return candidates.filter { $0.hasPrefix(prefix) }
  }

  /// `PHASE/NAME` of the scripts of the newest runs.
  public static func scripts(databasePath: String, prefix: String) -> [String] {
    guard let store = try? HistoryStore.openForReading(at: databasePath),
      let latest = try? store.queries.runs(limit: 5)
    else { return [] }
    var names: [String] = []
    for run in latest {
      for script in (try? store.queries.scripts(run: run.id)) ?? [] {
        let name = script.phase.rawValue + "/" + script.name
        if name.hasPrefix(prefix) && !names.contains(name) { names.append(name) }
      }
    }
    return names
  }
}

import RefreshStore

/// What shell completion offers for a run or a script, from the history at
/// a path; nothing when it cannot be read.
public enum CompletionCandidates {
  /// The database named on a command line being completed (`--db PATH`,
  /// `--db=PATH`), else the one `environment` or the default names.
  public static func databasePath(_ words: [String], environment: [String: String]) -> String {
    var path: String?
    for (index, word) in words.enumerated() {
      if word == "--db", index + 1 < words.count { path = words[index + 1] }
      if word.hasPrefix("--db=") { path = String(word.dropFirst(5)) }
    }
    return HistoryStore.path(option: path, environment: environment)
  }

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

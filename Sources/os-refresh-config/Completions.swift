import ArgumentParser
import RefreshRunner
import RefreshStore

/// Shell completion of run references and scripts from the history.
enum Completions {
  /// The database named on the command line being completed, else the default.
  static func databasePath(_ words: [String]) -> String {
    var path: String?
    for (index, word) in words.enumerated() {
      if word == "--db", index + 1 < words.count { path = words[index + 1] }
      if word.hasPrefix("--db=") { path = String(word.dropFirst(5)) }
    }
    return HistoryStore.path(option: path, environment: ProcessEnvironment.current().dictionary)
  }

  /// `latest`, `last-success`, `last-failure` and the newest run ids.
  static let runs = CompletionKind.custom { words, _, prefix in
    var candidates = ["latest", "last-success", "last-failure"]
    if let store = try? HistoryStore.openForReading(at: databasePath(words)),
      let recent = try? store.queries.runs(limit: 50)
    {
      candidates += recent.map { String($0.id) }
    }
    return candidates.filter { $0.hasPrefix(prefix) }
  }

  /// `PHASE/NAME` of the scripts of the newest runs.
  static let scripts = CompletionKind.custom { words, _, prefix in
    guard let store = try? HistoryStore.openForReading(at: databasePath(words)),
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

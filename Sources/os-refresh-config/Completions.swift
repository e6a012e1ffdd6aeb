import ArgumentParser
import RefreshRunner
import RefreshStore
import RunViews

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

  /// Run references from the history.
  static let runs = CompletionKind.custom { words, _, prefix in
    CompletionCandidates.runs(databasePath: databasePath(words), prefix: prefix)
  }

  /// `PHASE/NAME` of recent scripts.
  static let scripts = CompletionKind.custom { words, _, prefix in
    CompletionCandidates.scripts(databasePath: databasePath(words), prefix: prefix)
  }
}

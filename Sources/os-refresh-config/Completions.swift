import ArgumentParser
import CommandLineSupport
import RefreshRunner

/// Shell completion of run references and scripts from the history.
enum Completions {
  /// Run references from the history.
  static let runs = CompletionKind.custom { words, _, prefix in
    CompletionCandidates.runs(
      databasePath: CompletionCandidates.databasePath(words, environment: ProcessEnvironment.current().dictionary),
      prefix: prefix)
  }

  /// `PHASE/NAME` of recent scripts.
  static let scripts = CompletionKind.custom { words, _, prefix in
    CompletionCandidates.scripts(
      databasePath: CompletionCandidates.databasePath(words, environment: ProcessEnvironment.current().dictionary),
      prefix: prefix)
  }
}

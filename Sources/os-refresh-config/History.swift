import ArgumentParser

/// `history`: what ran, when, how it ended, and what it printed.
struct History: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the recorded runs (list by default).",
    discussion: "RUN is a run id, latest, last-success or last-failure.",
    subcommands: [
      HistoryList.self, HistoryShow.self, HistoryOutput.self, HistoryScript.self, HistoryStats.self, HistoryPrune.self,
      HistoryExport.self, HistoryPlot.self, HistoryMigrate.self, HistoryChanges.self, HistoryFile.self,
      HistoryVerify.self, HistorySealKey.self,
    ],
    defaultSubcommand: HistoryList.self
  )
}

import ArgumentParser
import RefreshSession

/// `history migrate`: what a refresh does to an older history, at once.
struct HistoryMigrate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Upgrade the history's schema and remove, now, the secrets an earlier version stored in clear.",
    discussion: """
      A refresh does both on its own: the schema before its first script, the secrets after its run's end, \
      a second at a time. Readers (history, diff, why, status) never change the schema. The release that \
      wrote an older schema refuses the history once it is upgraded.
      """
  )

  @OptionGroup var database: DatabaseOptions

  func run() throws {
    try HistoryMaintenance.migrate(at: database.path) { print($0) }
  }
}

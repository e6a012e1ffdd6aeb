import ArgumentParser
import RefreshSession
import RefreshStore
import RefreshVocabulary
import RunViews
import SystemInterface

/// `history verify`: proves the sealed history intact, or names what is not.
struct HistoryVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check every run's seal, the chain between them and every stored content.",
    discussion: """
      Exit status 0 when the history is intact, 1 when something was altered, deleted or \
      never sealed (each problem named), 2 on bad input. With --key, every seal is also \
      checked under the initial verification key `history seal-key` printed: that proves \
      the runs sealed before a compromise of the node unaltered.
      """
  )

  @OptionGroup var database: DatabaseOptions

  @Flag(help: "Print the report as JSON.")
  var json = false

  @Option(
    help: ArgumentHelp("The initial verification key (64 hex digits), from `history seal-key`.", valueName: "file"))
  var key: String?

  func run() throws {
    var initialKey: [UInt8]?
    do {
      initialKey = try key.map {
        guard let key = try HistoryMaintenance.verificationKey(in: $0) else { throw CommandError.notASealKey($0) }
        return key
      }
    } catch {
      ConsoleLog.printError(String(describing: error))
      throw CommandEnded(exitStatus: .usage)
    }
    let store = try database.open()
    let report = try store.verifySeals(initialKey: initialKey)
    let view = VerifyReport(report)
    print(json ? view.json : view.lines.joined(separator: "\n"))
    if !report.ok { throw CommandEnded(exitStatus: .failure) }
  }
}

/// `history seal-key`: the initial verification key, once.
struct HistorySealKey: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "seal-key",
    abstract: "Print the initial seal verification key, once, to keep off this node.",
    discussion: """
      The key every run's seal is derived from. It is printed once and then removed from \
      the node; keep it where an intruder on the node cannot reach it, and give it to \
      `history verify --key FILE`. Asked again, it refuses.
      """
  )

  @OptionGroup var database: DatabaseOptions

  func run() throws {
    if try !HistoryMaintenance.printInitialSealKey(at: database.path) { throw CommandError.sealKeyNotPrinted }
  }
}

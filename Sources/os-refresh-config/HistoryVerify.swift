import ArgumentParser
import RefreshSession
import RefreshStore
import RefreshVocabulary
import RunTelemetry
import RunViews
import SystemInterface

/// `history verify`: proves the sealed history intact, or names what is not.
struct HistoryVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check every run's seal, the chain between them and every stored content.",
    discussion: "Exit status 0 when intact, 1 when something was altered, deleted or never sealed, 2 on bad input."
  )

  @OptionGroup var database: DatabaseOptions

  @Flag(help: "Print the report as JSON.")
  var json = false

  @Option(
    help: ArgumentHelp("The initial verification key (64 hex digits), from `history seal-key`.", valueName: "file"))
  var key: String?

  @Option(help: ArgumentHelp("OTLP JSON lines that carried the runs' seals off the node.", valueName: "file"))
  var witness: String?

  func run() throws {
    var initialKey: [UInt8]?
    var witnessed: [Int64: String]?
    do {
      witnessed = try witness.map(OTLPWitness.seals(inFile:))
      initialKey = try key.map {
        guard let key = try HistoryMaintenance.verificationKey(in: $0) else { throw CommandError.notASealKey($0) }
        return key
      }
    } catch {
      ConsoleLog.printError(String(describing: error))
      throw CommandEnded(exitStatus: .usage)
    }
    let store = try database.open()
    let report = try store.verifySeals(initialKey: initialKey, witness: witnessed)
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
    discussion: "It leaves the node: keep it where an intruder cannot reach, for `history verify --key FILE`."
  )

  @OptionGroup var database: DatabaseOptions

  func run() throws {
    if try !HistoryMaintenance.printInitialSealKey(at: database.path) { throw CommandError.sealKeyNotPrinted }
  }
}

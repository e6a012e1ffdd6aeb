import ArgumentParser
import CommandLineSupport
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import RunViews
import RunWatch
import SystemInterface

/// `status`: what a refresh does now, or how the last one ended.
struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the refresh running now (its script, how long that usually takes, its processes) or the last run.",
    discussion: """
      Exit status, as systemctl status gives it: 0 when a refresh runs or the last run succeeded, 1 when the \
      last run did not succeed, 3 when no run is recorded, 4 when the history cannot be read (what runs is \
      still told, from the lock and /proc). A lock held by anything but a refresh is said so. The lock is never taken (its holder is read from \
      /proc/locks), and nothing is written but what every reader of the history marks: runs whose process is gone, abandoned and sealed.
      """
  )

  @OptionGroup var database: DatabaseOptions

  /// The refresh's lock file.
  @Option(help: ArgumentHelp("The refresh's lock file.", valueName: "path"))
  var lockfile: String = RunLock.defaultPath

  @OptionGroup var json: JSONOption<StatusContract>

  /// Redraw until the run ends.
  @Flag(help: "Redraw every second until the run ends (on a terminal; otherwise a view, or a JSON line, each second).")
  var watch = false

  /// The floor of "longer than usual".
  @Option(
    help: ArgumentHelp(
      "Flag the running script as longer than usual past 3x its p95 and this many seconds (0-604800).",
      valueName: "seconds"))
  var slowAfter: Int = RefreshStatus.defaultSlowAfterSeconds

  func validate() throws {
    try OptionRange.check("--slow-after", slowAfter, OptionRange.slowAfterSeconds, "seconds")
  }

  func run() throws {
    let pattern = try RunPartsPattern.forEnvironment(ProcessEnvironment.current().dictionary)
    let terminal = isatty(STDOUT_FILENO) == 1
    var store: HistoryStore?
    while true {
      var historyError: String?
      if store == nil { (store, historyError) = openStore() }
      let status = RefreshStatus.inspect(
        queries: store?.queries, historyError: historyError, lockfile: lockfile, pattern: pattern,
        slowAfterSeconds: slowAfter)
      writeFully(STDOUT_FILENO, frame(status, clearing: watch && terminal && !json.json, separated: watch))
      guard watch && status.running else { throw CommandEnded(exitStatus: status.exitStatus) }
      RunClock().sleep(seconds: 1)
    }
  }

  /// The history; nil while there is none (no refresh has recorded yet),
  /// or with why it cannot be read.
  private func openStore() -> (HistoryStore?, String?) {
    do {
      return (try database.open(), nil)
    } catch StoreError.noDatabase {
      return (nil, nil)
    } catch {
      return (nil, String(describing: error))
    }
  }

  private func frame(_ status: RefreshStatus, clearing: Bool, separated: Bool) -> String {
    if json.json { return StatusJSON.render(status).rendered + "\n" }
    let view = StatusReport.text(status, history: database.path, hint: CommandHint(database: database.db))
    if clearing { return "\u{1B}[H\u{1B}[2J" + view }
    return separated && status.running ? view + "\n" : view
  }
}

import RefreshRunner
import RefreshStore
import RunHistory

/// Opens the history for a refresh and builds its recorder, so that a
/// database problem costs one WARNING and never the refresh, unless the
/// audit is mandatory (`--require-history`).
enum HistorySession {
  /// The recorder to attach, or nil when recording is off or impossible.
  /// - Throws: the opening error, only when `required`.
  static func recorder(
    path: String, required: Bool, settings: HistoryRecorder.Settings, console: ConsoleLog
  ) throws -> HistoryRecorder? {
    let store: HistoryStore
    do {
      let opened = try HistoryStore.openForRecording(at: path, now: RunClock().wallMicroseconds())
      store = opened.store
      if let quarantine = opened.quarantine {
        console.log(
          .warning,
          "history: \(path) was corrupt (\(quarantine.reason)); moved to \(quarantine.movedTo), starting a new one")
      }
      try store.abandonStaleRuns(isAlive: ProcessIdentity.isAlive)
    } catch {
      if required { throw HistoryUnavailable(path: path, reason: String(describing: error)) }
      console.log(.warning, "history: cannot record in \(path) (\(error)); the refresh goes on without it")
      return nil
    }
    return HistoryRecorder(store: store, settings: settings) { console.log(.warning, $0) }
  }
}

/// The history could not be opened and `--require-history` was given.
struct HistoryUnavailable: Error, CustomStringConvertible {
  let path: String
  let reason: String
  var description: String {
    "history required but unavailable at \(path): \(reason); no script was run"
  }
}

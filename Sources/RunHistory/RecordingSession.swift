import RefreshRunner
import RefreshStore
import SystemInterface

/// Opens the history for a refresh and builds its recorder, so that a
/// database problem costs one WARNING and never the refresh, unless the
/// audit is mandatory (`--require-history`).
public enum RecordingSession {
  /// The history opened for the run and the recorder to attach, or nil
  /// when recording is impossible; `warn` receives the WARNING lines.
  /// - Throws: ``HistoryUnavailable`` only when `required`.
  public static func open(
    path: String, required: Bool, settings: HistoryRecorder.Settings, warn: @escaping (String) -> Void
  ) throws(HistoryUnavailable) -> (store: HistoryStore, recorder: HistoryRecorder)? {
    let store: HistoryStore
    do {
      let opened = try HistoryStore.openForRecording(at: path, now: RunClock().wallMicroseconds())
      store = opened.store
      if let quarantine = opened.quarantine {
        let pending = quarantine.pendingMovedTo.map {
          "; the records it had not taken yet are kept beside it in \($0), not in the new one"
        }
        warn(
          "history: \(path) was corrupt (\(quarantine.reason)); moved to \(quarantine.movedTo), starting a new one"
            + (pending ?? ""))
      }
      try store.prepareForRun(isAlive: ProcessIdentity.isAlive)
    } catch {
      if required { throw HistoryUnavailable(path: path, reason: String(describing: error)) }
      warn("history: cannot record in \(path) (\(error)); the refresh goes on without it")
      return nil
    }
    var settings = settings
    do {
      let key = try store.secretKey()
      settings.secretKey = key.key
      if key.replacedLost {
        warn(
          "history: the secret key \(store.files.secretKey) was missing; a new one was made, so each secret "
            + "recorded before shows as changed once")
      }
    } catch {
      warn("history: no secret key beside \(path) (\(error)); secrets are stored as <secret>, without digests")
    }
    if store.secretsScrubPending && !settings.storeSecrets {
      do {
        try SecretScrub.run(store, key: settings.secretKey)
      } catch {
        warn("history: cannot yet remove secrets an earlier version stored (\(error)); the next refresh tries again")
      }
    }
    return (store, HistoryRecorder(store: store, settings: settings, warn: warn))
  }
}

/// The history could not be opened and `--require-history` was given.
public struct HistoryUnavailable: Error, CustomStringConvertible {
  public let path: String
  public let reason: String
  public var description: String {
    "history required but unavailable at \(path): \(reason); no script was run"
  }
}

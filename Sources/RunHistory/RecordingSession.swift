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
    var lock: RunLock?
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
      // One refresh records in a history at a time, whatever lock file each
      // was given: a second would find the pending log taken and record a
      // run with no scripts. It is refused as a held run lock is.
      lock = try lockHistory(store.files.refreshLock)
      if let moved = store.setAsideForeignJournalFile(now: RunClock().wallMicroseconds()) {
        warn(
          "history: \(store.files.pendingLog) was not a private file of ours (\(moved.reason)); moved to \(moved.path)")
      }
      try store.prepareForRun(isAlive: ProcessIdentity.isAlive)
      // Runs that ended while no refresh could seal them (killed, marked
      // abandoned now): sealed before this one. A key that cannot be used
      // is said once, at this run's end.
      _ = try? store.sealEndedRuns(now: RunClock().wallMicroseconds())
    } catch let refused as HistoryUnavailable where refused.lockHeld != nil {
      throw refused
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
    let recorder = HistoryRecorder(store: store, settings: settings, warn: warn)
    recorder.historyLock = lock
    return (store, recorder)
  }
}

extension RecordingSession {
  /// The history's refresh lock; ``HistoryUnavailable`` with `lockHeld` when
  /// another refresh holds it.
  static func lockHistory(_ path: String) throws -> RunLock {
    let result = Result { () throws(RunnerError) in try RunLock.acquire(path: path) }
    switch result {
    case .success(let lock): return lock
    case .failure(let error):
      guard case .locked = error else { throw error }
      throw HistoryUnavailable(path: path, reason: "another refresh records in this history", lockHeld: error)
    }
  }

  /// How long a refresh spends, after its run's end, on the scrub of
  /// secrets an earlier version stored (in batches of 64 runs or 30 ms).
  public static let scrubBudgetNanoseconds: Int64 = 1_000_000_000

  /// After the run's end (never before a script): a share of a pending
  /// scrub of secrets an earlier version stored in clear, its progress
  /// logged by `info`; the rest waits for the next refreshes, or for
  /// `history migrate`. Nothing is done with `--store-secrets`.
  public static func continueScrub(
    _ store: HistoryStore, recorder: HistoryRecorder, info: (String) -> Void, warn: (String) -> Void
  ) {
    guard !recorder.storesSecrets, let before = store.scrubProgress else { return }
    do {
      let after = try SecretScrub.run(store, key: recorder.secretKey, budgetNanoseconds: scrubBudgetNanoseconds)
      info(scrubProgressLine(before: before, after: after))
    } catch {
      warn("history: cannot yet remove secrets an earlier version stored (\(error)); the next refresh tries again")
    }
  }

  /// One line on where the scrub stands; `byRefreshes`: the rest is left
  /// to the next refreshes (otherwise it goes on now).
  public static func scrubProgressLine(
    before: HistoryStore.ScrubProgress, after: HistoryStore.ScrubProgress?, byRefreshes: Bool = true
  ) -> String {
    let head = "history: secrets an earlier version stored in clear are removed from"
    guard let after else { return "\(head) all \(before.totalRuns) runs" }
    let done = "\(head) \(after.totalRuns - after.remainingRuns) of \(after.totalRuns) runs"
    guard byRefreshes else { return done }
    return done + "; the rest after the next refreshes, or at once with: os-refresh-config history migrate"
  }
}

/// The history could not be opened and `--require-history` was given.
public struct HistoryUnavailable: Error, CustomStringConvertible {
  public let path: String
  public let reason: String
  /// Another refresh holds the history's lock: refused as a held run lock is,
  /// recording required or not.
  public var lockHeld: RunnerError?

  public init(path: String, reason: String, lockHeld: RunnerError? = nil) {
    self.path = path
    self.reason = reason
    self.lockHeld = lockHeld
  }

  public var description: String {
    if let lockHeld { return lockHeld.description + ": another refresh records in this history" }
    return "history required but unavailable at \(path): \(reason); no script was run"
  }
}

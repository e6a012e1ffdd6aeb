import RefreshStore

extension HistoryRecorder {
  /// Seals the run that ended (and any before it left unsealed): never at
  /// the refresh's cost. A key that cannot be used is one WARNING, and the
  /// run stays unsealed for `history verify` to name; the key is never
  /// replaced. True when it sealed: its commit was durable.
  func sealEndedRuns(ending runID: Int64) -> Bool {
    guard let store else { return false }
    do {
      return !(try store.sealEndedRuns(now: clock.wallMicroseconds())).isEmpty
    } catch {
      warn("history: run \(runID) was not sealed (\(error)); `history verify` names it")
      return false
    }
  }
}

extension HistoryRecorder {
  /// The line that takes the recorded run's seal off the node at INFO (a
  /// witness, as the trace's root span is); nil when the run has none, or
  /// ran no script: a run that logs nothing else stays silent, as the
  /// reference's does.
  public var sealLine: String? {
    guard let store, let run = recordedRunID, settings.plannedScripts > 0,
      let seal = try? store.seal(of: run)
    else { return nil }
    return "history: run \(run) sealed \(seal.mac)"
  }
}

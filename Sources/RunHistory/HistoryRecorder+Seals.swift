import RefreshStore

extension HistoryRecorder {
  /// Seals the run that ended (and any before it left unsealed): never at
  /// the refresh's cost. A key that cannot be used is one WARNING, and the
  /// run stays unsealed for `history verify` to name; the key is never
  /// replaced.
  func sealEndedRuns(ending runID: Int64) {
    guard let store else { return }
    do {
      try store.sealEndedRuns(now: clock.wallMicroseconds())
    } catch {
      warn("history: run \(runID) was not sealed (\(error)); `history verify` names it")
    }
  }
}

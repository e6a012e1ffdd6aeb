import RefreshStore

extension HistoryRecorder {
  /// Retention as the run ends: runs beyond `--keep-runs`, then room below
  /// `--max-db-size` for a run like this one.
  func retain() {
    record {
      if settings.keepRuns > 0 { try $0.retention.prune(keepRuns: settings.keepRuns, olderThan: nil) }
      if settings.maxDatabaseBytes > 0 {
        // Room for a run like this one, so the file stops growing.
        let growth = try $0.retention.usedBytes() - (usedAtStart ?? 0)
        try $0.retention.shrink(toBytes: settings.maxDatabaseBytes, headroom: growth)
      }
    }
  }
}

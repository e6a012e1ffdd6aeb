import RefreshStore
import RefreshVocabulary

extension CauseList {
  /// Watched files the failed script names that changed in the window:
  /// by hand (between refreshes, or by a process outside one while it ran)
  /// or by another script; in the failing run itself only before the
  /// failed script started. Each path once, by hand first.
  mutating func addFileChanges(
    _ window: Window, failed: (phase: Phase, name: String, startedAt: Int64), reads: ScriptReads,
    queries: HistoryQueries
  ) throws {
    guard window.toDetail.files != nil else { return }
    let versions = try queries.fileChanges(after: window.from, through: window.to).filter { version in
      version.runID < window.to || version.record.found == .beforeRun || version.record.seenAt < failed.startedAt
    }
    var seen = Set<String>()
    let byHand = versions.filter { !$0.record.byRefresh }.reversed()
    let byScripts = versions.filter { $0.record.byRefresh }.reversed()
    for version in Array(byHand) + Array(byScripts) {
      let record = version.record
      guard record.script != failed.name || record.phase != failed.phase else { continue }
      guard seen.insert(record.path).inserted, reads.names(renderedPath: String(record.path.dropFirst())) else {
        continue
      }
      let how =
        record.found == .beforeRun
        ? "\(record.change.rawValue) outside any refresh, found at run \(version.runID)'s start"
        : record.byRefresh
          ? "\(record.change.rawValue) by \(record.phase?.rawValue ?? "")/\(record.script ?? "one of its scripts") in run \(version.runID)"
          : "\(record.change.rawValue) by a process outside the refresh during run \(version.runID)"
      add(
        record.byRefresh ? .fileItNamesChanged : .fileItNamesChangedByHand, record.path,
        how + "; the script names it (history file \(record.path))")
    }
  }
}

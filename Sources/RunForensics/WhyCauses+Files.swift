import MetadataDocuments
import RefreshStore
import RefreshVocabulary

extension CauseList {
  /// Watched files the failed script names, or renders from a template
  /// (it runs os-apply-config: the file a template of the failing run
  /// renders to, under / or the root it gives with -o), that changed in the
  /// window: by hand (between refreshes, or by a process outside one while
  /// it ran) or by another script; in the failing run itself only before
  /// the failed script started. Each path once, by hand first.
  mutating func addFileChanges(
    _ window: Window, failed: (phase: Phase, name: String, startedAt: Int64), reads: ScriptReads,
    queries: HistoryQueries
  ) throws {
    guard window.toDetail.files != nil else { return }
    let versions = try queries.fileChanges(after: window.from, through: window.to).filter { version in
      version.runID < window.to || version.record.found == .beforeRun || version.record.seenAt < failed.startedAt
    }
    let rendered =
      reads.rendersTemplates
      ? window.toInputs.filter { $0.kind == .template }.flatMap {
        TemplateManifest(text: $0.content ?? []).entries.map(\.path)
      } : []
    var seen = Set<String>()
    let byHand = versions.filter { !$0.record.byRefresh }.reversed()
    let byScripts = versions.filter { $0.record.byRefresh }.reversed()
    for version in Array(byHand) + Array(byScripts) {
      let record = version.record
      guard record.script != failed.name || record.phase != failed.phase else { continue }
      guard seen.insert(record.path).inserted else { continue }
      let names = reads.names(renderedPath: String(record.path.dropFirst()))
      let template = names ? nil : rendered.first { record.path.hasSuffix("/" + $0) }
      guard names || template != nil else { continue }
      let how =
        record.found == .beforeRun
        ? "\(record.change.rawValue) outside any refresh, found at run \(version.runID)'s start"
        : record.byRefresh
          ? "\(record.change.rawValue) by \(record.phase?.rawValue ?? "")/\(record.script ?? "one of its scripts") in run \(version.runID)"
          : "\(record.change.rawValue) by a process outside the refresh during run \(version.runID)"
      let reason: CauseReason =
        switch (record.byRefresh, template == nil) {
        case (true, true): .fileItNamesChanged
        case (true, false): .fileItRendersChanged
        case (false, true): .fileItNamesChangedByHand
        case (false, false): .fileItRendersChangedByHand
        }
      let why =
        template.map { "the script renders it from template \($0)" }
        ?? "the script names it"
      add(reason, record.path, how + "; \(why) (history file \(record.path))")
    }
  }
}

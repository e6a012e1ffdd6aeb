import MetadataDocuments
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// The candidate causes of one failure, gathered from a window's changes.
struct CauseList {
  typealias Cause = FailureExplanation.Cause
  private(set) var causes: [Cause] = []

  mutating func add(
    _ reason: CauseReason, _ subject: String, _ evidence: String, structural: Bool = false, diff: String? = nil
  ) {
    causes.append(Cause(reason, subject: subject, evidence: evidence, structural: structural, diff: diff))
  }

  /// Most likely first: by weight, then an item added or removed before a
  /// value changed, then the table's order, then subject (``CauseReason``).
  func ranked() -> [Cause] {
    causes.sorted {
      ($1.score, $1.structural ? 1 : 0, $0.reason.order, $0.subject)
        < ($0.score, $0.structural ? 1 : 0, $1.reason.order, $1.subject)
    }
  }

  // MARK: - Scripts

  /// The failed script's own change, and changes of the scripts that run
  /// before it (an earlier phase, or before it in its own).
  mutating func addScriptChanges(
    _ comparison: RunComparison, failed: ScriptDetail, queries: HistoryQueries, failingRuns: Int
  ) throws {
    let (from, to) = (comparison.from.summary.id, comparison.to.summary.id)
    for change in comparison.scripts where change.phase != .error && change.change != .same {
      let subject = change.phase.rawValue + "/" + change.name
      if change.phase == failed.phase && change.name == failed.name {
        if change.change == .added, !change.notReached {
          let runs = failingRuns == 1 ? "its only run" : "any of its \(failingRuns) runs"
          let diff = try change.to.flatMap { try unifiedDiff(nil, $0, from: from, to: to, queries: queries) }
          if failedDeployment != nil {
            // It ran the failed deployment, and itself succeeded.
            add(
              .earlierScriptAdded, subject, "new in run \(to); it ran the failed deployment", structural: true,
              diff: diff)
          } else {
            add(
              .failedScriptNew, subject, "new in run \(to): it has not succeeded in \(runs)", structural: true,
              diff: diff)
          }
        } else if change.contentChanged, let old = change.from, let new = change.to {
          let diff = try unifiedDiff(old, new, from: from, to: to, queries: queries)
          add(.failedScriptChanged, subject, "its content changed between run \(from) and run \(to)", diff: diff)
        }
        continue
      }
      guard !change.notReached, runsBefore(change, failed) else { continue }
      switch change.change {
      case .added:
        let diff = try change.to.flatMap { try unifiedDiff(nil, $0, from: from, to: to, queries: queries) }
        add(
          .earlierScriptAdded, subject, "added in run \(to); it runs before the failed script", structural: true,
          diff: diff)
      case .removed:
        add(
          .earlierScriptRemoved, subject, "removed after run \(from), where it ran before the failed script",
          structural: true)
      case .changed where change.contentChanged:
        add(.earlierScriptChanged, subject, "its content changed; it runs before the failed script")
      default: continue
      }
    }
  }

  private func runsBefore(_ change: RunComparison.ScriptChange, _ failed: ScriptDetail) -> Bool {
    if change.phase != failed.phase { return change.phase.position < failed.phase.position }
    return Array(change.name.utf8).lexicographicallyPrecedes(Array(failed.name.utf8))
  }

  /// The diff of a script's stored contents; an added script (`old` nil) whole, as added lines.
  private func unifiedDiff(_ old: ScriptDetail?, _ new: ScriptDetail, from: Int64, to: Int64, queries: HistoryQueries)
    throws -> String?
  {
    let before = try old.map { try queries.scriptContent(script: $0.id) } ?? []
    guard let before, let after = try queries.scriptContent(script: new.id) else { return nil }
    let diff = UnifiedDiff.text(
      old: String(decoding: before, as: UTF8.self), new: String(decoding: after, as: UTF8.self),
      oldLabel: "run \(from)", newLabel: "run \(to)")
    return diff.isEmpty ? nil : diff
  }

  // MARK: - Inputs

  /// environment.d files, metadata files and keys, templates. `reads` is
  /// what the failed script reads (nil for an environment.d failure).
  mutating func addInputChanges(
    _ comparison: RunComparison, reads: ScriptReads?, inputs: [StoredInput], failedEnvironmentFile: String?
  ) {
    let templates = NamedTemplates(inputs: inputs, reads: reads)
    environmentKeys = inputs.filter { $0.kind == .environment }.map { input in
      (
        WhyAnalysis.baseName(input.path),
        String(decoding: input.content ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
      )
    }
    for input in comparison.inputs where input.change != .same || !input.keys.isEmpty {
      let change = input.change.rawValue
      switch input.kind {
      case .environment:
        let name = WhyAnalysis.baseName(input.path)
        // Its content is never kept (it may set secrets): what it reads is.
        let reads = environmentKeys.first { $0.file == name }?.keys ?? []
        let keys =
          reads.isEmpty
          ? ""
          : "; it reads " + reads.prefix(5).joined(separator: ", ")
            + (reads.count > 5 ? " and \(reads.count - 5) more keys" : "") + " (os-apply-config --key)"
        if input.path == failedEnvironmentFile {
          add(
            .failedEnvironmentFile, name, "\(change): the file that failed" + keys,
            structural: input.change != .changed)
        } else {
          add(
            .environmentChanged, name, "\(change); environment.d is sourced before every script" + keys,
            structural: input.change != .changed)
        }
      case .template:
        if input.keys.isEmpty { add(.templateNotNamed, input.path, "templates root \(change)") }
        for template in input.keys {
          let relative = template.key
          let what = template.change.rawValue
          if let reads, reads.names(renderedPath: relative) {
            add(.templateItNames, relative, "\(what); the script names the file it renders (/\(relative))")
          } else {
            add(.templateNotNamed, relative, "\(what); the failed script does not name the file it renders")
          }
        }
      case .config:
        addConfigChange(input, reads: reads, templates: templates)
      }
    }
  }

  /// The keys environment.d files read (`os-apply-config --key` in them),
  /// as the failed run recorded them: what every script's environment may carry.
  private var environmentKeys: [(file: String, keys: [String])] = []

  /// The environment.d file that reads `key`, if one does.
  private func environmentReading(_ change: KeyChange) -> String? {
    environmentKeys.first { $0.keys.contains { ApplyConfigKeys.reads($0, path: change.positionalKey) } }?.file
  }

  private mutating func addConfigChange(
    _ input: RunComparison.InputChange, reads: ScriptReads?, templates: NamedTemplates
  ) {
    guard input.change == .changed, !input.keys.isEmpty else {
      let note = input.note.map { " (\($0))" } ?? ""
      add(
        input.change == .changed ? .inputFileChanged : .inputFileAddedOrRemoved, input.path,
        "\(input.change.rawValue)\(note)", structural: input.change != .changed)
      return
    }
    for key in input.keys {
      var what = Self.describe(key)
      if key.change == .removed, let replacement = Self.replacement(of: key, among: input.keys) {
        what += "; likely replaced by \(replacement.key)"
      }
      let structural = key.change != .changed
      if let name = failedDeployment, key.key == "deployments[\(name)].id" {
        add(.churn, key.key, "\(what); a new id, as Heat gives a deployment with every input change")
      } else if let churn = churn.reason(key, path: input.path) {
        add(.churn, key.key, "\(what); changes every run (\(churn))", structural: structural)
      } else if let name = failedDeployment, key.key.hasPrefix("deployments[\(name)]") {
        add(.deploymentChanged, key.key, "of the failed deployment \(name): \(what)", structural: structural)
      } else if let read = reads?.readKey(touchedAt: key.positionalKey) {
        if ApplyConfigKeys.isBeneath(key.positionalKey, read) {
          add(
            .keyUnderASubtreeItReads, key.key,
            "under \(read), which the script reads whole (os-apply-config --key \(read)): \(what)",
            structural: structural)
        } else {
          add(
            .keyItReads, key.key, "read by the script (os-apply-config --key \(read)): \(what)", structural: structural)
        }
      } else if let file = environmentReading(key) {
        add(
          .keyAnEnvironmentFileReads, key.key, "read by environment.d/\(file), which every script sources: \(what)",
          structural: structural)
      } else if let template = templates.reading(key.key) {
        add(
          .keyItsTemplateReads, key.key, "read through template \(template), whose file the script names: \(what)",
          structural: structural)
      } else if let unknown = reads?.unknownReads {
        add(
          .keyUnknownReads, key.key, "\(what); could not tell which keys the script reads (it \(unknown))",
          structural: structural)
      } else {
        add(
          .keyNotRead, key.key, "\(what); not read by the script, as far as its text and templates show",
          structural: structural)
      }
    }
  }

  /// What changes every run, ranked as churn.
  var churn = ChurnKeys()
  /// The name of the Heat deployment explained, whose own keys come first.
  var failedDeployment: String?

  /// A key's change in one line, values cut at 60 characters; a long
  /// value changed is shown around its first difference; a secret's never.
  static func describe(_ key: KeyChange) -> String {
    func shown(_ value: JSONValue?) -> String {
      let text = value?.text ?? ""
      return text.count > 60 ? String(text.prefix(59)) + "…" : text
    }
    if key.secret && key.from == nil && key.to == nil { return "secret changed" }
    if key.secret { return "a credential inside it changed" }
    switch key.change {
    case .added: return "added: " + shown(key.to)
    case .removed: return "removed (was " + shown(key.from) + ")"
    case .changed: return ValueDifference.line(key.from?.text ?? "", key.to?.text ?? "")
    }
  }

  /// The key added beside a removed one (same parent) that likely replaces
  /// it: the one holding the same value, else the only one added there.
  static func replacement(of removed: KeyChange, among keys: [KeyChange]) -> KeyChange? {
    func parent(_ path: String) -> Substring { path.lastIndex(of: ".").map { path[..<$0] } ?? "" }
    let beside = keys.filter {
      $0.change == .added && !$0.secret && parent($0.positionalKey) == parent(removed.positionalKey)
    }
    return beside.first { $0.to != nil && $0.to == removed.from } ?? (beside.count == 1 ? beside[0] : nil)
  }

  // MARK: - The system and the history's own pattern

  /// Packages changed in the window, a reboot, a new kernel. Returns the
  /// package logs read.
  mutating func addSystemChanges(_ window: Window, reads: ScriptReads?, packages: PackageLog) -> [String] {
    guard let before = window.systems.from, let after = window.systems.to else { return [] }
    if before.bootID != after.bootID {
      add(.rebooted, "boot", "the node rebooted between run \(before.runID) and run \(after.runID)")
    }
    if let old = before.kernel, let new = after.kernel, old != new {
      add(.kernelChanged, "kernel", "kernel \(old) -> \(new)")
    }
    let (logs, changes) = packages.changes(after: before.startedAt, upTo: after.startedAt)
    for change in changes {
      var what = change.action.rawValue
      switch change.action {
      case .installed: what += " " + (change.to ?? "")
      case .upgraded: what += " " + (change.from ?? "?") + " -> " + (change.to ?? "?")
      case .removed: what += " (was " + (change.from ?? "?") + ")"
      }
      what += " at " + Timestamp.localTime(change.at)
      let runs = ([change.name] + packages.executables(of: change.name)).first { reads?.runs($0) == true }
      if let runs {
        add(.packageItRuns, change.name, what + "; the script runs \(runs)", structural: change.action != .upgraded)
      } else {
        add(.packageChanged, change.name, what, structural: change.action != .upgraded)
      }
    }
    return logs
  }

  /// With no direct evidence, "intermittent" first: nothing the script uses
  /// changed. Otherwise said, lower, when the same script also failed
  /// before its last success (newest first in `history`).
  /// A `failure` stopped by `--timeout` says so first.
  mutating func addIntermittence(
    history: [TimelineEntry], sha256: String?, window: Window, failure: FailureExplanation.Failure? = nil
  ) {
    var timeout = ""
    if failure?.status == ScriptStatus.timeout.rawValue {
      timeout =
        failure?.timeoutSeconds.map { "stopped by --timeout \($0) (the whole run's limit); " }
        ?? "stopped by --timeout; "
    }
    let same = history.filter { sha256 != nil && $0.sha256 == sha256 }
    let failures = same.filter { $0.status.isFailure }.count
    let record = same.count > 1 ? "; it failed \(failures) of its last \(same.count) runs with the same script" : ""
    if !causes.contains(where: \.isDirect), let from = window.from, failures <= 1, same.count > 1 {
      // Its first failure in the runs looked at: not (yet) intermittent.
      add(
        .firstFailure, "",
        timeout + "its first failure in its last \(same.count) runs with the same script; nothing it uses changed "
          + "between run \(from) and run \(window.to)")
    } else if !causes.contains(where: \.isDirect), let from = window.from {
      add(.nothingChanged, "", timeout + "nothing it uses changed between run \(from) and run \(window.to)" + record)
    } else if same.drop(while: { $0.status != .success }).contains(where: { $0.status.isFailure }) {
      // It failed before its last success too, with the same script: it comes and goes.
      add(.failedBefore, "", "it failed \(failures) of its last \(same.count) runs with the same script")
    }
  }
}

/// The templates of a run, and which of them the failed script names.
struct NamedTemplates {
  private let named: [TemplateManifest.Entry]

  init(inputs: [StoredInput], reads: ScriptReads?) {
    named = inputs.filter { $0.kind == .template }.flatMap { input in
      TemplateManifest(text: input.content ?? []).entries.filter { reads?.names(renderedPath: $0.path) == true }
    }
  }

  /// A template the script names that reads `key`.
  func reading(_ key: String) -> String? {
    named.first { template in template.keys.contains { TemplateKeys.reads($0, key: key) } }?.path
  }
}

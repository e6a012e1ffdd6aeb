import ContentEncoding
import MetadataDocuments
import RefreshStore
import RefreshVocabulary
import SecretHiding
import SystemInterface

/// Whether something is in one run, the other, or both (and then equal or not).
public enum ChangeKind: String, Sendable {
  case added, removed, changed, same
}

/// What changed between two runs: inputs, then scripts.
public struct RunComparison: Sendable {
  /// One input file's change.
  public struct InputChange: Sendable {
    public let kind: InputKind
    public let path: String
    public let change: ChangeKind
    /// For JSON files, the keys that changed.
    public let keys: [KeyChange]
    /// Why keys are not listed, when they are not (not JSON, content not kept).
    public let note: String?
    /// Secrets of the file were kept without a key (`<secret>`, no digest:
    /// the history's key could not be had) in either run, so a change to
    /// one cannot be told; never read as "nothing changed".
    public var secretsUncompared = false
  }

  /// One script's change.
  public struct ScriptChange: Sendable {
    public let phase: Phase
    public let name: String
    public let change: ChangeKind
    public let contentChanged: Bool
    public let outcomeChanged: Bool
    /// The duration changed by more than 2x and more than 1 s.
    public let durationChanged: Bool
    /// Missing from one run only because its phase was not reached there
    /// (an earlier phase failed, or the run died): not taken out of the base.
    public let notReached: Bool
    public let from: ScriptDetail?
    public let to: ScriptDetail?
  }

  /// How sourcing environment.d for a phase ended differently: `added`
  /// when it fails only in `to`, `removed` when only in `from`, `changed`
  /// when it fails in both but in another file or with another status.
  public struct EnvironmentChange: Sendable {
    public let phase: Phase
    public let change: ChangeKind
    public let from: EnvironmentFailureRecord?
    public let to: EnvironmentFailureRecord?
  }

  public let from: RunDetail
  public let to: RunDetail
  public let inputs: [InputChange]
  public let scripts: [ScriptChange]
  /// Phases whose environment.d failure differs (only those).
  public let environment: [EnvironmentChange]
  /// Packages installed, upgraded or removed between the two runs' starts,
  /// from the node's package logs (``withPackages(from:)``).
  public private(set) var packages: [PackageChange] = []
  /// The package logs read for them.
  public private(set) var packageLogs: [String] = []

  /// The comparison with the package changes `log` holds between the runs'
  /// starts (as `why` reads them).
  public func withPackages(from log: PackageLog) -> RunComparison {
    var comparison = self
    (comparison.packageLogs, comparison.packages) = log.changes(
      after: from.summary.startedAt, upTo: to.summary.startedAt)
    return comparison
  }

  /// Whether the two runs used different base directories.
  public var differentBaseDirectories: Bool { from.summary.baseDirectory != to.summary.baseDirectory }

  /// Whether nothing at all differs.
  public var isEmpty: Bool {
    inputs.allSatisfy { $0.change == .same } && scripts.allSatisfy { $0.change == .same } && environment.isEmpty
      && packages.isEmpty && from.summary.status == to.summary.status
  }

  /// Compares runs `from` and `to` of the history `queries` reads.
  public static func load(from: Int64, to: Int64, in queries: HistoryQueries, showSecrets: Bool) throws
    -> RunComparison
  {
    compare(
      from: try queries.run(from), fromInputs: try queries.inputs(run: from), to: try queries.run(to),
      toInputs: try queries.inputs(run: to), showSecrets: showSecrets)
  }

  /// Compares run `from` with run `to`.
  public static func compare(
    from: RunDetail, fromInputs: [StoredInput], to: RunDetail, toInputs: [StoredInput], showSecrets: Bool
  ) -> RunComparison {
    RunComparison(
      from: from, to: to, inputs: compareInputs(fromInputs, toInputs, showSecrets: showSecrets),
      scripts: compareScripts(from, to), environment: compareEnvironment(from, to))
  }

  // MARK: - environment.d

  static func compareEnvironment(_ from: RunDetail, _ to: RunDetail) -> [EnvironmentChange] {
    func failure(_ run: RunDetail, _ phase: Phase) -> EnvironmentFailureRecord? {
      run.phases.first { $0.name == phase }?.environmentFailure
    }
    return Phase.allCases.compactMap { phase in
      let (old, new) = (failure(from, phase), failure(to, phase))
      switch (old, new) {
      case (nil, nil): return nil
      case (nil, .some): return EnvironmentChange(phase: phase, change: .added, from: nil, to: new)
      case (.some, nil): return EnvironmentChange(phase: phase, change: .removed, from: old, to: nil)
      case (.some(let old), .some(let new)):
        let same = old.file == new.file && old.exitCode == new.exitCode && old.signal == new.signal
        return same ? nil : EnvironmentChange(phase: phase, change: .changed, from: old, to: new)
      }
    }
  }

  // MARK: - Inputs

  static func compareInputs(_ old: [StoredInput], _ new: [StoredInput], showSecrets: Bool) -> [InputChange] {
    func key(_ input: StoredInput) -> String { input.kind.rawValue + "\u{0}" + input.path }
    let newByKey = Dictionary(new.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
    let oldKeys = Set(old.map(key))
    var changes: [InputChange] = []
    for input in old {
      guard let counterpart = newByKey[key(input)] else {
        changes.append(InputChange(kind: input.kind, path: input.path, change: .removed, keys: [], note: nil))
        continue
      }
      changes.append(compareInput(input, counterpart, showSecrets: showSecrets))
    }
    for input in new where !oldKeys.contains(key(input)) {
      changes.append(InputChange(kind: input.kind, path: input.path, change: .added, keys: [], note: nil))
    }
    return changes
  }

  static func compareInput(_ old: StoredInput, _ new: StoredInput, showSecrets: Bool) -> InputChange {
    guard old.sha256 != new.sha256 || old.sha256 == nil && old.content != new.content else {
      var same = InputChange(kind: new.kind, path: new.path, change: .same, keys: [], note: nil)
      same.secretsUncompared =
        !showSecrets && new.kind == .config && old.sha256 == nil && (new.content.map(keptWithoutKey) ?? false)
      return same
    }
    if new.kind == .template, let oldText = old.content, let newText = new.content {
      return InputChange(
        kind: new.kind, path: new.path, change: .changed,
        keys: templateChanges(TemplateManifest(text: oldText), TemplateManifest(text: newText)), note: nil)
    }
    guard new.kind == .config else {
      return InputChange(kind: new.kind, path: new.path, change: .changed, keys: [], note: "digest compared")
    }
    guard let oldContent = old.content, let newContent = new.content else {
      let note = new.kind == .config ? "content not kept: digest compared" : "digest compared"
      return InputChange(kind: new.kind, path: new.path, change: .changed, keys: [], note: note)
    }
    // The secrets known by name are looked for beside the bracket pairing
    // (each reads both texts), and waited for when a value is first shown.
    let common = CommonEnds(oldContent, newContent)
    let secrets = showSecrets ? nil : Background { knownSecrets(old, new, common: common) ?? CredentialSpans() }
    guard
      let keys = MetadataDiff.changes(
        fromText: oldContent, toText: newContent, common: common, showSecrets: showSecrets,
        spans: { secrets?.value ?? CredentialSpans() })
    else {
      return InputChange(kind: new.kind, path: new.path, change: .changed, keys: [], note: "not JSON: digest compared")
    }
    var change = InputChange(
      kind: new.kind, path: new.path, change: keys.isEmpty ? .same : .changed, keys: keys,
      note: keys.isEmpty ? "only formatting changed" : nil)
    change.secretsUncompared = !showSecrets && (keptWithoutKey(oldContent) || keptWithoutKey(newContent))
    return change
  }

  /// Whether stored metadata holds a secret kept as `<secret>`, without a digest.
  static func keptWithoutKey(_ content: [UInt8]) -> Bool {
    CredentialSpans.find(Array("\"\(SecretPolicy.maskedText)\"".utf8), in: content, from: 0) != nil
  }

  /// Each template added, removed or changed, as a key named by its path
  /// under the root, its values the first 12 digits of its digests.
  static func templateChanges(_ old: TemplateManifest, _ new: TemplateManifest) -> [KeyChange] {
    TemplateManifest.changes(from: old, to: new).map { change in
      let shown = { (entry: TemplateManifest.Entry?) in entry.map { JSONValue.string(String($0.sha256.prefix(12))) } }
      let kind: KeyChange.Kind = change.change == "added" ? .added : change.change == "removed" ? .removed : .changed
      return KeyChange(key: change.path, change: kind, from: shown(change.from), to: shown(change.to), secret: false)
    }
  }

  /// The secret values known by name in two stored documents, which shown
  /// values are searched for. Only a document kept with its secrets in
  /// clear (`--store-secrets`) can hold one: one kept masked (its digest
  /// keyed) holds tokens, and so does every copy of a secret inside it. A
  /// document that names no secret word at all is not built.
  static func knownSecrets(_ old: StoredInput, _ new: StoredInput, common: CommonEnds? = nil) -> CredentialSpans? {
    let naming = namesSecrets(old.content, new.content, common: common)
    let documents = zip([old, new], [naming.old, naming.new]).compactMap { input, names -> JSONValue? in
      guard let content = input.content, ContentDigest.kind(of: input.sha256).hmacSHA256 == nil, names else {
        return nil
      }
      return JSONValue.parse(content)
    }
    return documents.isEmpty ? nil : SecretPolicy.spans(for: documents)
  }

  /// Whether each text may name a secret (``SecretPolicy/mayNameSecrets(_:)``),
  /// the bytes both share at their ends (`common`, found when not given) searched once.
  static func namesSecrets(_ old: [UInt8]?, _ new: [UInt8]?, common: CommonEnds? = nil) -> (old: Bool, new: Bool) {
    guard let old, let new else {
      return (
        old.map { SecretPolicy.mayNameSecrets($0) } ?? false, new.map { SecretPolicy.mayNameSecrets($0) } ?? false
      )
    }
    let common = common ?? CommonEnds(old, new)
    // A secret word crossing into the shared ends is found with the middle.
    let margin = 64
    let (oldMiddle, newMiddle) = (
      max(0, common.prefix - margin)..<min(old.count, old.count - common.suffix + margin),
      max(0, common.prefix - margin)..<min(new.count, new.count - common.suffix + margin)
    )
    let shared =
      SecretPolicy.mayNameSecrets(old[..<oldMiddle.lowerBound])
      || SecretPolicy.mayNameSecrets(old[oldMiddle.upperBound...])
    return (
      shared || SecretPolicy.mayNameSecrets(old[oldMiddle]), shared || SecretPolicy.mayNameSecrets(new[newMiddle])
    )
  }

  // MARK: - Scripts

  static func compareScripts(_ from: RunDetail, _ to: RunDetail) -> [ScriptChange] {
    func scripts(_ run: RunDetail) -> [ScriptDetail] { run.phases.flatMap(\.scripts) }
    func key(_ script: ScriptDetail) -> String { script.phase.rawValue + "/" + script.name }
    let newByKey = Dictionary(scripts(to).map { (key($0), $0) }, uniquingKeysWith: { _, last in last })
    let oldByKey = Dictionary(scripts(from).map { (key($0), $0) }, uniquingKeysWith: { _, last in last })
    var seen = Set<String>()
    // Phase by phase in run order, scripts by position then name.
    let ordered = (scripts(from) + scripts(to)).sorted {
      ($0.phase.position, $0.position, $0.name) < ($1.phase.position, $1.position, $1.name)
    }.filter { seen.insert(key($0)).inserted }
    return ordered.map { script in
      let (old, new) = (oldByKey[key(script)], newByKey[key(script)])
      guard let old, let new else {
        return ScriptChange(
          phase: script.phase, name: script.name, change: old == nil ? .added : .removed, contentChanged: false,
          outcomeChanged: false, durationChanged: false,
          notReached: notReached(script, in: old == nil ? from : to), from: old, to: new)
      }
      let contentChanged = old.sha256 != new.sha256
      let outcomeChanged = old.status != new.status || old.exitCode != new.exitCode || old.signal != new.signal
      let durationChanged = Self.durationChanged(old.durationMicroseconds, new.durationMicroseconds)
      let changed = contentChanged || outcomeChanged || durationChanged
      return ScriptChange(
        phase: script.phase, name: script.name, change: changed ? .changed : .same, contentChanged: contentChanged,
        outcomeChanged: outcomeChanged, durationChanged: durationChanged, notReached: false, from: old, to: new)
    }
  }

  /// Whether `phase` of `run` ended before all its scripts ran: never
  /// reached, cut short, or stopped by a failing script.
  /// Whether `script`, missing from `run`, was only not reached there: its
  /// phase was skipped, or ended early (a script failed, the run died) before
  /// its turn. Scripts run in name order, so one that sorts before the last
  /// script its phase started was not there: removed, not unreached.
  static func notReached(_ script: ScriptDetail, in run: RunDetail) -> Bool {
    guard let recorded = run.phases.first(where: { $0.name == script.phase }) else { return false }
    if recorded.status == .skipped { return true }
    guard [.abandoned, .running].contains(recorded.status) || recorded.scripts.contains(where: { $0.status.isFailure })
    else { return false }
    guard let last = recorded.scripts.last else { return true }
    return !Array(script.name.utf8).lexicographicallyPrecedes(Array(last.name.utf8))
  }

  /// More than twice as long (or half) and more than a second apart.
  static func durationChanged(_ old: Int64?, _ new: Int64?) -> Bool {
    guard let old, let new else { return false }
    let (short, long) = old < new ? (old, new) : (new, old)
    return long - short > 1_000_000 && long > 2 * short
  }
}

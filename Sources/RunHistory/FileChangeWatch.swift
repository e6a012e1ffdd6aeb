import ContentEncoding
import FileWatch
import RefreshStore
import RefreshVocabulary
import SecretHiding
import SystemInterface

/// How the recorder watches the node's files (`--watch-path`, `--no-watch`…).
public struct FileWatchSettings: Sendable {
  /// The watched paths and what under them is left alone.
  public var scope: WatchScope
  /// Files larger than this keep a digest only (`--max-file-content`).
  public var contentLimit = 1 << 20
  /// The method asked for (`OS_REFRESH_CONFIG_WATCH_METHOD`); nil: the best there is.
  public var method: WatchMethod?
  /// Whether fanotify's events are read as they come (false: only at
  /// script boundaries, how a test fills the kernel's queue).
  public var readsEventsContinuously = true

  /// Watches `scope`.
  public init(scope: WatchScope) { self.scope = scope }
}

/// Watches the files for one run by stat scans: at its start (what changed
/// since the last refresh, outside any, or the baseline of a path watched
/// for the first time), then at script boundaries, each change attributed to
/// the scripts that ran since the scan before.
///
/// A scan of a real /etc costs a few milliseconds, so one after every script
/// (or every phase) would cost a run of fast scripts more than it may (5%).
/// Where scanning is the fallback (no fanotify), a scan is made after a
/// script once the scripts since the last scan ran for at least
/// ``costRatio`` times what that scan cost, and at the run's end:
/// a change then found after several fast scripts is attributed to their
/// phase (`script: null`), or to the refresh when they span phases (`phase`
/// and `script` null). Asked for by name, it scans after every script.
struct FileChangeWatch {
  /// Scripts run between two scans for at least this many times a scan's
  /// cost: the scans between the start's and the end's then cost 1% of the
  /// scripts' time (at 20 they cost 5% alone, and a run of 500 fast scripts
  /// +9.8% with the start's and end's).
  static let costRatio: Int64 = 100
  /// Changes recorded in one run at most; past it they are counted, not recorded.
  static let recordLimit = 50_000
  /// Records handed to the ``sink`` at a time.
  static let chunk = 256

  let settings: FileWatchSettings
  let digests: SecretDigests
  let spans: CredentialSpans
  let clock = RunClock()
  /// The states last seen, and the digests last recorded, by path.
  var known: [String: FileState] = [:]
  private var recordedDigests: [String: String] = [:]
  private var scanCost: Int64 = 0
  private var sinceScan: Int64 = 0
  /// The scripts that ran since the last scan, with their phase.
  var group: [(phase: Phase, script: String)] = []
  /// Each script of the run as it started (its process's start in clock
  /// ticks since boot, and its pid): what tells the script a process the
  /// refresh started belongs to.
  var scriptStarts: [(ticks: UInt64, pid: Int32, phase: Phase, script: String)] = []
  /// The clock just before the next script's spawn (``scriptWillStart()``).
  var nextStartTicks: UInt64?
  /// The kernel watcher, when fanotify could be had.
  var watcher: FanotifyWatcher?
  /// The script running now (from its start to its end), with its phase.
  var running: (phase: Phase, script: String)?
  /// What ``streamQuietChanges()`` left for the next boundary.
  var streamed = Streamed()
  /// Where a boundary hands its records as it makes them (the history's
  /// journal); without one they are returned at its end.
  var sink: (([FileChangeRecord]) -> Void)?
  private var recorded = 0
  /// Watched roots found missing (or not directories) at the start.
  private(set) var missingRoots: [String] = []
  /// The listing ``scanAtStart()`` began (and what it cost), until
  /// ``start(stored:watchedBefore:)`` takes it.
  private var startScan: Background<(snapshot: TreeSnapshot, cost: Int64)>?
  /// What the recorder gives ``start(stored:watchedBefore:)`` once it is
  /// in: the history's last states, read on a thread of their own, and the
  /// paths watched before.
  var pendingStart: (stored: Background<Result<[String: StoredFileState], any Error>>, watchedBefore: [String])?
  var watch: FileWatchRecord

  /// What recording a script's changes while it runs left for its end.
  struct Streamed {
    /// Touches of paths not yet quiet, and of renames.
    var held: [FileTouch] = []
    /// Set once events were lost: the boundary scans.
    var lost: EventLoss?
  }

  /// How the watcher lost events: after it, only a scan finds every change.
  enum EventLoss {
    case overflow
    case refusedMark(String)

    /// The loss a collection tells of, if any.
    init?(_ collected: FanotifyWatcher.Collected) {
      if let reason = collected.refusedMark {
        self = .refusedMark(reason)
      } else if collected.overflowed {
        self = .overflow
      } else {
        return nil
      }
    }

    var reason: String {
      switch self {
      case .overflow: "the kernel's fanotify queue overflowed"
      case .refusedMark(let why): "a watched directory could not be marked (\(why))"
      }
    }
  }

  init(settings: FileWatchSettings, key: [UInt8]?, known secrets: KnownSecrets) {
    self.settings = settings
    digests = SecretDigests(key: key)
    spans = FileSecrets.spans(known: secrets)
    watch = FileWatchRecord(method: .scan, paths: settings.scope.paths, complete: true)
  }

  // MARK: - Boundaries

  /// The run starts: the watch is set up, and the watched paths are listed
  /// on a thread of their own while the runner goes on towards its first
  /// script (6 ms of a start with this machine's /etc; the history's last
  /// states are read meanwhile too), for ``start(stored:watchedBefore:)``,
  /// which must come before any script or environment.d file runs.
  mutating func scanAtStart() {
    if settings.method != .scan {
      // The scan marks each directory before listing it: an entry made
      // after the listing is an event, one made before it is listed.
      watcher = try? FanotifyWatcher(scope: settings.scope, readsContinuously: settings.readsEventsContinuously)
      if watcher != nil { watch.method = .fanotify }
    }
    let (scope, watcher, clock) = (settings.scope, watcher, clock)
    startScan = Background {
      let started = clock.monotonicNanoseconds()
      let snapshot = TreeScan.scan(scope, entering: watcher.map { watcher in { watcher.mark($0) } })
      return (snapshot, clock.monotonicNanoseconds() - started)
    }
  }

  /// The changes made since the paths' last recorded states (`before_run`),
  /// and the baseline of paths no run watched before, from the listing
  /// ``scanAtStart()`` began (made now if it was not).
  mutating func start(stored: [String: StoredFileState], watchedBefore: [String]) -> [FileChangeRecord] {
    if startScan == nil { scanAtStart() }
    let scanned = startScan?.value
    startScan = nil
    let snapshot = scanned.map { noteScanned($0.snapshot, cost: $0.cost) } ?? TreeSnapshot()
    missingRoots = snapshot.missingRoots
    let old = settings.scope.paths.filter { watchedBefore.contains($0) }
    let allOld = old.count == settings.scope.paths.count
    let oldDirectories = old.map { $0 + "/" }
    let isOld = { (path: String) in
      old.contains(path) || oldDirectories.contains { path.hasPrefix($0) }
    }
    var before = [String: FileState](minimumCapacity: stored.count)
    recordedDigests.reserveCapacity(stored.count)
    for (path, entry) in stored where isOld(path) {
      before[path] = entry.state
      if let digest = entry.sha256 { recordedDigests[path] = digest }
    }
    var oldSnapshot = snapshot
    if !allOld { oldSnapshot.states = snapshot.states.filter { isOld($0.key) } }
    let now = clock.wallMicroseconds()
    var records = TreeComparison.changes(from: before, to: oldSnapshot).compactMap {
      record($0, found: .beforeRun, by: nil, at: now)
    }
    // Every path under a root watched before is old: no new path to list.
    let new = allOld ? [] : snapshot.states.keys.filter { !isOld($0) }.sorted()
    for path in new {
      guard let state = snapshot.states[path] else { continue }
      let change = PathChange(path: path, kind: .created, renamedFrom: nil, state: state, previous: nil)
      if let baseline = record(change, found: .baseline, by: nil, at: now) { records.append(baseline) }
    }
    known = snapshot.states
    return records
  }

  /// A script ended after `duration` ns: the changes since the last scan,
  /// when one is due.
  mutating func scriptEnded(_ script: String, in phase: Phase, durationNanoseconds: Int64) -> [FileChangeRecord] {
    group.append((phase, script))
    if watcher != nil { return fanotifyBoundary() }
    sinceScan += max(0, durationNanoseconds)
    // Asked for by name (OS_REFRESH_CONFIG_WATCH_METHOD=scan), a scan is
    // made after every script: exact attribution, whatever it costs.
    guard scanIsDue else { return [] }
    return scanBoundary()
  }

  /// Whether a fallback scan is due: asked for by name, or the scripts since
  /// the last one ran for ``costRatio`` times what it cost.
  private var scanIsDue: Bool {
    settings.method == .scan || sinceScan >= scanCost.multipliedReportingOverflow(by: Self.costRatio).partialValue
  }

  /// A phase or (`final`) the run ended: the changes since the last
  /// boundary. A fallback scan is made at the run's end if a script ran
  /// since the last one, never at a phase's end: a scan due is made at the
  /// end of the script that made it due.
  mutating func boundary(final: Bool) -> [FileChangeRecord] {
    if watcher != nil { return fanotifyBoundary() }
    guard !group.isEmpty, final else { return [] }
    return scanBoundary()
  }

  /// The changes a full scan finds since the last, attributed to the
  /// scripts since: the one script, or the phase of several. With none (a
  /// fanotify queue that overflowed between scripts), to no script of the
  /// refresh: no script ran to make them.
  mutating func scanBoundary() -> [FileChangeRecord] {
    let snapshot = scan()
    let by: (Phase?, String?)? =
      switch group.count {
      case 0: nil
      case 1: (group[0].phase, group[0].script)
      default: group.allSatisfy { $0.phase == group[0].phase } ? (group[0].phase, nil) : (nil, nil)
      }
    let now = clock.wallMicroseconds()
    let records = deliver(TreeComparison.changes(from: known, to: snapshot).map { ($0, by) }, at: now)
    known = snapshot.states
    group = []
    sinceScan = 0
    return records
  }

  /// The records of changes found during the run, by whom each was made.
  /// With a ``sink``, they are handed to it in chunks as they are made (the
  /// history writes one while the next is read) and the rest is returned.
  mutating func deliver(_ changes: [(PathChange, (Phase?, String?)?)], at now: Int64) -> [FileChangeRecord] {
    var records: [FileChangeRecord] = []
    for (change, by) in changes {
      guard let made = record(change, found: .duringRun, by: by, at: now) else { continue }
      records.append(made)
      if let sink, records.count == Self.chunk {
        sink(records)
        records = []
      }
    }
    return records
  }

  /// What a scan gives each directory it enters: the watcher's mark (a
  /// scan after lost events marks what was made meanwhile), when there is one.
  var marking: ((FileDescriptor) -> Void)? {
    guard let watcher else { return nil }
    return { watcher.mark($0) }
  }

  mutating func scan() -> TreeSnapshot {
    let started = clock.monotonicNanoseconds()
    let snapshot = TreeScan.scan(settings.scope, entering: marking)
    return noteScanned(snapshot, cost: clock.monotonicNanoseconds() - started)
  }

  /// Takes `snapshot`, a scan that cost `cost` ns: what the next scan is
  /// weighed against, and what makes the record incomplete.
  private mutating func noteScanned(_ snapshot: TreeSnapshot, cost: Int64) -> TreeSnapshot {
    scanCost = cost
    if !snapshot.isComplete, watch.complete {
      watch.complete = false
      watch.incompleteReason =
        snapshot.truncated
        ? "the scan stopped at \(settings.scope.entryLimit) entries"
        : "cannot list "
          + snapshot.unreadable.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key) (\($0.value))" }
          .joined(separator: ", ")
    }
    return snapshot
  }

  // MARK: - Records

  /// The record of `change`, its content read and masked; nil when a
  /// file's content and metadata turn out unchanged (only touched), or
  /// past the run's record limit (then counted).
  mutating func record(
    _ change: PathChange, found: FileChangeTime, by: (Phase?, String?)?, at now: Int64
  ) -> FileChangeRecord? {
    guard let state = change.state ?? change.previous else { return nil }
    guard recorded < Self.recordLimit else {
      watch.complete = false
      watch.changesLost = (watch.changesLost ?? 0) + 1
      watch.incompleteReason = "more than \(Self.recordLimit) changes in one run: the rest counted, not recorded"
      return nil
    }
    var record = FileChangeRecord(
      path: change.path, change: change.kind, found: found, byRefresh: by != nil, seenAt: now,
      state: state)
    (record.renamedFrom, record.phase, record.script) = (change.renamedFrom, by?.0, by?.1)
    let previousDigest = recordedDigests[change.renamedFrom ?? change.path]
    if change.kind == .deleted {
      record.sha256 = previousDigest
      recordedDigests[change.path] = nil
    } else if change.kind != .metadata {
      fill(&record, kind: state.kind)
      if change.kind == .modified, let previousDigest, record.sha256 == previousDigest, record.error == nil {
        guard let previous = change.previous, state.metadataDiffers(from: previous) else { return nil }
        record.change = .metadata
      }
      if let from = change.renamedFrom { recordedDigests[from] = nil }
      recordedDigests[change.path] = record.sha256
    }
    recorded += 1
    return record
  }

  /// Reads what `record`'s path holds: a file's content (masked, or only
  /// a keyed digest for a secret file), a link's target.
  func fill(_ record: inout FileChangeRecord, kind: FileState.Kind) {
    switch kind {
    case .regular:
      do {
        let content = try FileContent.read(
          record.path, limit: settings.contentLimit,
          key: FileSecrets.isSecretPath(record.path) ? digests.key : nil)
        record.state = content.state
        keep(content, in: &record)
      } catch {
        record.error = error.reason
      }
    case .symlink:
      var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink(record.path, &target, target.count)
      guard count >= 0 else {
        record.error = SystemError(call: "readlink", code: errno).reason
        return
      }
      record.content = Array(target.prefix(count))
      record.sha256 = ContentDigest.sha256Hex(target.prefix(count))
    case .directory, .special:
      return
    }
  }

  private func keep(_ content: FileContent, in record: inout FileChangeRecord) {
    let kept = FileSecrets.kept(
      path: record.path, bytes: content.bytes, binary: content.binary, sha256: content.sha256,
      keyedSHA256: content.keyedSHA256, key: digests.key, spans: spans)
    (record.content, record.sha256, record.secret, record.binary) = (
      kept.content, kept.sha256, kept.secret, kept.binary
    )
  }
}

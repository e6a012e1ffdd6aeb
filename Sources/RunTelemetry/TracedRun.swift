import ContentEncoding
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// A run as a trace: a span for the run, each phase that started and each
/// script. What the OTLP line, the metrics file and the timeline are drawn
/// from, whether the run comes from the history or was just watched.
/// Times are UTC microseconds.
public struct TracedRun: Sendable, Equatable {
  public var trace: RunTrace
  /// The run's id in the history; nil without one.
  public var runID: Int64?
  public var startedAt: Int64
  public var durationMicroseconds: Int64
  public var status: RunStatus
  /// The exit status; nil for a run abandoned before it could give one.
  public var exitCode: Int64?
  public var baseDirectory: String
  public var hostname: String
  public var version: String
  /// The phases that started, in the order they ran.
  public var phases: [TracedPhase]
  /// The Heat deployments its scripts ran (name, group, whether the hook
  /// succeeded); nil when not known (a run without a history).
  public var deployments: [TracedDeployment]? = nil
  /// What it did to the watched files (counts, and its first changes); nil
  /// when it did not watch them.
  public var files: FileWatchSummary? = nil
  /// Its seal in the history (a witness that leaves the node); nil when it has none.
  public var seal: String? = nil
  /// What `why` names first for its failure, worked out as it ended; nil
  /// when nothing failed, without a history, and in `history export`.
  public var cause: TracedCause? = nil

  /// When the run ended.
  public var finishedAt: Int64 { startedAt &+ durationMicroseconds }

  /// The scripts of every phase, in the order they ran.
  public var scripts: [TracedScript] { phases.flatMap(\.scripts) }
}

/// `why`'s most likely cause of a run's failure, as `why --json` gives it:
/// the script that failed (or ran the failed Heat deployment) and the
/// first cause's kind and subject. What the fleet counts failures by.
public struct TracedCause: Sendable, Equatable {
  public var phase: Phase
  /// The script, or `environment.d/NAME`.
  public var script: String
  /// The cause's kind (`input_key_changed`, `script_changed`, …).
  public var kind: String
  /// What changed: a script, a key path, a template, a package, a file (never a value).
  public var subject: String

  public init(phase: Phase, script: String, kind: String, subject: String) {
    (self.phase, self.script, self.kind, self.subject) = (phase, script, kind, subject)
  }

  /// The longest subject a label or attribute carries (in bytes); a longer
  /// one is cut at a character and ends with `…`.
  public static let subjectLimit = 256

  /// The subject as a label or attribute carries it: through `redact`, then cut.
  func subject(redactedBy redact: (String) -> String) -> String { Self.bounded(redact(subject)) }

  /// `text` cut to ``subjectLimit`` bytes, at a character.
  static func bounded(_ text: String) -> String {
    guard text.utf8.count > subjectLimit else { return text }
    var kept = ""
    for character in text {
      guard kept.utf8.count + String(character).utf8.count <= subjectLimit - 3 else { break }
      kept.append(character)
    }
    return kept + "…"
  }
}

/// A Heat deployment a script ran.
public struct TracedDeployment: Sendable, Equatable {
  public var name: String
  public var group: String?
  public var succeeded: Bool
}

/// A phase that started.
public struct TracedPhase: Sendable, Equatable {
  public var phase: Phase
  public var spanID: SpanID
  public var startedAt: Int64
  public var durationMicroseconds: Int64
  public var status: PhaseStatus
  /// The environment.d file that failed, or "" when the shell failed before
  /// the first one; nil when environment.d did not fail.
  public var environmentFailure: String?
  public var scripts: [TracedScript]

  /// When the phase ended.
  public var finishedAt: Int64 { startedAt &+ durationMicroseconds }
}

/// A script that was started.
public struct TracedScript: Sendable, Equatable {
  public var phase: Phase
  public var name: String
  public var path: String
  public var spanID: SpanID
  public var startedAt: Int64
  public var durationMicroseconds: Int64
  public var status: ScriptStatus
  public var exitCode: Int64?
  public var signal: Int64?
  /// The script's SHA-256, when it was read.
  public var sha256: String?
  /// Why it could not be started.
  public var error: String?

  /// When the script ended.
  public var finishedAt: Int64 { startedAt &+ durationMicroseconds }

  /// Why the script's span is an error: nil when it succeeded.
  public var failure: String? {
    guard status != .success else { return nil }
    if let error { return error }
    if let signal { return "\(status.rawValue): killed by \(signalName(Int32(truncatingIfNeeded: signal)))" }
    if let exitCode { return "\(status.rawValue): exited \(exitCode)" }
    return status.rawValue
  }
}

extension TracedRun {
  /// The trace of a recorded run. Runs that have not ended have none; runs
  /// recorded before spans were kept get ids derived from the run, the same
  /// each time. Spans without an end (an abandoned run's) end with the last
  /// thing they hold.
  public init?(detail: RunDetail) {
    let summary = detail.summary
    guard summary.status != .running else { return nil }
    let derive = DerivedSpans(detail: detail)
    trace = detail.trace ?? derive.trace
    runID = summary.id
    seal = detail.seal
    let runStart = summary.startedAt
    startedAt = runStart
    status = summary.status
    exitCode = summary.exitCode
    baseDirectory = summary.baseDirectory
    hostname = detail.hostname
    version = detail.version
    phases = detail.phases.compactMap { phase -> TracedPhase? in
      guard let started = phase.startedAt ?? phase.scripts.first?.startedAt else { return nil }
      let scripts = phase.scripts.map { TracedScript(detail: $0, spanID: $0.spanID ?? derive.span($0)) }
      let end = phase.durationMicroseconds.map { started &+ $0 } ?? scripts.map(\.finishedAt).max() ?? started
      let failure = phase.environmentFailure.map { $0.file ?? "" }
      return TracedPhase(
        phase: phase.name, spanID: phase.spanID ?? derive.span(phase.name), startedAt: started,
        durationMicroseconds: max(0, end &- started), status: phase.status, environmentFailure: failure,
        scripts: scripts)
    }
    deployments = detail.deployments.map {
      TracedDeployment(name: $0.name, group: $0.group, succeeded: $0.succeeded)
    }
    files = detail.files
    let tracedPhases = phases
    let end = summary.durationMicroseconds.map { runStart &+ $0 } ?? tracedPhases.map(\.finishedAt).max() ?? runStart
    durationMicroseconds = max(0, end &- runStart)
  }
}

extension TracedScript {
  init(detail: ScriptDetail, spanID: SpanID) {
    let duration = detail.durationMicroseconds ?? detail.finishedAt.map { max(0, $0 &- detail.startedAt) } ?? 0
    self.init(
      phase: detail.phase, name: detail.name, path: detail.path, spanID: spanID, startedAt: detail.startedAt,
      durationMicroseconds: duration, status: detail.status, exitCode: detail.exitCode, signal: detail.signal,
      sha256: detail.sha256, error: detail.error)
  }
}

/// Ids for a run recorded before spans were kept: the first bytes of a
/// SHA-256 of the host, the run's start and id, and the span's place in it,
/// so that exporting it twice gives the same trace.
struct DerivedSpans {
  let seed: String

  init(detail: RunDetail) {
    seed = "os-refresh-config\u{0}\(detail.hostname)\u{0}\(detail.summary.startedAt)\u{0}\(detail.summary.id)"
  }

  private func digest(_ what: String) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update(Array((seed + "\u{0}" + what).utf8))
    return hasher.finalize()
  }

  private static func number(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
  }

  var trace: RunTrace {
    let bytes = digest("trace")
    let id =
      TraceID(high: Self.number(bytes[0..<8]), low: Self.number(bytes[8..<16]))
      ?? TraceID(high: 0, low: 1)!
    return RunTrace(traceID: id, spanID: span("run"))
  }

  func span(_ what: String) -> SpanID {
    SpanID(Self.number(digest(what)[0..<8])) ?? SpanID(1)!
  }

  func span(_ phase: Phase) -> SpanID { span("phase\u{0}" + phase.rawValue) }

  func span(_ script: ScriptDetail) -> SpanID { span("script\u{0}\(script.id)") }
}

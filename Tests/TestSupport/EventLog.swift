import RefreshRunner
import RefreshVocabulary

/// A ``RunObserver`` that writes down every event, for tests that drive a
/// run in-process and check what the runner reported and in what order.
public final class EventLog: RunObserver {
  /// One event, as the runner reported it.
  public enum Event: Equatable, Sendable {
    case runWillStart
    case phaseWillStart(Phase)
    case environmentWillLoad(Phase, files: Int)
    case scriptWillStart(Phase, String)
    case scriptDidFinish(Phase, String, ScriptStatus)
    case phaseDidFinish(Phase, PhaseStatus)
    case runDidFinish(RunStatus, ExitStatus)
  }

  /// The events in order (output chunks and log lines left out).
  public private(set) var events: [Event] = []
  /// What each script wrote to each stream, keyed `phase/name`.
  public private(set) var output: [String: [ScriptStream: [UInt8]]] = [:]
  /// The log lines, `LEVEL message`.
  public private(set) var logLines: [String] = []
  /// The outcomes of finished scripts, keyed `phase/name`.
  public private(set) var outcomes: [String: ScriptOutcome] = [:]
  /// Called as each script is about to start (on the runner's thread).
  public var onScriptStart: ((Script, Phase) -> Void)?

  public init() {}

  /// What `phase/name` wrote to `stream`, as text.
  public func text(_ phase: Phase, _ name: String, _ stream: ScriptStream = .stdout) -> String {
    String(decoding: output["\(phase.rawValue)/\(name)"]?[stream] ?? [], as: UTF8.self)
  }

  public func runWillStart(_ run: RunDescription) { events.append(.runWillStart) }

  public func phaseWillStart(_ phase: Phase, directory: String, span: SpanStart) {
    events.append(.phaseWillStart(phase))
  }

  public func environmentWillLoad(_ files: [String], for phase: Phase) {
    events.append(.environmentWillLoad(phase, files: files.count))
  }

  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {
    events.append(.scriptWillStart(phase, script.name))
    onScriptStart?(script, phase)
  }

  public func script(_ script: Script, in phase: Phase, wrote bytes: UnsafeRawBufferPointer, to stream: ScriptStream) {
    output["\(phase.rawValue)/\(script.name)", default: [:]][stream, default: []].append(contentsOf: bytes)
  }

  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    events.append(.scriptDidFinish(phase, script.name, outcome.status))
    outcomes["\(phase.rawValue)/\(script.name)"] = outcome
  }

  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    events.append(.phaseDidFinish(phase, status))
  }

  public func runDidFinish(status: RunStatus, exitStatus: ExitStatus, durationNanoseconds: Int64) {
    events.append(.runDidFinish(status, exitStatus))
  }

  public func log(_ level: LogLevel, _ message: String) { logLines.append("\(level.name) \(message)") }
}

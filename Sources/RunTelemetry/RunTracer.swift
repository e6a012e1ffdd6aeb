import RefreshRunner
import RefreshVocabulary
import SystemInterface

/// Watches a run and keeps it as a ``TracedRun``: the trace, the metrics
/// and the timeline of a run the history did not keep (`--no-history`, or a
/// history that failed). Costs a few appends per script; reads nothing.
public final class RunTracer: RunObserver {
  private let version: String
  private var description: RunDescription?
  private var phases: [TracedPhase] = []
  private var running: (script: Script, phase: Phase, span: SpanStart)?
  /// The run, once it has ended.
  public private(set) var run: TracedRun?

  /// A tracer; `version` is ours, for the trace's resource.
  public init(version: String) {
    self.version = version
  }

  public func runWillStart(_ run: RunDescription) { description = run }

  public func phaseWillStart(_ phase: Phase, directory: String, span: SpanStart) {
    phases.append(
      TracedPhase(
        phase: phase, spanID: span.id, startedAt: span.startedAt, durationMicroseconds: 0, status: .running,
        environmentFailure: nil, scripts: []))
  }

  public func environmentDidFail(
    for phase: Phase, file: String?, termination: Termination?, error: SystemError?, channels: OutputChannels
  ) {
    guard let index = phases.lastIndex(where: { $0.phase == phase }) else { return }
    phases[index].environmentFailure = file ?? ""
  }

  public func scriptWillStart(_ script: Script, in phase: Phase, span: SpanStart) {
    running = (script, phase, span)
  }

  public func scriptDidFinish(_ script: Script, in phase: Phase, outcome: ScriptOutcome) {
    guard let running, running.script == script, let index = phases.lastIndex(where: { $0.phase == phase }) else {
      return
    }
    self.running = nil
    let (exitCode, signal) = outcome.termination.recorded
    phases[index].scripts.append(
      TracedScript(
        phase: phase, name: script.name, path: script.path, spanID: running.span.id,
        startedAt: running.span.startedAt, durationMicroseconds: outcome.durationNanoseconds / 1000,
        status: outcome.status, exitCode: exitCode, signal: signal, sha256: nil,
        error: outcome.spawnError.map { "cannot execute: \($0.reason)" }))
  }

  public func phaseDidFinish(_ phase: Phase, status: PhaseStatus, durationNanoseconds: Int64) {
    guard let index = phases.lastIndex(where: { $0.phase == phase }), phases[index].status == .running else { return }
    phases[index].status = status
    phases[index].durationMicroseconds = durationNanoseconds / 1000
  }

  public func runDidFinish(status: RunStatus, exitStatus: ExitStatus, durationNanoseconds: Int64) {
    guard let description else { return }
    run = TracedRun(
      trace: description.trace, runID: nil, startedAt: description.startedAt,
      durationMicroseconds: durationNanoseconds / 1000, status: status, exitCode: Int64(exitStatus.code),
      baseDirectory: description.baseDirectory, hostname: hostName(), version: version, phases: phases)
  }

}

import RefreshVocabulary
import SystemInterface

/// environment.d: sourced before each phase.
extension RefreshRun {
  struct EnvironmentFailure: Error {
    let phaseFailure: PhaseFailure
    var isInterruption: Bool {
      if case .interrupted = phaseFailure { return true }
      return false
    }
  }

  /// What scripts of a phase start with: the environment and the state of
  /// the shell that sourced environment.d.
  struct ScriptSetting {
    let environment: ProcessEnvironment
    let state: ShellState
  }

  func loadEnvironment(for phase: Phase, supervisor: ChildSupervisor)
    -> Swift.Result<ScriptSetting, EnvironmentFailure>
  {
    let directory = configuration.path("environment.d")
    let files = EnvironmentFiles.list(directory)
    for entry in files.passedOver {
      log(.debug, "Not sourcing \(joinPath(directory, entry.name)): \(entry.reason.rawValue)")
    }
    guard !files.paths.isEmpty else {
      return .success(ScriptSetting(environment: configuration.environment, state: ShellState()))
    }
    if phase != .error && deadlinePassed() {
      return .failure(EnvironmentFailure(phaseFailure: .failed("timeout reached before \(directory) was sourced")))
    }
    for file in files.paths { log(.debug, "Sourcing environment file \(file)") }
    notify { $0.environmentWillLoad(files.paths, for: phase) }
    let observers = self.observers
    switch EnvironmentLoader.load(
      files: files.paths, into: configuration.environment, supervisor: supervisor,
      output: (channels, configuration.passThrough),
      deliver: { stream, bytes in
        for observer in observers { observer.environment(for: phase, wrote: bytes, to: stream) }
      },
      deadline: activeDeadline, onTimeout: timeoutReached)
    {
    case .loaded(let environment, let state):
      notify { $0.environmentDidLoad(environment, for: phase) }
      return .success(ScriptSetting(environment: environment, state: state))
    case .notStarted(let error):
      notify { $0.environmentDidFail(for: phase, file: nil, termination: nil, error: error, channels: channels) }
      return .failure(EnvironmentFailure(phaseFailure: .failed("cannot source environment files: \(error)")))
    case .failed(let file, let exit, let channels):
      notify {
        $0.environmentDidFail(for: phase, file: file, termination: exit.termination, error: nil, channels: channels)
      }
      if let signal = exit.interruptedBy {
        return .failure(EnvironmentFailure(phaseFailure: .interrupted(signal)))
      }
      let name = file ?? directory
      return .failure(
        EnvironmentFailure(phaseFailure: .failed("environment file \(name) \(exit.termination.summary)")))
    }
  }
}

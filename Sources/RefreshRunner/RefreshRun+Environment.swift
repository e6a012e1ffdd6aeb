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

  func loadEnvironment(for phase: Phase, supervisor: ChildSupervisor)
    -> Swift.Result<ProcessEnvironment, EnvironmentFailure>
  {
    let directory = configuration.path("environment.d")
    let files = EnvironmentFiles.list(directory)
    for entry in files.passedOver {
      log(.debug, "Not sourcing \(joinPath(directory, entry.name)): \(entry.reason.rawValue)")
    }
    guard !files.paths.isEmpty else { return .success(configuration.environment) }
    if phase != .error && deadlinePassed() {
      return .failure(EnvironmentFailure(phaseFailure: .failed("timeout reached before \(directory) was sourced")))
    }
    for file in files.paths { log(.debug, "Sourcing environment file \(file)") }
    notify { $0.environmentWillLoad(files.paths, for: phase) }
    switch EnvironmentLoader.load(
      files: files.paths, into: configuration.environment, supervisor: supervisor,
      deadline: activeDeadline, onTimeout: timeoutReached)
    {
    case .loaded(let environment):
      return .success(environment)
    case .notStarted(let error):
      return .failure(EnvironmentFailure(phaseFailure: .failed("cannot source environment files: \(error)")))
    case .failed(let file, let exit):
      if let signal = exit.interruptedBy {
        return .failure(EnvironmentFailure(phaseFailure: .interrupted(signal)))
      }
      let name = file ?? directory
      return .failure(
        EnvironmentFailure(phaseFailure: .failed("environment file \(name) \(exit.termination.summary)")))
    }
  }
}

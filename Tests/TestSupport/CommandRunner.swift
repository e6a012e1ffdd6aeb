import Foundation
import RefreshRunner
import Testing

/// What a finished command printed and how it exited.
public struct CommandResult: Equatable {
  public var stdout: Data
  public var stderr: String
  public var status: Int32

  public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
  public var stderrLines: [String] {
    stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
  }
}

/// A command started in the background, its output going to files so that
/// processes it leaves behind cannot hold the test up.
///
/// Started with the runner's own spawn, which gives the child default signal
/// dispositions: Foundation's Process uses glibc's posix_spawn, whose children
/// inherit signals 32 and 33 ignored, and the reference's scripts would show it.
public final class RunningCommand {
  public let pid: pid_t
  private let scratch: TemporaryDirectory
  private var status: Int32?

  /// With `combinedOutput`, stderr goes to stdout's file, as `> log 2>&1` does.
  public init(_ executable: String, _ arguments: [String], environment: [String: String], combinedOutput: Bool = false)
  {
    scratch = TemporaryDirectory("orc-output")
    let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
    let output = open(scratch.url("stdout"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    let error = open(scratch.url("stderr"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    defer { [input, output, error].forEach { close($0) } }
    do {
      pid = try ProcessSpawner.spawn(
        path: executable,
        arguments: CStringArray([executable] + arguments),
        environment: CStringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }),
        redirections: [
          .init(source: input, target: 0), .init(source: output, target: 1),
          .init(source: combinedOutput ? output : error, target: 2),
        ])
    } catch {
      // One test fails, as a shell would answer (127), not the whole suite's process.
      Issue.record("cannot start \(executable): \(error)")
      pid = 0
      status = 127
    }
  }

  /// The file its stdout goes to.
  public var outputPath: String { scratch.url("stdout") }

  /// Whether it has ended (reaping it when it has).
  public var hasEnded: Bool {
    if status != nil { return true }
    var raw: Int32 = 0
    if waitpid(pid, &raw, WNOHANG) == pid {
      let signal = raw & 0x7f
      status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
    return status != nil
  }

  /// Waits at most `seconds` for the command to end; kills it and records a
  /// test failure if it does not.
  public func wait(atMost seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) -> CommandResult {
    if !waitUntil(seconds: seconds, { self.hasEnded }) {
      Issue.record("command \(pid) did not end within \(seconds) s", sourceLocation: sourceLocation)
      if pid > 0 { kill(pid, SIGKILL) }
      _ = waitUntil(seconds: 10) { self.hasEnded }
    }
    let stdout = FileManager.default.contents(atPath: scratch.url("stdout")) ?? Data()
    let stderr = FileManager.default.contents(atPath: scratch.url("stderr")) ?? Data()
    return CommandResult(stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self), status: status ?? -1)
  }

  /// Sends `signal` to the command.
  public func signal(_ signal: Int32) {
    // Never 0 or -1: those would signal our process group, or every process.
    if pid > 0 { kill(pid, signal) }
  }
}

/// Polls `condition` every 10 ms for at most `seconds`; returns whether it held.
@discardableResult
public func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while Date() < deadline {
    if condition() { return true }
    usleep(10_000)
  }
  return condition()
}

/// Runs a command to its end (at most `seconds`).
public func runCommand(
  _ executable: String, _ arguments: [String], environment: [String: String], seconds: Double = 60,
  combinedOutput: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
) -> CommandResult {
  RunningCommand(executable, arguments, environment: environment, combinedOutput: combinedOutput).wait(
    atMost: seconds, sourceLocation: sourceLocation)
}

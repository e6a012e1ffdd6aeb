import CSystemShims
import RefreshVocabulary
import SystemInterface

/// Starts scripts with their output on channels of ours: pipes, or
/// pseudo-terminals, one for both streams when ours are one (OutputChannels).
struct ScriptLauncher {
  /// A started script: its pid and our ends of its output channels.
  struct Launched {
    let pid: pid_t
    /// stdout's channel (carrying stderr too when combined), then stderr's.
    let outputs: [Output]
  }

  /// Our end of one of a script's output channels.
  struct Output {
    let source: FileDescriptor
    /// The stream it carries; stdout for a combined channel.
    let stream: ScriptStream
    let isTerminal: Bool
  }

  /// Why a script could not be started, and the status a shell gives for it.
  struct Failure: Error {
    let error: SystemError
    /// What bash, which runs scripts under dib-run-parts, returns: 127 when
    /// the file is gone, 126 otherwise.
    var shellStatus: Int32 { error.code == ENOENT ? 127 : 126 }
  }

  /// The environment scripts get; its last entry is the running script's
  /// `TRACEPARENT` (``tracedEntries(_:trace:)``).
  let environment: CStringArray
  /// The umask, directory and limits environment.d left, which scripts start with.
  let state: ShellState
  /// How scripts' stdout and stderr are connected.
  let channels: OutputChannels
  /// Our stdout and stderr, whose window size pseudo-terminals get.
  let terminals: (stdout: Int32, stderr: Int32)

  /// The entries of a phase's environment as scripts get them: any
  /// `TRACEPARENT` and `TRACESTATE` replaced by the run's (a `TRACESTATE`
  /// only when the run continues a given trace), `TRACEPARENT` last, its
  /// value set for each script by ``launch(_:traceParent:)``.
  static func tracedEntries(_ entries: [[UInt8]], trace: RunTrace) -> [[UInt8]] {
    let replaced = ["TRACEPARENT=", "TRACESTATE="].map { Array($0.utf8) }
    var result = entries.filter { entry in !replaced.contains { entry.starts(with: $0) } }
    if let state = trace.traceState { result.append(Array(("TRACESTATE=" + state).utf8)) }
    result.append(Array(("TRACEPARENT=" + trace.traceParent(for: trace.spanID)).utf8))
    return result
  }

  /// Starts `script` with new channels on its stdout and stderr, and
  /// `traceParent` (its own span) in `TRACEPARENT`.
  func launch(_ script: Script, traceParent: String) throws(Failure) -> Launched {
    environment.replaceLast(with: "TRACEPARENT=" + traceParent)
    let opened: [OutputChannels.Channel]
    do {
      opened = try channels.open(sizeFrom: terminals)
    } catch {
      throw Failure(error: error)
    }
    defer { for channel in opened { channel.theirs.close() } }
    let redirections = OutputChannels.redirections(opened)
    let outputs = zip(opened, [ScriptStream.stdout, .stderr]).map {
      Output(source: $0.ours, stream: $1, isTerminal: $0.isTerminal)
    }
    do {
      let pid = try spawn(script.path, redirections: redirections)
      return Launched(pid: pid, outputs: outputs)
    } catch {
      for output in outputs { output.source.close() }
      throw Failure(error: error)
    }
  }

  /// Starts `path`; a file the kernel will not execute for want of a `#!`
  /// line is run by bash, as bash itself does for the commands it runs.
  private func spawn(_ path: String, redirections: [ProcessSpawner.Redirection]) throws(SystemError) -> pid_t {
    do {
      return try ProcessSpawner.spawn(
        path: path, arguments: CStringArray([path]), environment: environment, redirections: redirections,
        state: state)
    } catch  where error.code == ENOEXEC {
      return try ProcessSpawner.spawn(
        path: EnvironmentLoader.bash, arguments: CStringArray([EnvironmentLoader.bash, path]),
        environment: environment, redirections: redirections, state: state)
    }
  }

  /// A pipe whose read end is ours (non-blocking) and whose write end goes to
  /// a child, which gets an ordinary blocking pipe.
  static func outputPipe() throws(SystemError) -> PipeEnds {
    let pipe = try PipeEnds()
    pipe.readEnd.setNonBlocking()
    // A larger pipe (1 MiB instead of 64 KiB) lets a script that writes a
    // lot run ahead of us: fewer context switches and reads per byte.
    _ = orc_set_pipe_size(pipe.readEnd.rawValue, Int32(OutputPump.chunkSize))
    return pipe
  }
}
